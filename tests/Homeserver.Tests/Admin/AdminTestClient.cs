using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Admin;

/// <summary>Small helpers shared by the admin API tests.</summary>
public static class AdminTestClient
{
    public static string Escape(string id) => Uri.EscapeDataString(id);

    /// <summary>Polls the delete status until the deletion leaves its running states (bounded: 30 s).</summary>
    public static async Task<JsonObject> WaitForDeletionAsync(this TestHomeserver server, string deleteId, string adminToken)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var status = (await server.Http.GetJsonAsync($"/_synapse/admin/v2/rooms/delete_status/{deleteId}", adminToken)).Ok();
            if (status["status"]!.GetValue<string>() is "complete" or "failed") return status;
            await Task.Delay(100);
        }

        throw new TimeoutException($"deletion {deleteId} did not finish");
    }

    public static JsonObject Body(params (string Key, JsonNode? Value)[] fields)
    {
        var json = new JsonObject();
        foreach (var (key, value) in fields) json[key] = value;
        return json;
    }

    public static void IsBadRequest(this MatrixResponse response, string errCode) => response.IsError(HttpStatusCode.BadRequest, errCode);

    /// <summary>Marks an account as a guest, as guest registration would have made it.</summary>
    public static async Task SetUserFlagsAsync(this TestHomeserver server, string userId, bool guest)
    {
        await using var db = await server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        await db.Users.Where(u => u.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsGuest, guest));
    }
}

using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Operations;

/// <summary>Stopping the server: what it writes last must not turn a shutdown into a crash.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task The_server_stops_cleanly_when_its_database_is_gone()
    {
        var server = await TestHomeserver.StartAsync();
        var alice = await server.RegisterAsync("alice");
        // Presence changed since the last write, so the presence worker writes it at shutdown.
        (await server.Http.PutJsonAsync($"/_matrix/client/v3/presence/{Uri.EscapeDataString(alice.UserId)}/status",
            new JsonObject { ["presence"] = "online", ["status_msg"] = "here" }, alice.AccessToken)).Ok();

        await server.LoseDatabaseAsync();

        // Before, the last presence write threw out of the host's stop and the process died with "Unhandled exception".
        await server.DisposeAsync();
    }
}

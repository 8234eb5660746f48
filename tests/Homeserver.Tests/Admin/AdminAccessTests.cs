using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Admin;

/// <summary>Every admin endpoint refuses a normal user (403 M_FORBIDDEN) and a request without a token (401).</summary>
public sealed class AdminAccessTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private const string User = "@someone:localhost";
    private const string Room = "!room:localhost";

    public static TheoryData<string, string> Endpoints => new()
    {
        { "GET", "/_synapse/admin/v1/server_version" },
        { "GET", "/_synapse/admin/v2/users" },
        { "GET", $"/_synapse/admin/v2/users/{User}" },
        { "PUT", $"/_synapse/admin/v2/users/{User}" },
        { "POST", $"/_synapse/admin/v1/deactivate/{User}" },
        { "POST", $"/_synapse/admin/v1/reset_password/{User}" },
        { "GET", $"/_synapse/admin/v1/whois/{User}" },
        { "GET", $"/_synapse/admin/v2/users/{User}/devices" },
        { "GET", $"/_synapse/admin/v2/users/{User}/devices/DEV" },
        { "DELETE", $"/_synapse/admin/v2/users/{User}/devices/DEV" },
        { "POST", $"/_synapse/admin/v2/users/{User}/delete_devices" },
        { "POST", $"/_synapse/admin/v1/users/{User}/login" },
        { "GET", $"/_synapse/admin/v1/users/{User}/joined_rooms" },
        { "GET", $"/_synapse/admin/v1/users/{User}/admin" },
        { "PUT", $"/_synapse/admin/v1/users/{User}/admin" },
        { "GET", "/_synapse/admin/v1/rooms" },
        { "GET", $"/_synapse/admin/v1/rooms/{Room}" },
        { "GET", $"/_synapse/admin/v1/rooms/{Room}/members" },
        { "GET", $"/_synapse/admin/v1/rooms/{Room}/state" },
        { "GET", $"/_synapse/admin/v1/rooms/{Room}/block" },
        { "PUT", $"/_synapse/admin/v1/rooms/{Room}/block" },
        { "DELETE", $"/_synapse/admin/v1/rooms/{Room}" },
        { "DELETE", $"/_synapse/admin/v2/rooms/{Room}" },
        { "GET", $"/_synapse/admin/v2/rooms/{Room}/delete_status" },
        { "GET", "/_synapse/admin/v2/rooms/delete_status/abc" },
        { "PUT", $"/_synapse/admin/v1/suspend/{User}" },
        { "GET", $"/_matrix/client/v1/admin/lock/{User}" },
        { "PUT", $"/_matrix/client/v1/admin/lock/{User}" },
        { "GET", $"/_matrix/client/v1/admin/suspend/{User}" },
        { "PUT", $"/_matrix/client/v1/admin/suspend/{User}" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_normal_user_is_forbidden(string method, string path)
    {
        var user = await fixture.Server.CreateUserAsync("plain");
        var response = await fixture.Server.Http.SendAsync(new HttpMethod(method), Escaped(path), method is "GET" ? null : new JsonObject(), user.AccessToken);
        response.IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task No_token_is_unauthorized(string method, string path)
    {
        var response = await fixture.Server.Http.SendAsync(new HttpMethod(method), Escaped(path), method is "GET" ? null : new JsonObject());
        response.IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Server_version_names_the_implementation()
    {
        var admin = await fixture.Server.CreateUserAsync("versionadmin", admin: true);
        var version = (await fixture.Server.Http.GetJsonAsync("/_synapse/admin/v1/server_version", admin.AccessToken)).Ok();
        Assert.StartsWith("Matrix.Homeserver ", version["server_version"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static string Escaped(string path) => path.Replace("@", "%40", StringComparison.Ordinal).Replace("!", "%21", StringComparison.Ordinal);
}

using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>/_synapse/admin/v1/register, as register_new_matrix_user and synadm use it.</summary>
public sealed class SharedSecretRegistrationTests(SharedSecretRegistrationTests.Fixture fixture) : IClassFixture<SharedSecretRegistrationTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture
    {
        protected override void Configure(IDictionary<string, string?> settings) => settings["Homeserver:Registration:SharedSecret"] = Secret;
    }

    private const string Secret = "a shared secret";
    private const string Path = "/_synapse/admin/v1/register";
    private readonly TestHomeserver _server = fixture.Server;

    /// <summary>The MAC exactly as Synapse's register_new_matrix_user script computes it.</summary>
    public static string Mac(string secret, string nonce, string user, string password, bool admin, string? userType = null)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, Encoding.UTF8.GetBytes(secret));
        foreach (var part in new[] { nonce, "\0", user, "\0", password, "\0", admin ? "admin" : "notadmin" }) hmac.AppendData(Encoding.UTF8.GetBytes(part));
        if (userType is not null) hmac.AppendData(Encoding.UTF8.GetBytes("\0" + userType));
        return Convert.ToHexStringLower(hmac.GetHashAndReset());
    }

    private async Task<string> Nonce() => (await _server.Http.GetJsonAsync(Path)).Ok()["nonce"]!.GetValue<string>();

    private static JsonObject Body(string nonce, string user, bool admin = false, string? userType = null, string? mac = null)
    {
        var body = new JsonObject
        {
            ["nonce"] = nonce,
            ["username"] = user,
            ["password"] = TestUsers.DefaultPassword,
            ["admin"] = admin,
            ["mac"] = mac ?? Mac(Secret, nonce, user, TestUsers.DefaultPassword, admin, userType),
        };
        if (userType is not null) body["user_type"] = userType;
        return body;
    }

    [Fact]
    public async Task An_admin_is_registered_and_logged_in()
    {
        var registered = (await _server.Http.PostJsonAsync(Path, Body(await Nonce(), "Operator", admin: true))).Ok();
        Assert.Equal("@operator:localhost", registered["user_id"]!.GetValue<string>());
        var token = registered["access_token"]!.GetValue<string>();
        // Admin: the registration token admin API answers.
        (await _server.Http.GetJsonAsync("/_synapse/admin/v1/registration_tokens", token)).Ok();
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/login",
            new JsonObject { ["type"] = "m.login.password", ["user"] = "operator", ["password"] = TestUsers.DefaultPassword })).Ok();
    }

    [Fact]
    public async Task A_bot_with_a_display_name()
    {
        var body = Body(await Nonce(), "helperbot", userType: "bot");
        body["displayname"] = "Helper";
        var token = (await _server.Http.PostJsonAsync(Path, body)).Ok()["access_token"]!.GetValue<string>();
        (await _server.Http.GetJsonAsync("/_synapse/admin/v1/registration_tokens", token)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var profile = (await _server.Http.GetJsonAsync("/_matrix/client/v3/profile/@helperbot:localhost")).Ok();
        Assert.Equal("Helper", profile["displayname"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_wrong_mac_is_forbidden_and_spends_the_nonce()
    {
        var nonce = await Nonce();
        (await _server.Http.PostJsonAsync(Path, Body(nonce, "forger", mac: Mac("guess", nonce, "forger", TestUsers.DefaultPassword, false))))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        // Claiming admin with a notadmin MAC is a wrong MAC too.
        var nonce2 = await Nonce();
        (await _server.Http.PostJsonAsync(Path, Body(nonce2, "climber", admin: true, mac: Mac(Secret, nonce2, "climber", TestUsers.DefaultPassword, false))))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.PostJsonAsync(Path, Body(nonce, "forger"))).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
    }

    [Fact]
    public async Task A_nonce_is_single_use()
    {
        var nonce = await Nonce();
        (await _server.Http.PostJsonAsync(Path, Body(nonce, "onceonly"))).Ok();
        (await _server.Http.PostJsonAsync(Path, Body(nonce, "twiceonly"))).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
    }

    [Fact]
    public async Task Bad_requests_are_refused()
    {
        (await _server.Http.PostJsonAsync(Path, new JsonObject { ["username"] = "x" })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.Http.PostJsonAsync(Path, new JsonObject { ["nonce"] = "made-up" })).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        var noMac = Body(await Nonce(), "nomac");
        noMac.Remove("mac");
        (await _server.Http.PostJsonAsync(Path, noMac)).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.Http.PostJsonAsync(Path, Body(await Nonce(), "typed", userType: "wizard"))).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        (await _server.Http.PostJsonAsync(Path, Body(await Nonce(), "bad name"))).IsError(HttpStatusCode.BadRequest, "M_INVALID_USERNAME");
        (await _server.Http.PostJsonAsync(Path, Body(await Nonce(), "nul\0byte"))).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        (await _server.Http.PostJsonAsync(Path, Body(await Nonce(), "operatorx"))).Ok();
        (await _server.Http.PostJsonAsync(Path, Body(await Nonce(), "operatorx"))).IsError(HttpStatusCode.BadRequest, "M_USER_IN_USE");
    }
}

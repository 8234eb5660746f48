using System.Net;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Transport;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>
/// Binding a 3PID at an identity server through the homeserver (POST /account/3pid/bind) and unbinding it again
/// (/account/3pid/unbind, /account/3pid/delete, account deactivation), as SyTest's identity tests drive it.
/// </summary>
public sealed class IdentityServerBindingTests(ThirdPartyInviteFixture fixture) : IClassFixture<ThirdPartyInviteFixture>
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private FakeIdentityServer Is => fixture.IdentityServer;

    private static string NewEmail() => $"bob{Guid.NewGuid():N}@example.org";

    private async Task<MatrixResponse> BindAsync(TestUser user, string email)
    {
        var secret = "secret" + Guid.NewGuid().ToString("N");
        var sid = Is.ValidateSession("email", email, secret);
        return await Hs1.PostAsync(user, "/account/3pid/bind", new JsonObject
        {
            ["id_server"] = Is.Name, ["id_access_token"] = FakeIdentityServer.AccessToken, ["sid"] = sid, ["client_secret"] = secret,
        });
    }

    [Fact]
    public async Task A_3pid_bound_through_the_homeserver_is_unbound_there_when_removed()
    {
        var user = await Hs1.NewUserAsync("binder");
        var email = NewEmail();

        (await BindAsync(user, email)).Ok();
        Assert.Equal(user.UserId, Is.BoundTo("email", email));

        // No id_server: the one it was bound through; the request is signed as hs1.
        var removed = (await Hs1.PostAsync(user, "/account/3pid/delete", new JsonObject { ["medium"] = "email", ["address"] = email })).Ok();
        Assert.Equal("success", removed["id_server_unbind_result"]!.GetValue<string>());
        Assert.Null(Is.BoundTo("email", email));
        Assert.True(XMatrixAuthorization.TryParse(Is.UnbindAuthorizations.Last(), out var authorization, out _));
        Assert.Equal(("hs1.test", Is.Name), (authorization.Origin, authorization.Destination));
        var signed = RequestSigning.BuildSignedJson("POST", "/_matrix/identity/v2/3pid/unbind", "hs1.test", Is.Name,
            new JsonObject { ["mxid"] = user.UserId, ["threepid"] = new JsonObject { ["medium"] = "email", ["address"] = email } });
        JsonSigning.AddSignature(signed, "hs1.test", authorization.Key.ToString(), authorization.Signature);
        Assert.Equal(SignatureStatus.Valid, JsonSigning.Verify(signed, "hs1.test", authorization.Key, fixture.Servers.VerifyKey("hs1.test"), CanonicalJsonMode.Lenient));

        // Nothing is known of it any more.
        var again = (await Hs1.PostAsync(user, "/account/3pid/unbind", new JsonObject { ["medium"] = "email", ["address"] = email })).Ok();
        Assert.Equal("no-support", again["id_server_unbind_result"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_3pid_bound_elsewhere_is_unbound_from_the_identity_server_named()
    {
        var user = await Hs1.NewUserAsync("binder");
        var email = NewEmail();
        await Is.BindAsync("email", email, user.UserId);

        var unbound = (await Hs1.PostAsync(user, "/account/3pid/unbind", new JsonObject { ["medium"] = "email", ["address"] = email, ["id_server"] = Is.Name }))
            .Ok();

        Assert.Equal("success", unbound["id_server_unbind_result"]!.GetValue<string>());
        Assert.Null(Is.BoundTo("email", email));
    }

    [Fact]
    public async Task Deactivation_unbinds_the_accounts_3pids()
    {
        var user = await Hs1.RegisterAsync("leaver" + Guid.NewGuid().ToString("N")[..8]);
        var email = NewEmail();
        (await BindAsync(user, email)).Ok();

        var challenge = await Hs1.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", new JsonObject(), user.AccessToken);
        var body = new JsonObject { ["auth"] = user.PasswordAuth(challenge.Object["session"]!.GetValue<string>()) };
        var done = (await Hs1.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", body, user.AccessToken)).Ok();

        Assert.Equal("success", done["id_server_unbind_result"]!.GetValue<string>());
        Assert.Null(Is.BoundTo("email", email));
    }

    [Fact]
    public async Task An_admins_deactivation_unbinds_the_accounts_3pids_too()
    {
        var admin = await Hs1.NewUserAsync("admin", admin: true);
        var user = await Hs1.NewUserAsync("leaver");
        var email = NewEmail();
        (await BindAsync(user, email)).Ok();

        var done = (await Hs1.Http.PostJsonAsync($"/_synapse/admin/v1/deactivate/{Uri.EscapeDataString(user.UserId)}", new JsonObject(), admin.AccessToken)).Ok();

        Assert.Equal("success", done["id_server_unbind_result"]!.GetValue<string>());
        Assert.Null(Is.BoundTo("email", email));
    }

    [Fact]
    public async Task Binding_needs_every_field_and_the_identity_servers_session()
    {
        var user = await Hs1.NewUserAsync("binder");
        (await Hs1.PostAsync(user, "/account/3pid/bind", new JsonObject { ["id_server"] = Is.Name, ["sid"] = "s", ["client_secret"] = "c" }))
            .IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await Hs1.PostAsync(user, "/account/3pid/unbind", new JsonObject { ["medium"] = "email" })).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");

        // The identity server's refusal reaches the client.
        (await Hs1.PostAsync(user, "/account/3pid/bind", new JsonObject
        {
            ["id_server"] = Is.Name, ["id_access_token"] = FakeIdentityServer.AccessToken, ["sid"] = "nope", ["client_secret"] = "c",
        })).IsError(HttpStatusCode.BadRequest, "M_NO_VALID_SESSION");
    }
}

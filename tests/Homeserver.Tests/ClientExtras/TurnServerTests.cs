using System.Security.Cryptography;
using System.Text;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.ClientExtras;

/// <summary>GET /voip/turnServer with a TURN shared secret configured.</summary>
public sealed class TurnServerTests(TurnServerTests.Fixture fixture) : IClassFixture<TurnServerTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture
    {
        protected override void Configure(IDictionary<string, string?> settings)
        {
            settings["Homeserver:Voip:TurnUris:0"] = "turn:turn.example.org:3478?transport=udp";
            settings["Homeserver:Voip:TurnUris:1"] = "turns:turn.example.org:5349";
            settings["Homeserver:Voip:TurnSharedSecret"] = "coturn-secret";
            settings["Homeserver:Voip:TurnUserLifetimeSeconds"] = "3600";
        }
    }

    [Fact]
    public async Task Credentials_are_time_limited_and_signed_with_the_shared_secret()
    {
        var user = await fixture.Server.CreateUserAsync("caller");
        var turn = (await fixture.Server.Http.GetJsonAsync("/_matrix/client/v3/voip/turnServer", user.AccessToken)).Ok();

        var username = turn["username"]!.GetValue<string>();
        var expiry = long.Parse(username[..username.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(":" + user.UserId, username[username.IndexOf(':', StringComparison.Ordinal)..]);
        Assert.InRange(expiry - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 3500, 3700);
#pragma warning disable CA5350 // the TURN REST API's algorithm
        var expected = Convert.ToBase64String(HMACSHA1.HashData("coturn-secret"u8.ToArray(), Encoding.UTF8.GetBytes(username)));
#pragma warning restore CA5350
        Assert.Equal(expected, turn["password"]!.GetValue<string>());
        Assert.Equal(2, turn["uris"]!.AsArray().Count);
        Assert.Equal(3600, turn["ttl"]!.GetValue<int>());
    }

    [Fact]
    public async Task Without_a_token_it_is_refused()
    {
        (await fixture.Server.Http.GetJsonAsync("/_matrix/client/v3/voip/turnServer")).IsError(System.Net.HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }
}

using Matrix.Homeserver.Configuration;
using Microsoft.Extensions.Configuration;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>The Auth and RateLimits settings: defaults and the one-line errors for bad values.</summary>
public sealed class AccountSettingsTests
{
    private static HomeserverOptions Load(params (string Key, string Value)[] settings) =>
        ConfigurationLoader.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void Defaults_follow_synapse()
    {
        var options = Load();
        Assert.Equal(12, options.Auth.BcryptRounds);
        Assert.Equal(300_000, options.Auth.RefreshableAccessTokenLifetimeMs);
        Assert.Equal(120_000, options.Auth.LoginTokenLifetimeMs);
        Assert.True(options.Auth.LoginTokensEnabled);
        Assert.False(options.Registration.AllowGuests);
        Assert.True(options.RateLimits.Enabled);
        Assert.Equal(10, options.RateLimits.Login.Burst);
    }

    [Theory]
    [InlineData("Homeserver:Auth:BcryptRounds", "3", "Homeserver:Auth:BcryptRounds: 3 is not a bcrypt work factor between 4 and 31")]
    [InlineData("Homeserver:Auth:MinPasswordLength", "600", "Homeserver:Auth:MinPasswordLength: 600 must be between 0 and 512")]
    [InlineData("Homeserver:Auth:UiaSessionLifetimeMs", "0", "Homeserver:Auth:UiaSessionLifetimeMs: 0 must be a positive number of milliseconds")]
    [InlineData("Homeserver:Auth:Pepper", "x", "Homeserver:Auth:Pepper: unknown setting")]
    [InlineData("Homeserver:RateLimits:Login:Burst", "0", "Homeserver:RateLimits:Login:Burst: 0 must be at least 1")]
    [InlineData("Homeserver:RateLimits:Send:PerSecond", "-1", "Homeserver:RateLimits:Send:PerSecond: -1 must be a positive rate")]
    [InlineData("Homeserver:Registration:AllowGuests", "sometimes", "Homeserver:Registration:AllowGuests: 'sometimes' is not a valid boolean (true or false)")]
    public void A_bad_value_names_the_setting(string key, string value, string expected) =>
        Assert.Equal(expected, Assert.Throws<ConfigurationException>(() => Load((key, value))).Message);
}

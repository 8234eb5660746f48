using Matrix.Homeserver.Configuration;
using Microsoft.Extensions.Configuration;

namespace Matrix.Homeserver.Tests.FederationApi;

/// <summary>Homeserver:Federation:* settings bind and are checked at start-up.</summary>
public sealed class FederationOptionsTests
{
    private static HomeserverOptions Load(params (string Key, string Value)[] settings) =>
        ConfigurationLoader.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    private static string Error(params (string Key, string Value)[] settings) =>
        Assert.Throws<ConfigurationException>(() => Load(settings)).Message;

    [Fact]
    public void Defaults_federate_with_everyone_without_notaries_or_overrides()
    {
        var federation = Load().Federation;
        Assert.True(federation.Enabled);
        Assert.Empty(federation.AllowedDomains);
        Assert.Empty(federation.DeniedDomains);
        Assert.Empty(federation.TrustedKeyServers);
        Assert.Empty(federation.ResolverOverrides);
        Assert.Null(federation.TrustedCaPath);
        Assert.False(federation.AllowPrivateAddresses);
        Assert.Equal(24, federation.KeyValidityHours);
    }

    [Fact]
    public void Lists_and_notaries_bind()
    {
        var federation = Load(
            ("Homeserver:Federation:DeniedDomains:0", "spam.example"),
            ("Homeserver:Federation:AllowedDomains:0", "*.partner.example"),
            ("Homeserver:Federation:ResolverOverrides:hs2.test", "127.0.0.1:9448"),
            ("Homeserver:Federation:TrustedKeyServers:0:ServerName", "notary.example"),
            ("Homeserver:Federation:TrustedKeyServers:0:VerifyKeys:0:KeyId", "ed25519:auto"),
            ("Homeserver:Federation:TrustedKeyServers:0:VerifyKeys:0:Key", "Noi6WqcDj0QmPxCNQqgezwTlBKrfqehY1u2FyWP9uYw")).Federation;
        Assert.Equal(["spam.example"], federation.DeniedDomains);
        Assert.Equal(["*.partner.example"], federation.AllowedDomains);
        Assert.Equal("127.0.0.1:9448", federation.ResolverOverrides["hs2.test"]);
        var notary = Assert.Single(federation.TrustedKeyServers);
        Assert.Equal(("notary.example", "ed25519:auto"), (notary.ServerName, Assert.Single(notary.VerifyKeys).KeyId));
    }

    [Theory]
    [InlineData("Homeserver:Federation:ResolverOverrides:hs2.test", "nowhere", "'hs2.test' → 'nowhere' must map a server name to host:port")]
    [InlineData("Homeserver:Federation:DeniedDomains:0", "bad domain", "'bad domain' is not a server name or *.domain")]
    [InlineData("Homeserver:Federation:AllowedDomains:0", "*", "'*' is not a server name or *.domain")]
    [InlineData("Homeserver:Federation:TrustedCaPath", "/nonexistent/ca.pem", "file '/nonexistent/ca.pem' does not exist")]
    [InlineData("Homeserver:Federation:KeyValidityHours", "0", "0 must be between 1 and 168 hours")]
    [InlineData("Homeserver:Federation:RequestTimeoutSeconds", "0", "0 must be between 1 and 3600 seconds")]
    [InlineData("Homeserver:Federation:ConcurrentRequestsPerServer", "0", "0 must be between 1 and 1000")]
    [InlineData("Homeserver:Federation:QueuedRequestsPerServer", "-1", "-1 must be between 0 and 100000")]
    public void Bad_values_stop_start_up(string key, string value, string message) =>
        Assert.EndsWith(message, Error((key, value)));

    [Fact]
    public void A_notary_needs_valid_keys()
    {
        Assert.Contains("must list the notary's keys", Error(("Homeserver:Federation:TrustedKeyServers:0:ServerName", "notary.example")));
        Assert.Contains("must be an ed25519 key ID with an unpadded base64 public key", Error(
            ("Homeserver:Federation:TrustedKeyServers:0:ServerName", "notary.example"),
            ("Homeserver:Federation:TrustedKeyServers:0:VerifyKeys:0:KeyId", "ed25519:auto"),
            ("Homeserver:Federation:TrustedKeyServers:0:VerifyKeys:0:Key", "not a key")));
    }
}

using System.Net;
using Matrix.Federation.Transport.Security;

namespace Matrix.Federation.Tests.Transport;

public sealed class SecurityPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.1.2.3")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.255")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("192.0.2.1")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::127.0.0.1")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:7f00:1::")]
    [InlineData("2001:db8::1")]
    public void Non_public_addresses_are_refused(string address) => Assert.False(AddressPolicy.IsAllowed(IPAddress.Parse(address)));

    [Theory]
    [InlineData("1.1.1.1")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:1.1.1.1")]
    [InlineData("64:ff9b::101:101")]
    [InlineData("2002:101:101::")]
    public void Public_addresses_are_allowed(string address) => Assert.True(AddressPolicy.IsAllowed(IPAddress.Parse(address)));

    [Fact]
    public void Empty_allow_list_allows_everyone_but_the_denied()
    {
        var policy = new FederationDomainPolicy([], ["evil.org", "*.bad.net"]);
        Assert.True(policy.IsAllowed("good.org"));
        Assert.False(policy.IsAllowed("evil.org"));
        Assert.False(policy.IsAllowed("EVIL.org:8448"));
        Assert.False(policy.IsAllowed("a.b.bad.net"));
        Assert.True(policy.IsAllowed("bad.net"));
        Assert.False(policy.IsAllowed("not a name"));
    }

    [Fact]
    public void An_allow_list_admits_only_its_entries_and_deny_wins()
    {
        var policy = new FederationDomainPolicy(["partner.org", "*.agency.gov"], ["rogue.agency.gov"]);
        Assert.True(policy.IsAllowed("partner.org"));
        Assert.True(policy.IsAllowed("partner.org:443"));
        Assert.True(policy.IsAllowed("hs.agency.gov"));
        Assert.False(policy.IsAllowed("rogue.agency.gov"));
        Assert.False(policy.IsAllowed("matrix.org"));
        Assert.False(policy.IsAllowed("notpartner.org"));
    }

    [Theory]
    [InlineData("example.org", true)]
    [InlineData("*.example.org", true)]
    [InlineData("example.org:8448", true)]
    [InlineData("*", false)]
    [InlineData("ex ample.org", false)]
    [InlineData("", false)]
    public void Policy_entries_are_checked(string entry, bool valid) => Assert.Equal(valid, FederationDomainPolicy.IsValidEntry(entry));
}

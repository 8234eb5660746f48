using Matrix.Federation.Identifiers;

namespace Matrix.Federation.Tests.Identifiers;

public class ServerNameTests
{
    [Theory]
    [InlineData("matrix.org", "matrix.org", null, HostKind.DnsName)]
    [InlineData("matrix.org:8888", "matrix.org", 8888, HostKind.DnsName)]
    [InlineData("1.2.3.4", "1.2.3.4", null, HostKind.IPv4)]
    [InlineData("1.2.3.4:1234", "1.2.3.4", 1234, HostKind.IPv4)]
    [InlineData("[1234:5678::abcd]", "[1234:5678::abcd]", null, HostKind.IPv6)]
    [InlineData("[1234:5678::abcd]:5678", "[1234:5678::abcd]", 5678, HostKind.IPv6)]
    [InlineData("[::1]", "[::1]", null, HostKind.IPv6)]
    [InlineData("[::ffff:1.2.3.4]:8448", "[::ffff:1.2.3.4]", 8448, HostKind.IPv6)]
    [InlineData("localhost", "localhost", null, HostKind.DnsName)]
    [InlineData("MATRIX.ORG", "MATRIX.ORG", null, HostKind.DnsName)]
    [InlineData("a-b.c:65535", "a-b.c", 65535, HostKind.DnsName)]
    [InlineData("1.2.3", "1.2.3", null, HostKind.DnsName)]
    [InlineData("1.2.3.4.5", "1.2.3.4.5", null, HostKind.DnsName)]
    public void Valid_names(string text, string host, int? port, HostKind kind)
    {
        Assert.True(ServerName.TryParse(text, out var name, out var error), error.ToString());
        Assert.Equal(IdentifierError.None, error);
        Assert.Equal(text, name.Value);
        Assert.Equal(host, name.Host);
        Assert.Equal(port, name.Port);
        Assert.Equal(kind, name.Kind);
    }

    [Theory]
    [InlineData("", IdentifierError.EmptyHost)]
    [InlineData(":8448", IdentifierError.EmptyHost)]
    [InlineData("matrix.org:", IdentifierError.InvalidPort)]
    [InlineData("matrix.org:0", IdentifierError.InvalidPort)]
    [InlineData("matrix.org:65536", IdentifierError.InvalidPort)]
    [InlineData("matrix.org:123456", IdentifierError.InvalidPort)]
    [InlineData("matrix.org:80a", IdentifierError.InvalidPort)]
    [InlineData("matrix.org:-1", IdentifierError.InvalidPort)]
    [InlineData("matrix.org:80:90", IdentifierError.InvalidPort)]
    [InlineData("[::1]x", IdentifierError.InvalidPort)]
    [InlineData("matrix_org", IdentifierError.InvalidHostCharacter)]
    [InlineData("mätrix.org", IdentifierError.InvalidHostCharacter)]
    [InlineData("matrix.org/x", IdentifierError.InvalidHostCharacter)]
    [InlineData("a b", IdentifierError.InvalidHostCharacter)]
    [InlineData("256.1.1.1", IdentifierError.InvalidIpv4Literal)]
    [InlineData("1.2.3.999:80", IdentifierError.InvalidIpv4Literal)]
    [InlineData("[::1", IdentifierError.InvalidIpv6Literal)]
    [InlineData("[]", IdentifierError.InvalidIpv6Literal)]
    [InlineData("[1.2.3.4]", IdentifierError.InvalidIpv6Literal)]
    [InlineData("[fe80::1%eth0]", IdentifierError.InvalidIpv6Literal)]
    [InlineData("[gggg::1]", IdentifierError.InvalidIpv6Literal)]
    [InlineData("[1:2:3:4:5:6:7:8:9]", IdentifierError.InvalidIpv6Literal)]
    public void Invalid_names(string text, IdentifierError expected)
    {
        Assert.False(ServerName.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
        Assert.Equal(expected, Assert.Throws<IdentifierFormatException>(() => ServerName.Parse(text)).Error);
    }

    [Fact]
    public void Host_longer_than_255_is_refused()
    {
        Assert.True(ServerName.IsValid(new string('a', 255)));
        Assert.False(ServerName.TryParse(new string('a', 256), out _, out var error));
        Assert.Equal(IdentifierError.HostTooLong, error);
    }

    [Fact]
    public void Null_is_empty() => Assert.False(ServerName.TryParse(null, out _, out _));

    [Fact]
    public void Names_compare_case_sensitively() => Assert.NotEqual(ServerName.Parse("matrix.org"), ServerName.Parse("MATRIX.ORG"));
}

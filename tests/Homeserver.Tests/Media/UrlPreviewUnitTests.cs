using System.Diagnostics;
using System.Net;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Media.Preview;

namespace Matrix.Homeserver.Tests.Media;

public sealed class UrlPreviewUnitTests
{
    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("93.184.216.34", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.255.255.254", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::", false)]
    [InlineData("::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", false)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("2002:a00:1::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("ff02::1", false)]
    public void The_guard_refuses_internal_and_translated_addresses(string address, bool allowed)
    {
        Assert.Equal(allowed, new NetworkGuard(new UrlPreviewOptions()).IsAllowed(IPAddress.Parse(address)));
    }

    [Fact]
    public void Allowed_networks_open_only_their_own_range_and_family()
    {
        var guard = new NetworkGuard(new UrlPreviewOptions { AllowedNetworks = ["10.20.0.0/16"] });
        Assert.True(guard.IsAllowed(IPAddress.Parse("10.20.3.4")));
        Assert.False(guard.IsAllowed(IPAddress.Parse("10.21.3.4")));
        Assert.False(guard.IsAllowed(IPAddress.Parse("::ffff:10.20.3.4")));
    }

    [Fact]
    public void Parser_reads_quoted_unquoted_and_entity_encoded_values()
    {
        var og = OpenGraphParser.Parse("""
            <head><title>T &lt;1&gt;</title>
            <meta property="og:title" content="First"><meta property="og:title" content="Second">
            <meta content='reversed order' property='og:type'/>
            <meta name=og:url content=https://example.org/x>
            <meta name="description" content="Desc">
            <meta property="other:thing" content="ignored">
            """);
        Assert.Equal("First", og["og:title"]);
        Assert.Equal("reversed order", og["og:type"]);
        Assert.Equal("https://example.org/x", og["og:url"]);
        Assert.Equal("Desc", og["og:description"]);
        Assert.False(og.ContainsKey("other:thing"));
        Assert.Equal("T <1>", OpenGraphParser.Parse("<title>T &lt;1&gt;</title>")["og:title"]);
    }

    [Fact]
    public void Parser_bounds_values_and_properties()
    {
        var html = string.Concat(Enumerable.Range(0, 200).Select(i => $"<meta property=\"og:p{i}\" content=\"{new string('v', 5000)}\">"));
        var og = OpenGraphParser.Parse(html);
        Assert.Equal(OpenGraphParser.MaxProperties, og.Count);
        Assert.All(og.Values, v => Assert.Equal(OpenGraphParser.MaxValueLength, v.Length));
    }

    [Theory]
    [InlineData("<meta")]
    [InlineData("<meta property=\"og:title")]
    [InlineData("<title>never closed")]
    [InlineData("<<<<>>>>")]
    [InlineData("")]
    public void Parser_survives_malformed_html(string html)
    {
        Assert.NotNull(OpenGraphParser.Parse(html));
    }

    [Fact]
    public void Parser_is_linear_on_hostile_input()
    {
        var hostile = string.Concat(Enumerable.Repeat("<meta a=\"", 200_000)) + string.Concat(Enumerable.Repeat("<title", 200_000));
        var clock = Stopwatch.StartNew();
        OpenGraphParser.Parse(hostile);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }
}

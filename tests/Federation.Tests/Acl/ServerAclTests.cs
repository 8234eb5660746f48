using System.Diagnostics;
using System.Text.Json.Nodes;
using Matrix.Federation.Acl;

namespace Matrix.Federation.Tests.Acl;

public class ServerAclTests
{
    private static ServerAcl Acl(string content) => ServerAcl.FromContent(JsonNode.Parse(content)!.AsObject());

    // content, server, allowed
    public static TheoryData<string, string, bool> Table => new()
    {
        // Missing allow denies everyone, even with an empty deny.
        { "{}", "example.org", false },
        { """{"deny":[]}""", "example.org", false },
        { """{"allow":["*"]}""", "example.org", true },
        // Deny wins over allow.
        { """{"allow":["*"],"deny":["evil.com"]}""", "evil.com", false },
        { """{"allow":["*"],"deny":["evil.com"]}""", "good.com", true },
        { """{"allow":["evil.com"],"deny":["evil.com"]}""", "evil.com", false },
        // Ports are ignored.
        { """{"allow":["*"],"deny":["evil.com"]}""", "evil.com:8448", false },
        { """{"allow":["*"],"deny":["evil.com"]}""", "evil.com:1234", false },
        { """{"allow":["good.com"]}""", "good.com:8448", true },
        // Case-insensitive, both ways.
        { """{"allow":["*"],"deny":["EVIL.com"]}""", "evil.COM", false },
        { """{"allow":["Good.Com"]}""", "gOOd.com", true },
        // Globs.
        { """{"allow":["*"],"deny":["*.evil.com"]}""", "sub.evil.com", false },
        { """{"allow":["*"],"deny":["*.evil.com"]}""", "evil.com", true },
        { """{"allow":["*"],"deny":["*.evil.com"]}""", "notevil.com", true },
        { """{"allow":["*"],"deny":["*evil*"]}""", "veryevilhost.net", false },
        { """{"allow":["*"],"deny":["ev?l.com"]}""", "evil.com", false },
        { """{"allow":["*"],"deny":["ev?l.com"]}""", "evl.com", true },
        { """{"allow":["*"],"deny":["ev?l.com"]}""", "eviil.com", true },
        { """{"allow":["a*b*c"]}""", "abc", true },
        { """{"allow":["a*b*c"]}""", "axxbyyc", true },
        { """{"allow":["a*b*c"]}""", "axxbyy", false },
        { """{"allow":["a*b*c"]}""", "xabc", false },
        { """{"allow":["*.*"]}""", "a.b", true },
        { """{"allow":["*.*"]}""", "localhost", false },
        { """{"allow":["?*"]}""", "a", true },
        { """{"allow":["??"]}""", "a", false },
        { """{"allow":["a**a"]}""", "a", false },
        { """{"allow":["a**a"]}""", "aa", true },
        // IP literals.
        { """{"allow":["*"],"allow_ip_literals":false}""", "1.2.3.4", false },
        { """{"allow":["*"],"allow_ip_literals":false}""", "1.2.3.4:8448", false },
        { """{"allow":["*"],"allow_ip_literals":false}""", "[::1]", false },
        { """{"allow":["*"],"allow_ip_literals":false}""", "1.2.3.4.example", true },
        { """{"allow":["*"],"allow_ip_literals":true}""", "1.2.3.4", true },
        { """{"allow":["*"]}""", "[::1]:8448", true },
        { """{"allow":["[::1]"]}""", "[::1]:8448", true },
        { """{"allow":["*"],"deny":["1.2.3.*"]}""", "1.2.3.4", false },
        // Malformed content is read leniently, as Synapse does.
        { """{"allow":["*"],"allow_ip_literals":"no"}""", "1.2.3.4", true },
        { """{"allow":"*"}""", "example.org", false },
        { """{"allow":["*"],"deny":"evil.com"}""", "evil.com", true },
        { """{"allow":[1,null,"good.com"]}""", "good.com", true },
        // Invalid server names are never allowed.
        { """{"allow":["*"]}""", "bad_name", false },
        { """{"allow":["*"]}""", "", false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Acl_table(string content, string server, bool allowed) => Assert.Equal(allowed, Acl(content).IsAllowed(server));

    [Fact]
    public void Patterns_longer_than_any_host_never_match()
    {
        var acl = ServerAcl.Create(true, ["*"], [new string('a', 300) + "*"]);
        Assert.True(acl.IsAllowed(new string('a', 255)));
    }

    [Fact]
    public void Too_many_entries_deny_everyone()
    {
        var acl = ServerAcl.Create(true, ["*"], [.. Enumerable.Range(0, ServerAcl.MaxEntries + 1).Select(i => $"h{i}.example")]);
        Assert.True(acl.IsOverLimit);
        Assert.False(acl.IsAllowed("good.example"));
    }

    [Fact]
    public void Adversarial_globs_stay_fast()
    {
        // Star-heavy patterns that make backtracking matchers exponential.
        var pattern = string.Concat(Enumerable.Repeat("*a", 100)) + "*b";
        var acl = ServerAcl.Create(true, ["*"], Enumerable.Repeat(0, 1000).Select(i => pattern + i + "*").ToList());
        var name = new string('a', 250);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 10; i++) Assert.True(acl.IsAllowed(name));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }
}

using System.Diagnostics;
using Matrix.Homeserver.Push.Rules;

namespace Matrix.Homeserver.Tests.Push.Rules;

public sealed class GlobMatcherTests
{
    [Theory]
    // The spec's event_match example: "lunc?*" against content.topic.
    [InlineData("lunc?*", "Lunch plans", true)]
    [InlineData("lunc?*", "LUNCH", true)]
    [InlineData("lunc?*", " lunch", false)]
    [InlineData("lunc?*", "lunc", false)]
    [InlineData("m.notice", "m.notice", true)]
    [InlineData("m.notice", "m.notices", false)]
    [InlineData("m.notice", "xm.notice", false)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("*", "", true)]
    [InlineData("*", "anything", true)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "a-b-c", true)]
    [InlineData("a*b*c", "a-b-c-d", false)]
    [InlineData("*c", "abc", true)]
    [InlineData("*c", "abcd", false)]
    [InlineData("a??", "abc", true)]
    [InlineData("a??", "ab", false)]
    [InlineData("a*?", "a", false)]
    [InlineData("a*?", "ab", true)]
    [InlineData("@alice:example.org", "@Alice:Example.org", true)]
    public void Whole_values(string glob, string value, bool expected) =>
        Assert.Equal(expected, GlobMatcher.Glob(glob, words: false).IsMatch(value.ToLowerInvariant()));

    [Theory]
    // The spec's content.body example: "ex*ple" matches words, and may span words.
    [InlineData("ex*ple", "An example event.", true)]
    [InlineData("ex*ple", "exple", true)]
    [InlineData("ex*ple", "An exciting triple-whammy", true)]
    [InlineData("ex*ple", "An examples event", false)]
    [InlineData("ex*ple", "Annex simple", false)]
    [InlineData("simple", "some simple.", true)]
    [InlineData("simple", "simple", true)]
    [InlineData("simple", "simples", false)]
    [InlineData("simple", "a_simple", false)]
    [InlineData("simple", "simple9", false)]
    [InlineData("simple", "SIMPLE!", true)]
    [InlineData("cake", "cake-lie", true)]
    [InlineData("cake*lie", "the cake is a lie", true)]
    [InlineData("cake*lie", "the cake is a lies", false)]
    [InlineData("cake*lie", "the cake is a lie and a lies", true)]
    [InlineData("@room", "hello @room!", true)]
    [InlineData("@room", "hello @roomy", false)]
    [InlineData("@user:foo", "Some @user:foo test", true)]
    [InlineData("al?ce", "hi alice", true)]
    [InlineData("al?ce", "hi alicee", false)]
    [InlineData("b*", "a bc", true)]
    [InlineData("*b", "a cb", true)]
    [InlineData("alice", "malice alice", true)]
    [InlineData("alice", "malice", false)]
    public void Words_of_the_body(string glob, string body, bool expected) =>
        Assert.Equal(expected, GlobMatcher.Glob(glob, words: true).IsMatch(body.ToLowerInvariant()));

    [Theory]
    [InlineData("Alice", "hi alice!", true)]
    [InlineData("Al*ce", "hi alice", false)]
    [InlineData("Al*ce", "hi al*ce", true)]
    [InlineData("Bob", "bobby", false)]
    [InlineData("Bob", "bobby bob", true)]
    [InlineData("", "anything", false)]
    public void Literal_words_have_no_wildcards(string text, string body, bool expected) =>
        Assert.Equal(expected, GlobMatcher.ContainsWords(body.ToLowerInvariant(), text.ToLowerInvariant()));

    [Fact]
    public void A_hostile_pattern_on_a_large_body_stays_fast()
    {
        var body = string.Concat(Enumerable.Repeat("a ", 32_000));
        var glob = GlobMatcher.Glob("a*a*a*a*a*a*a*a*a*a*b", words: true);
        var stopwatch = Stopwatch.StartNew();
        Assert.False(glob.IsMatch(body));
        Assert.False(GlobMatcher.Glob("a?a?a?a?b", words: true).IsMatch(body));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
    }
}

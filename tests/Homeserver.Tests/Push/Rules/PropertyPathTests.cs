using System.Text.Json.Nodes;
using Matrix.Homeserver.Push.Rules;

namespace Matrix.Homeserver.Tests.Push.Rules;

public sealed class PropertyPathTests
{
    [Theory]
    [InlineData("content.body", new[] { "content", "body" })]
    [InlineData(@"content.m\.relates_to", new[] { "content", "m.relates_to" })]
    [InlineData(@"content.m\\foo", new[] { "content", @"m\foo" })]
    [InlineData(@"content.m\xfoo", new[] { "content", @"m\xfoo" })]
    [InlineData(@"a\", new[] { @"a\" })]
    [InlineData("type", new[] { "type" })]
    public void Parses_escapes_as_the_appendix_says(string path, string[] expected) =>
        Assert.Equal(expected, PropertyPath.Parse(path).Segments);

    [Fact]
    public void Finds_nested_values_and_tells_null_from_absent()
    {
        var json = JsonNode.Parse("""{"content":{"m.relates_to":{"rel_type":"m.replace"},"nothing":null,"list":[1]}}""")!.AsObject();
        Assert.True(PropertyPath.Parse(@"content.m\.relates_to.rel_type").TryFind(json, out var relType));
        Assert.Equal("m.replace", relType!.GetValue<string>());
        Assert.True(PropertyPath.Parse("content.nothing").TryFind(json, out var nothing));
        Assert.Null(nothing);
        Assert.False(PropertyPath.Parse("content.missing").TryFind(json, out _));
        Assert.False(PropertyPath.Parse("content.m.relates_to").TryFind(json, out _));
        Assert.False(PropertyPath.Parse("content.list.0").TryFind(json, out _));
    }
}

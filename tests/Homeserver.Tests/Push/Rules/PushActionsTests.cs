using System.Text.Json.Nodes;
using Matrix.Homeserver.Push.Rules;

namespace Matrix.Homeserver.Tests.Push.Rules;

public sealed class PushActionsTests
{
    [Theory]
    [InlineData("""["notify"]""", true, false, "{}")]
    [InlineData("""[]""", false, false, "{}")]
    [InlineData("""["dont_notify"]""", false, false, "{}")]
    [InlineData("""["notify","coalesce"]""", true, false, "{}")]
    [InlineData("""["notify",{"set_tweak":"highlight"}]""", true, true, """{"highlight":true}""")]
    [InlineData("""["notify",{"set_tweak":"highlight","value":true}]""", true, true, """{"highlight":true}""")]
    [InlineData("""["notify",{"set_tweak":"highlight","value":false}]""", true, false, """{"highlight":false}""")]
    [InlineData("""["notify",{"set_tweak":"sound","value":"default"},{"set_tweak":"x.custom","value":{"a":1}}]""", true, false, """{"sound":"default","x.custom":{"a":1}}""")]
    public void Reads_notify_highlight_and_tweaks(string actions, bool notifies, bool highlights, string tweaks)
    {
        var parsed = PushActions.From(JsonNode.Parse(actions)!.AsArray());
        Assert.Equal(notifies, parsed.Notifies);
        Assert.Equal(highlights, parsed.Highlights);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(tweaks), parsed.Tweaks), parsed.Tweaks.ToJsonString());
    }

    [Fact]
    public void The_historical_actions_are_dropped_from_what_is_stored()
    {
        var parsed = PushActions.From(JsonNode.Parse("""["notify","dont_notify","coalesce",{"set_tweak":"sound","value":"x"}]""")!.AsArray());
        Assert.Equal("""["notify",{"set_tweak":"sound","value":"x"}]""", parsed.EffectiveJson);
    }

    [Theory]
    [InlineData("""["notify",{"set_tweak":"sound","value":"bing"}]""", true)]
    [InlineData("""["dont_notify","coalesce"]""", true)]
    [InlineData("""[]""", true)]
    [InlineData("""["ring"]""", false)]
    [InlineData("""[{"value":"x"}]""", false)]
    [InlineData("""[{"set_tweak":5}]""", false)]
    [InlineData("""[5]""", false)]
    [InlineData("""[null]""", false)]
    public void Validates_what_clients_may_set(string actions, bool valid) =>
        Assert.Equal(valid, PushActions.Validate(JsonNode.Parse(actions)!.AsArray()) is null);
}

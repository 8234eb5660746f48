using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using static Matrix.Federation.Tests.StateResolution.DagScenario;

namespace Matrix.Federation.Tests.StateResolution;

/// <summary>Room v1's original algorithm: type-by-type passes, deepest-allowed wins for ordinary state.</summary>
public sealed class StateResolutionV1Tests
{
    [Fact]
    public async Task Of_two_allowed_topics_the_deeper_wins()
    {
        var dag = await TwoBranches("T1", Alice, "T2", Alice);
        Assert.Equal("T2", dag.ChangedState("END", ["T2"])[new StateKey(EventTypes.Topic, "")]);
    }

    [Fact]
    public async Task A_deeper_topic_the_sender_may_not_set_loses()
    {
        var dag = await TwoBranches("T1", Alice, "T2", Charlie);
        Assert.Equal("T1", dag.ChangedState("END", ["T1"])[new StateKey(EventTypes.Topic, "")]);
    }

    [Theory]
    [InlineData("AB", "ZJ")] // the ban is older
    [InlineData("ZB", "AJ")] // the join is older
    public async Task A_ban_racing_a_join_stands(string banName, string joinName)
    {
        var dag = await new DagScenario(RoomVersions.V1)
            .Event(banName, Alice, EventTypes.Member, Evelyn, """{"membership": "ban"}""")
            .Event(joinName, Evelyn, EventTypes.Member, Evelyn, Join)
            .Chain("END", banName, "START").Chain("END", joinName, "START")
            .BuildAsync();
        Assert.Equal(banName, dag.ChangedState("END", [banName])[new StateKey(EventTypes.Member, Evelyn)]);
    }

    [Fact]
    public async Task A_power_levels_change_not_allowed_after_the_older_one_loses()
    {
        // Bob raises himself to 100 after Alice's change made him 50: not allowed on top of it.
        var dag = new DagScenario(RoomVersions.V1);
        dag.Event("PA", Alice, EventTypes.PowerLevels, "", dag.Levels((Alice, 100), (Bob, 50)))
            .Event("PB", Bob, EventTypes.PowerLevels, "", dag.Levels((Alice, 100), (Bob, 100)))
            .Chain("END", "PA", "START").Chain("END", "PB", "START");
        await dag.BuildAsync();
        Assert.Equal("PA", dag.ChangedState("END", ["PA"])[new StateKey(EventTypes.PowerLevels, "")]);
    }

    [Fact]
    public async Task Unlike_v2_an_event_only_one_branch_holds_is_kept_unchecked()
    {
        static DagScenario Build(RoomVersion version) => new DagScenario(version)
            .Event("TC", Charlie, EventTypes.Topic, "", "{}")
            .Event("MZ", Zara, EventTypes.Message, null, "{}")
            .Chain("END", "TC", "START").Chain("END", "MZ", "START");

        var v1 = await Build(RoomVersions.V1).BuildAsync();
        var v2 = await Build(RoomVersions.V2).BuildAsync();

        Assert.Equal(Id("TC"), v1.StateAfter["END"][new StateKey(EventTypes.Topic, "")]);
        Assert.False(v2.StateAfter["END"].ContainsKey(new StateKey(EventTypes.Topic, "")));
    }

    /// <summary>Topic <paramref name="first"/> on one branch, <paramref name="second"/> (built later, so deeper) on the other.</summary>
    private static Task<DagScenario> TwoBranches(string first, string firstSender, string second, string secondSender) =>
        new DagScenario(RoomVersions.V1)
            .Event(first, firstSender, EventTypes.Topic, "", "{}")
            .Event(second, secondSender, EventTypes.Topic, "", "{}")
            .Chain("END", first, "START").Chain("END", second, "START")
            .BuildAsync();
}

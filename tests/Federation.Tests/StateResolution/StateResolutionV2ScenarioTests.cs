using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using static Matrix.Federation.Tests.StateResolution.DagScenario;

namespace Matrix.Federation.Tests.StateResolution;

/// <summary>
/// The well-known v2 scenarios (those of Synapse's tests/state/test_v2.py), rebuilt: two branches from
/// START meet at END, and the state at END must be the one the spec's algorithm gives. Each runs in
/// every room version using state resolution v2, walking auth chains and through an auth chain index.
/// </summary>
public sealed class StateResolutionV2ScenarioTests
{
    public static TheoryData<string, bool> Versions()
    {
        var data = new TheoryData<string, bool>();
        foreach (var version in RoomVersions.All.Where(v => v.StateResolution == StateResolutionAlgorithm.V2))
        {
            data.Add(version.Id, false);
            data.Add(version.Id, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_ban_racing_a_power_levels_change_wins(string version, bool index)
    {
        // Alice makes Bob a moderator and bans him; on another branch Bob, still a moderator, re-sends power levels.
        var dag = Scenario(version, index);
        dag.Event("PA", Alice, EventTypes.PowerLevels, "", dag.Levels((Alice, 100), (Bob, 50)))
            .Event("MA", Alice, EventTypes.Member, Alice, Join)
            .Event("MB", Alice, EventTypes.Member, Bob, """{"membership": "ban"}""")
            .Event("PB", Bob, EventTypes.PowerLevels, "", dag.Levels((Alice, 100), (Bob, 50)))
            .Chain("END", "MB", "MA", "PA", "START")
            .Chain("END", "PB", "PA");

        await AssertStateAtEnd(dag, "PA", "MA", "MB");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_join_racing_a_join_rules_change_is_dropped(string version, bool index)
    {
        // Alice closes the room (the join rule key is misspelt, so the rule falls back to invite) while Evelyn joins.
        var dag = Scenario(version, index);
        dag.Event("JR", Alice, EventTypes.JoinRules, "", """{"join_rules": "private"}""")
            .Event("ME", Evelyn, EventTypes.Member, Evelyn, Join)
            .Chain("END", "JR", "START")
            .Chain("END", "ME", "START");

        await AssertStateAtEnd(dag, "JR");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Offtopic_power_levels_keep_the_latest_valid_change(string version, bool index)
    {
        // Bob promotes Charlie, who then demotes himself; the other branch only saw Alice's first change.
        var dag = Scenario(version, index);
        dag.Event("PA", Alice, EventTypes.PowerLevels, "", dag.Levels((Alice, 100), (Bob, 50)))
            .Event("PB", Bob, EventTypes.PowerLevels, "", dag.Levels((Alice, 100), (Bob, 50), (Charlie, 50)))
            .Event("PC", Charlie, EventTypes.PowerLevels, "", dag.Levels((Alice, 100), (Bob, 50), (Charlie, 0)))
            .Chain("END", "PC", "PB", "PA", "START")
            .Chain("END", "PA");

        await AssertStateAtEnd(dag, "PC");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Concurrent_topics_follow_the_power_levels_that_win(string version, bool index)
    {
        // Alice demotes Bob while Bob, on his branch, re-asserts his level and sets a topic.
        var dag = TopicsAcrossPowerChanges(Scenario(version, index), demoteBob: true)
            .Chain("END", "PA2", "T2", "PA1", "T1", "START")
            .Chain("END", "T3", "PB", "PA1");

        await AssertStateAtEnd(dag, "PA2", "T2");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_ban_resets_the_topic_the_banned_user_set(string version, bool index)
    {
        // Bob sets a topic and is then banned; a branch from before both meets the ban's branch.
        var dag = Scenario(version, index);
        dag.Event("T1", Alice, EventTypes.Topic, "", "{}")
            .Event("PA", Alice, EventTypes.PowerLevels, "", dag.Levels((Alice, 100), (Bob, 50)))
            .Event("T2", Bob, EventTypes.Topic, "", "{}")
            .Event("MB", Alice, EventTypes.Member, Bob, """{"membership": "ban"}""")
            .Chain("END", "MB", "T2", "PA", "T1", "START")
            .Chain("END", "T1");

        await AssertStateAtEnd(dag, "T1", "MB", "PA");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Topics_after_a_merge_are_ordered_by_mainline(string version, bool index)
    {
        var dag = TopicsAcrossPowerChanges(Scenario(version, index), demoteBob: true)
            .Event("MZ1", Zara, EventTypes.Message, null, "{}")
            .Event("T4", Alice, EventTypes.Topic, "", "{}")
            .Chain("END", "T4", "MZ1", "PA2", "T2", "PA1", "T1", "START")
            .Chain("END", "MZ1", "T3", "PB", "PA1");

        await AssertStateAtEnd(dag, "T4", "PA2");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Mainline_sort_prefers_the_topic_on_the_newer_power_levels(string version, bool index)
    {
        // T4 is later by timestamp, but T3 cites power levels further along the resolved mainline.
        var dag = TopicsAcrossPowerChanges(Scenario(version, index), demoteBob: false)
            .Event("T4", Alice, EventTypes.Topic, "", "{}")
            .Chain("END", "T3", "PA2", "T2", "PA1", "T1", "START")
            .Chain("END", "T4", "PB", "PA1");

        await AssertStateAtEnd(dag, "T3", "PA2");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Concurrent_joins_both_stand(string version, bool index)
    {
        var dag = Scenario(version, index);
        dag.Event("MD", "@dave:example.com", EventTypes.Member, "@dave:example.com", Join)
            .Event("ME", Evelyn, EventTypes.Member, Evelyn, Join)
            .Chain("END", "MD", "START")
            .Chain("END", "ME", "START");

        await AssertStateAtEnd(dag, "MD", "ME");
    }

    /// <summary>
    /// Topic T1, Alice's power levels PA1 (Bob 50), topic T2, then PA2, which demotes Bob or (when
    /// <paramref name="demoteBob"/> is false) reserves power levels changes for 100; and Bob's PB
    /// re-asserting PA1 followed by his topic T3. Callers chain them into branches.
    /// </summary>
    private static DagScenario TopicsAcrossPowerChanges(DagScenario dag, bool demoteBob)
    {
        var restricted = demoteBob ? dag.Levels((Alice, 100), (Bob, 0)) : dag.Levels([(Alice, 100), (Bob, 50)], ", \"events\": {\"m.room.power_levels\": 100}");
        return dag.Event("T1", Alice, EventTypes.Topic, "", "{}")
            .Event("PA1", Alice, EventTypes.PowerLevels, "", dag.Levels((Alice, 100), (Bob, 50)))
            .Event("T2", Alice, EventTypes.Topic, "", "{}")
            .Event("PA2", Alice, EventTypes.PowerLevels, "", restricted)
            .Event("PB", Bob, EventTypes.PowerLevels, "", dag.Levels((Alice, 100), (Bob, 50)))
            .Event("T3", Bob, EventTypes.Topic, "", "{}");
    }

    private static DagScenario Scenario(string version, bool index) => new(RoomVersions.Find(version)!) { UseAuthChainIndex = index };

    private static async Task AssertStateAtEnd(DagScenario dag, params string[] expected)
    {
        await dag.BuildAsync();
        Assert.Equal(dag.Expected(expected), dag.ChangedState("END", expected));
        if (dag.UseAuthChainIndex) Assert.True(dag.Store.AuthChainQueries > 0);
    }
}

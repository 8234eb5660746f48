using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using static Matrix.Federation.Tests.StateResolution.DagScenario;

namespace Matrix.Federation.Tests.StateResolution;

/// <summary>
/// State resolution v2.1 (room v12, MSC4297), on the two state resets it was made to stop (the cases of
/// Synapse's tests/state/test_v21.py, rebuilt). Each is also resolved with v2 under the same v12 rules,
/// to show the reset that v2 produces and v2.1 does not.
/// </summary>
public sealed class StateResolutionV21Tests
{
    private static readonly RoomVersion V12RulesWithV2 = RoomVersions.V12 with { StateResolution = StateResolutionAlgorithm.V2 };

    private static readonly StateKey PowerLevelsKey = new(EventTypes.PowerLevels, "");
    private static readonly StateKey JoinRulesKey = new(EventTypes.JoinRules, "");

    [Fact]
    public async Task The_conflicted_subgraph_replays_power_levels_that_a_dodgy_event_skipped()
    {
        var (resolved, events) = await ResolveDodgyRenameAsync(RoomVersions.V12);

        Assert.Equal(events.PowerLevels3, resolved[PowerLevelsKey]);
        // The rename cites the first power levels, so it replays first; the join on the newest ones wins.
        Assert.Equal(events.EveJoin, resolved[new StateKey(EventTypes.Member, Evelyn)]);
        Assert.Equal(events.ZaraJoin, resolved[new StateKey(EventTypes.Member, Zara)]);
    }

    [Fact]
    public async Task Without_the_subgraph_v2_resets_the_power_levels()
    {
        var (resolved, events) = await ResolveDodgyRenameAsync(V12RulesWithV2);

        Assert.Equal(events.PowerLevels1, resolved[PowerLevelsKey]);
        Assert.Equal(events.EveRename, resolved[new StateKey(EventTypes.Member, Evelyn)]);
    }

    [Fact]
    public async Task Starting_from_an_empty_state_keeps_join_rules_whose_sender_has_left()
    {
        var (resolved, newRules) = await ResolveJoinRulesAfterLeaveAsync(RoomVersions.V12);
        Assert.Equal(newRules, resolved[JoinRulesKey]);
    }

    [Fact]
    public async Task Starting_from_the_unconflicted_state_v2_loses_the_join_rules()
    {
        var (resolved, _) = await ResolveJoinRulesAfterLeaveAsync(V12RulesWithV2);
        Assert.False(resolved.ContainsKey(JoinRulesKey));
    }

    private sealed record DodgyRoom(string PowerLevels1, string PowerLevels3, string EveJoin, string EveRename, string ZaraJoin);

    /// <summary>
    /// Alice's public room: Bob and Charlie join, Alice promotes Bob, Bob promotes Charlie, Evelyn joins.
    /// Evelyn then renames herself citing the first power levels directly (and the newest only through her
    /// join). One fork holds her rename with those first power levels; the other Zara's join and the newest.
    /// </summary>
    private static async Task<(IReadOnlyDictionary<StateKey, string> Resolved, DodgyRoom Events)> ResolveDodgyRenameAsync(RoomVersion version)
    {
        var dag = new DagScenario(version, withInitialRoom: false);
        var create = dag.Add("CREATE", Alice, EventTypes.Create, "", "{}", [], []).EventId;
        var aliceJoin = dag.Add("MA", Alice, EventTypes.Member, Alice, Join, [], [create]).EventId;
        var power1 = dag.Add("POWER1", Alice, EventTypes.PowerLevels, "", """{"users": {}}""", [aliceJoin], []).EventId;
        var joinRules = dag.Add("JR", Alice, EventTypes.JoinRules, "", """{"join_rule": "public"}""", [aliceJoin, power1], []).EventId;
        var bobJoin = dag.Add("MB", Bob, EventTypes.Member, Bob, Join, [power1, joinRules], []).EventId;
        var charlieJoin = dag.Add("MC", Charlie, EventTypes.Member, Charlie, Join, [power1, joinRules], []).EventId;
        var power2 = dag.Add("POWER2", Alice, EventTypes.PowerLevels, "", dag.Levels((Bob, 50)), [aliceJoin, power1], []).EventId;
        var power3 = dag.Add("POWER3", Bob, EventTypes.PowerLevels, "", dag.Levels((Bob, 50), (Charlie, 50)), [bobJoin, power2], []).EventId;
        var eveJoin = dag.Add("ME1", Evelyn, EventTypes.Member, Evelyn, Join, [power3, joinRules], []).EventId;
        var eveRename = dag.Add("ME2", Evelyn, EventTypes.Member, Evelyn, Join, [power1, joinRules, eveJoin], []).EventId;
        var zaraJoin = dag.Add("MZ", Zara, EventTypes.Member, Zara, Join, [power3, joinRules], []).EventId;

        var common = new Dictionary<StateKey, string>
        {
            [new(EventTypes.Create, "")] = create,
            [new(EventTypes.Member, Alice)] = aliceJoin,
            [new(EventTypes.Member, Bob)] = bobJoin,
            [new(EventTypes.Member, Charlie)] = charlieJoin,
            [JoinRulesKey] = joinRules,
        };
        var dodgy = new Dictionary<StateKey, string>(common) { [new(EventTypes.Member, Evelyn)] = eveRename, [PowerLevelsKey] = power1 };
        var sensible = new Dictionary<StateKey, string>(common) { [new(EventTypes.Member, Zara)] = zaraJoin, [PowerLevelsKey] = power3 };

        var resolved = await dag.Resolver.ResolveAsync(version, dag.RoomId, [dodgy, sensible], dag.Store);
        foreach (var (key, id) in common) Assert.Equal(id, resolved[key]);
        return (resolved, new DodgyRoom(power1, power3, eveJoin, eveRename, zaraJoin));
    }

    /// <summary>
    /// Alice makes Bob an admin, opens the room (Bob joins), closes it to invites, and leaves. Another
    /// server offers a fork that still holds the open join rules.
    /// </summary>
    private static async Task<(IReadOnlyDictionary<StateKey, string> Resolved, string NewRules)> ResolveJoinRulesAfterLeaveAsync(RoomVersion version)
    {
        var dag = new DagScenario(version, withInitialRoom: false);
        var create = dag.Add("CREATE", Alice, EventTypes.Create, "", "{}", [], []).EventId;
        var aliceJoin = dag.Add("MA1", Alice, EventTypes.Member, Alice, Join, [], []).EventId;
        var power = dag.Add("POWER", Alice, EventTypes.PowerLevels, "", dag.Levels((Bob, 100)), [aliceJoin], []).EventId;
        var openRules = dag.Add("JR1", Alice, EventTypes.JoinRules, "", """{"join_rule": "public"}""", [aliceJoin, power], []).EventId;
        var bobJoin = dag.Add("MB", Bob, EventTypes.Member, Bob, Join, [power, openRules], []).EventId;
        var inviteRules = dag.Add("JR2", Alice, EventTypes.JoinRules, "", """{"join_rule": "invite"}""", [aliceJoin, power], []).EventId;
        var aliceLeave = dag.Add("MA2", Alice, EventTypes.Member, Alice, """{"membership": "leave"}""", [power, aliceJoin], []).EventId;

        var common = new Dictionary<StateKey, string>
        {
            [new(EventTypes.Create, "")] = create,
            [new(EventTypes.Member, Alice)] = aliceLeave,
            [new(EventTypes.Member, Bob)] = bobJoin,
            [PowerLevelsKey] = power,
        };
        var correct = new Dictionary<StateKey, string>(common) { [JoinRulesKey] = inviteRules };
        var stale = new Dictionary<StateKey, string>(common) { [JoinRulesKey] = openRules };

        return (await dag.Resolver.ResolveAsync(version, dag.RoomId, [correct, stale], dag.Store), inviteRules);
    }
}

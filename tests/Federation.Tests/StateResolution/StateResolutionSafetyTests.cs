using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Federation.StateResolution;
using Matrix.Federation.Tests.Auth;
using static Matrix.Federation.Tests.StateResolution.DagScenario;

namespace Matrix.Federation.Tests.StateResolution;

/// <summary>Rejected events stay out; absurd, cyclic or foreign inputs fail with a StateResolutionException; work is batched.</summary>
public sealed class StateResolutionSafetyTests
{
    public static TheoryData<string> AllAlgorithms => new(RoomVersions.V1.Id, RoomVersions.V2.Id, RoomVersions.V11.Id, RoomVersions.V12.Id);

    private static readonly StateKey TopicKey = new(EventTypes.Topic, "");

    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public async Task A_rejected_event_held_by_every_set_is_not_resolved(string version)
    {
        var dag = await new DagScenario(RoomVersions.Find(version)!)
            .Event("T", Alice, EventTypes.Topic, "", "{}")
            .Event("X", Zara, EventTypes.Message, null, "{}")
            .Event("Y", Zara, EventTypes.Message, null, "{}")
            .Chain("X", "T", "START").Chain("Y", "T")
            .BuildAsync();
        dag.Store.MarkRejected(Id("T"));

        var resolved = await dag.Resolver.ResolveAsync(dag.Version, dag.RoomId, [dag.StateAfter["X"], dag.StateAfter["Y"]], dag.Store);
        // A provider that only loads events: the interface's default answers which were rejected.
        var viaEventsOnly = await dag.Resolver.ResolveAsync(dag.Version, dag.RoomId, [dag.StateAfter["X"], dag.StateAfter["Y"]], new EventsOnly(dag.Store));

        Assert.False(resolved.ContainsKey(TopicKey));
        Assert.Equal(resolved, viaEventsOnly);
        Assert.Equal(dag.StateAfter["START"][new StateKey(EventTypes.PowerLevels, "")], resolved[new StateKey(EventTypes.PowerLevels, "")]);
    }

    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public async Task A_rejected_conflicted_event_never_wins(string version)
    {
        var dag = await TwoTopics(version);
        var sets = new[] { dag.StateAfter["T1"], dag.StateAfter["T2"] };
        Assert.Equal(Id("T2"), (await dag.Resolver.ResolveAsync(dag.Version, dag.RoomId, sets, dag.Store))[TopicKey]);

        dag.Store.MarkRejected(Id("T2"));
        Assert.Equal(Id("T1"), (await dag.Resolver.ResolveAsync(dag.Version, dag.RoomId, sets, dag.Store))[TopicKey]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Iterative_auth_checks_fall_back_to_auth_events_that_were_not_rejected(bool joinRejected)
    {
        // v2.1 replays from an empty state, so Bob's state event is authorized by its own auth events.
        var dag = new DagScenario(RoomVersions.V12, withInitialRoom: false);
        var create = dag.Add("CREATE", Alice, EventTypes.Create, "", "{}", [], []).EventId;
        var aliceJoin = dag.Add("MA", Alice, EventTypes.Member, Alice, Join, [], []).EventId;
        var levels = dag.Add("PL", Alice, EventTypes.PowerLevels, "", dag.Levels([], ", \"state_default\": 0"), [aliceJoin], []).EventId;
        var rules = dag.Add("JR", Alice, EventTypes.JoinRules, "", """{"join_rule": "public"}""", [aliceJoin, levels], []).EventId;
        var bobJoin = dag.Add("MB", Bob, EventTypes.Member, Bob, Join, [levels, rules], []).EventId;
        var custom = dag.Add("C", Bob, "m.custom", "", "{}", [levels, bobJoin], []).EventId;
        if (joinRejected) dag.Store.MarkRejected(bobJoin);

        var without = new Dictionary<StateKey, string>
        {
            [new(EventTypes.Create, "")] = create, [new(EventTypes.Member, Alice)] = aliceJoin, [new(EventTypes.PowerLevels, "")] = levels,
            [new(EventTypes.JoinRules, "")] = rules, [new(EventTypes.Member, Bob)] = bobJoin,
        };
        var with = new Dictionary<StateKey, string>(without) { [new("m.custom", "")] = custom };
        var resolved = await dag.Resolver.ResolveAsync(dag.Version, dag.RoomId, [with, without], dag.Store);

        Assert.Equal(!joinRejected, resolved.ContainsKey(new StateKey("m.custom", "")));
        Assert.Equal(!joinRejected, resolved.ContainsKey(new StateKey(EventTypes.Member, Bob)));
    }

    [Fact]
    public async Task Too_many_state_sets_are_refused()
    {
        var dag = await TwoTopics(RoomVersions.V11.Id);
        var resolver = new StateResolver(new EventAuthorizer(new FakeSignatures()), new StateResolutionLimits { MaxStateSets = 2 });
        var sets = new[] { dag.StateAfter["T1"], dag.StateAfter["T2"], dag.StateAfter["START"] };
        var error = await Assert.ThrowsAsync<StateResolutionException>(() => resolver.ResolveAsync(dag.Version, dag.RoomId, sets, dag.Store));
        Assert.Contains("state sets", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public async Task Walks_beyond_the_event_limit_are_refused(string version)
    {
        var dag = await TwoTopics(version);
        var resolver = new StateResolver(new EventAuthorizer(new FakeSignatures()), new StateResolutionLimits { MaxEvents = 1 });
        await Assert.ThrowsAsync<StateResolutionException>(() => resolver.ResolveAsync(dag.Version, dag.RoomId, [dag.StateAfter["T1"], dag.StateAfter["T2"]], dag.Store));
    }

    [Fact]
    public async Task Power_events_citing_each_other_are_a_cycle()
    {
        // Room v2 event IDs are chosen by servers, so a forged pair can cite each other.
        var (dag, baseState) = SmallV2Room();
        dag.Add("PX", Alice, EventTypes.PowerLevels, "", "{}", [Id("CREATE"), Id("MA"), Id("PY")], []);
        dag.Add("PY", Alice, EventTypes.PowerLevels, "", "{}", [Id("CREATE"), Id("MA"), Id("PX")], []);
        var error = await Assert.ThrowsAsync<StateResolutionException>(() => dag.Resolver.ResolveAsync(
            dag.Version, dag.RoomId, [With(baseState, EventTypes.PowerLevels, "PX"), With(baseState, EventTypes.PowerLevels, "PY")], dag.Store));
        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_power_levels_mainline_that_loops_is_refused()
    {
        var (dag, baseState) = SmallV2Room();
        dag.Add("P1", Alice, EventTypes.PowerLevels, "", "{}", [Id("CREATE"), Id("MA"), Id("P2")], []);
        dag.Add("P2", Alice, EventTypes.PowerLevels, "", "{}", [Id("CREATE"), Id("MA"), Id("P1")], []);
        dag.Add("T1", Alice, EventTypes.Topic, "", "{}", [Id("CREATE"), Id("MA"), Id("P1")], []);
        dag.Add("T2", Alice, EventTypes.Topic, "", "{}", [Id("CREATE"), Id("MA"), Id("P2")], []);
        var withLevels = With(baseState, EventTypes.PowerLevels, "P1");
        var error = await Assert.ThrowsAsync<StateResolutionException>(() => dag.Resolver.ResolveAsync(
            dag.Version, dag.RoomId, [With(withLevels, EventTypes.Topic, "T1"), With(withLevels, EventTypes.Topic, "T2")], dag.Store));
        Assert.Contains("loops", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public async Task An_event_of_another_room_is_refused(string version)
    {
        var dag = await TwoTopics(version);
        var foreign = new DagScenario(RoomVersions.V11, withInitialRoom: false, roomId: "!elsewhere:example.com");
        foreign.Add("ELSEWHERE", Alice, EventTypes.Topic, "", "{}", [], []);
        dag.Store.Add(foreign.Store[Id("ELSEWHERE")]);

        var error = await Assert.ThrowsAsync<StateResolutionException>(() => dag.Resolver.ResolveAsync(
            dag.Version, dag.RoomId, [dag.StateAfter["T1"], With(dag.StateAfter["T2"], EventTypes.Topic, "ELSEWHERE")], dag.Store));
        Assert.Contains("is in room", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("11")]
    [InlineData("12")]
    public async Task Event_batches_do_not_grow_with_the_room(string version)
    {
        var small = await ForkedRoomBatches(RoomVersions.Find(version)!, members: 50);
        var large = await ForkedRoomBatches(RoomVersions.Find(version)!, members: 1000);
        Assert.Equal(small, large);
        Assert.InRange(large, 1, 30);
    }

    /// <summary>Resolves two forks of a room with <paramref name="members"/> members and a few conflicting topics; returns the provider batches used.</summary>
    private static async Task<int> ForkedRoomBatches(RoomVersion version, int members)
    {
        var dag = new DagScenario(version, withInitialRoom: false);
        var create = dag.Add("CREATE", Alice, EventTypes.Create, "", version.ImplicitRoomCreator ? "{}" : $$"""{"creator": "{{Alice}}"}""", [], []).EventId;
        string[] withCreate = version.RoomIdIsCreateEventHash ? [] : [create];
        var aliceJoin = dag.Add("MA", Alice, EventTypes.Member, Alice, Join, withCreate, []).EventId;
        var levels = dag.Add("PL", Alice, EventTypes.PowerLevels, "", dag.Levels((Alice, 100)), [.. withCreate, aliceJoin], []).EventId;
        var rules = dag.Add("JR", Alice, EventTypes.JoinRules, "", """{"join_rule": "public"}""", [.. withCreate, aliceJoin, levels], []).EventId;
        var state = new Dictionary<StateKey, string>
        {
            [new(EventTypes.Create, "")] = create, [new(EventTypes.Member, Alice)] = aliceJoin,
            [new(EventTypes.PowerLevels, "")] = levels, [new(EventTypes.JoinRules, "")] = rules,
        };
        for (var i = 0; i < members; i++)
        {
            var user = $"@user{i}:example.com";
            state[new(EventTypes.Member, user)] = dag.Add($"M{i}", user, EventTypes.Member, user, Join, [.. withCreate, levels, rules], []).EventId;
        }

        var forks = Enumerable.Range(0, 2).Select(fork =>
        {
            var forked = new Dictionary<StateKey, string>(state);
            for (var i = 0; i < 5; i++)
            {
                forked[new("m.custom", $"k{i}")] = dag.Add($"F{fork}-{i}", Alice, "m.custom", $"k{i}", "{}", [.. withCreate, aliceJoin, levels], []).EventId;
            }

            return (IReadOnlyDictionary<StateKey, string>)forked;
        }).ToList();

        var resolved = await dag.Resolver.ResolveAsync(version, dag.RoomId, forks, dag.Store);
        Assert.Equal(members + 4 + 5, resolved.Count);
        return dag.Store.EventBatches;
    }

    /// <summary>Alice's public room with T1 (by Alice) on one branch and the later T2 (by Alice) on another.</summary>
    private static Task<DagScenario> TwoTopics(string version) =>
        new DagScenario(RoomVersions.Find(version)!)
            .Event("T1", Alice, EventTypes.Topic, "", "{}")
            .Event("T2", Alice, EventTypes.Topic, "", "{}")
            .Chain("END", "T1", "START").Chain("END", "T2", "START")
            .BuildAsync();

    /// <summary>A v2 room holding a create event and Alice's join, for hand-forged auth graphs.</summary>
    private static (DagScenario Dag, Dictionary<StateKey, string> State) SmallV2Room()
    {
        var dag = new DagScenario(RoomVersions.V2, withInitialRoom: false);
        dag.Add("CREATE", Alice, EventTypes.Create, "", $$"""{"creator": "{{Alice}}"}""", [], []);
        dag.Add("MA", Alice, EventTypes.Member, Alice, Join, [Id("CREATE")], []);
        return (dag, new Dictionary<StateKey, string> { [new(EventTypes.Create, "")] = Id("CREATE"), [new(EventTypes.Member, Alice)] = Id("MA") });
    }

    private sealed class EventsOnly(IStateEventProvider inner) : IStateEventProvider
    {
        public ValueTask<IReadOnlyDictionary<string, StoredEvent>> GetEventsAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken) =>
            inner.GetEventsAsync(eventIds, cancellationToken);
    }

    private static Dictionary<StateKey, string> With(IReadOnlyDictionary<StateKey, string> state, string type, string name) =>
        new(state) { [new StateKey(type, "")] = Id(name) };
}

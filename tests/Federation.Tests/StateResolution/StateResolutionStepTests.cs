using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Federation.StateResolution;
using static Matrix.Federation.Tests.StateResolution.DagScenario;

namespace Matrix.Federation.Tests.StateResolution;

/// <summary>The steps of state resolution on small graphs: auth chains, the conflicted subgraph, and the power ordering's tie-breaks.</summary>
public sealed class StateResolutionStepTests
{
    /// <summary>
    /// A ← B ← C, then C ← D ← D2 and C ← E ← E2, and F cites D2 and E2; G cites F. (Arrows point at auth events.)
    /// </summary>
    private static DagScenario ForkedGraph()
    {
        var dag = new DagScenario(RoomVersions.V11, withInitialRoom: false);
        (string Name, string[] Auth)[] graph =
            [("A", []), ("B", ["A"]), ("C", ["B"]), ("D", ["C"]), ("E", ["C"]), ("D2", ["D"]), ("E2", ["E"]), ("F", ["D2", "E2"]), ("G", ["F"])];
        foreach (var (name, auth) in graph) dag.Add(name, Alice, "m.custom", name, "{}", auth.Select(Id).ToList(), []);
        return dag;
    }

    private static EventLoader Loader(DagScenario dag) => new(dag.Store, dag.RoomId, StateResolutionLimits.Default, CancellationToken.None);

    [Theory]
    [InlineData("C", "A B")]
    [InlineData("F", "A B C D D2 E E2")]
    [InlineData("F D B", "A B C D D2 E E2")]
    public async Task Auth_chains_hold_every_ancestor(string starts, string expected)
    {
        var chain = await AuthChains.WalkAsync(Loader(ForkedGraph()), Names(starts));
        Assert.Equal(Names(expected).Order(), chain.Order());
    }

    [Theory]
    [InlineData("B D", "B C D")]
    [InlineData("F B", "B C D D2 E E2 F")]
    [InlineData("C A", "A B C")]
    [InlineData("D E", "D E")]
    public async Task The_conflicted_subgraph_is_every_path_between_conflicted_events(string conflicted, string expected)
    {
        var subgraph = await ConflictedSubgraph.ComputeAsync(Loader(ForkedGraph()), Names(conflicted));
        Assert.Equal(Names(expected).Order(), subgraph.Order());
    }

    [Fact]
    public async Task The_auth_difference_is_what_some_but_not_all_chains_hold()
    {
        var dag = ForkedGraph();
        IReadOnlyDictionary<StateKey, string>[] sets =
        [
            new Dictionary<StateKey, string> { [new("m.custom", "x")] = Id("D2"), [new("m.custom", "y")] = Id("B") },
            new Dictionary<StateKey, string> { [new("m.custom", "x")] = Id("E2"), [new("m.custom", "y")] = Id("B") },
        ];
        var difference = await AuthDifference.ComputeAsync(Loader(dag), null, StateSplit.ForV2(sets), sets);
        Assert.Equal(Names("D E").Order(), difference.Order());
    }

    [Fact]
    public async Task Power_ordering_takes_higher_power_then_earlier_time_then_smaller_id_and_respects_auth_edges()
    {
        var dag = new DagScenario(RoomVersions.V11, withInitialRoom: false);
        var create = dag.Add("CREATE", Alice, EventTypes.Create, "", $$"""{"creator": "{{Alice}}"}""", [], []).EventId;
        var levels = dag.Add("PL", Alice, EventTypes.PowerLevels, "", dag.Levels((Alice, 100), (Bob, 50)), [create], []).EventId;
        string Rule(string name, string sender, long ts, params string[] moreAuth) =>
            dag.Add(name, sender, EventTypes.JoinRules, "", "{}", [create, levels, .. moreAuth], [], ts).EventId;

        var charlieB = Rule("CB", Charlie, 5);
        var charlieA = Rule("CA", Charlie, 5);
        var bobLate = Rule("BL", Bob, 9);
        var bobEarly = Rule("BE", Bob, 1);
        var aliceOnBob = Rule("AB", Alice, 0, bobLate); // the highest power, but it cites BL
        var alice = Rule("AL", Alice, 7);

        string[] events = [charlieB, charlieA, bobLate, bobEarly, aliceOnBob, alice];
        var loader = Loader(dag);
        await loader.LoadAsync(events);
        var sorted = await ReverseTopologicalPowerOrdering.SortAsync(loader, events, events.ToHashSet());

        Assert.Equal([alice, bobEarly, bobLate, aliceOnBob, charlieA, charlieB], sorted);
    }

    private static string[] Names(string names) => names.Split(' ').Select(Id).ToArray();
}

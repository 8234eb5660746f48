using FsCheck.Xunit;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Federation.StateResolution;
using Matrix.Federation.Tests.Auth;
using static Matrix.Federation.Tests.Auth.TestRoom;

namespace Matrix.Federation.Tests.StateResolution;

/// <summary>
/// Properties over random forks: three branches grow from a shared room by a script of topic, name,
/// power level, ban, kick, join, leave and join rule events. Events the auth rules refuse on their
/// branch are stored as rejected. The resolution of the branches' states must not depend on the order
/// of the state sets or of the entries within them, and must never contain a rejected event.
/// </summary>
public sealed class StateResolutionPropertyTests
{
    private static readonly RoomVersion[] Versions = [RoomVersions.V1, RoomVersions.V6, RoomVersions.V10, RoomVersions.V11, RoomVersions.V12];
    private static readonly string[] Actors = [Alice, Bob, Carol, Dave, Mallory];

    [Property(MaxTest = 80)]
    public void Resolution_does_not_depend_on_input_order(byte[] script, byte versionChoice)
    {
        var version = Versions[versionChoice % Versions.Length];
        var (stateSets, store, roomId) = Grow(version, script);
        var resolver = new StateResolver(new EventAuthorizer(new FakeSignatures()));

        IReadOnlyDictionary<StateKey, string>? first = null;
        foreach (var ordering in Orderings(stateSets))
        {
            var resolved = resolver.ResolveAsync(version, roomId, ordering, store).GetAwaiter().GetResult();
            first ??= resolved;
            Assert.Equal(first.OrderBy(e => e.Key.ToString()), resolved.OrderBy(e => e.Key.ToString()));
            Assert.DoesNotContain(resolved.Values, store.IsRejected);
        }
    }

    /// <summary>Every permutation of the sets, once with entries as built and once with entries reversed.</summary>
    private static IEnumerable<IReadOnlyList<IReadOnlyDictionary<StateKey, string>>> Orderings(List<Dictionary<StateKey, string>> sets)
    {
        int[][] permutations = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        foreach (var permutation in permutations)
        {
            yield return permutation.Select(i => (IReadOnlyDictionary<StateKey, string>)sets[i]).ToList();
            yield return permutation.Select(i => (IReadOnlyDictionary<StateKey, string>)sets[i].Reverse().ToDictionary()).ToList();
        }
    }

    private static (List<Dictionary<StateKey, string>> StateSets, InMemoryEventStore Store, string RoomId) Grow(RoomVersion version, byte[] script)
    {
        var room = TestRoom.Standard(version);
        room.Join(Dave);
        var store = new InMemoryEventStore();
        var branches = new[] { room.Fork(), room.Fork(), room.Fork() };

        foreach (var step in script)
        {
            var branch = branches[step % 3];
            var actor = Actors[step / 24 % Actors.Length];
            var target = Actors[step / 3 % Actors.Length];
            var pdu = NextEvent(branch, step / 3 % 8, actor, target, step);
            if (branch.Authorize(pdu).IsAllowed) branch.Apply(pdu);
            else branch.Rejected.Add(pdu.EventId);
            store.Add(pdu, branch.Rejected.Contains(pdu.EventId));
        }

        foreach (var pdu in room.Events.Values.Where(e => !branches.Any(b => b.Rejected.Contains(e.EventId)))) store.Add(pdu);
        return (branches.Select(b => b.State.ToDictionary(e => e.Key, e => e.Value.EventId)).ToList(), store, room.RoomId);
    }

    /// <summary>Alice at 100 and Bob at 50, then <paramref name="target"/> set to <paramref name="level"/>.</summary>
    private static string LevelsSetting(TestRoom branch, string target, long level)
    {
        var users = new Dictionary<string, long> { [Alice] = 100, [Bob] = 50, [target] = level };
        return branch.PowerLevelsWith(users.Select(u => (u.Key, u.Value)).ToArray());
    }

    private static Pdu NextEvent(TestRoom branch, int kind, string actor, string target, byte step) => kind switch
    {
        0 => branch.NewEvent(EventTypes.Topic, actor, "", $$"""{"topic": "t{{step}}"}"""),
        1 => branch.NewEvent(EventTypes.Name, actor, "", $$"""{"name": "n{{step}}"}"""),
        2 => branch.NewEvent(EventTypes.PowerLevels, actor, "", LevelsSetting(branch, target, step % 2 == 0 ? 50 : 0)),
        3 => branch.Member(actor, target, Memberships.Ban),
        4 => branch.Member(actor, target, Memberships.Leave),
        5 => branch.Member(actor, actor, Memberships.Join),
        6 => branch.Member(actor, actor, Memberships.Leave),
        _ => branch.NewEvent(EventTypes.JoinRules, actor, "", step % 2 == 0 ? """{"join_rule": "public"}""" : """{"join_rule": "invite"}"""),
    };
}

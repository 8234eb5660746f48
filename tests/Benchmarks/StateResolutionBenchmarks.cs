using BenchmarkDotNet.Attributes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Federation.StateResolution;

namespace Matrix.Benchmarks;

/// <summary>
/// Resolving two forks of a 10 000-member room that hold 100 conflicted events between them: on one the
/// admin changes power levels, kicks 10 members and sets 39 custom state keys; on the other 10 members
/// leave and the moderator sets 40 custom state keys (39 of them the admin's). Once walking auth chains
/// through the provider, once with an auth chain index as a database host would keep.
/// </summary>
[MemoryDiagnoser]
public class StateResolutionBenchmarks
{
    private StateResolver _resolver = null!;
    private LargeRoom _room = null!;
    private IReadOnlyDictionary<StateKey, string>[] _forks = null!;
    private PrecomputedAuthChains _index = null!;

    [Params("11", "12")]
    public string Version { get; set; } = "12";

    [GlobalSetup]
    public void Setup()
    {
        _resolver = new StateResolver(new EventAuthorizer(new NoSignatureConsulted()));
        _room = new LargeRoom(RoomVersions.Find(Version)!, members: 10_000);

        var admin = new Dictionary<StateKey, Pdu>(_room.State);
        var levels = _room.PowerLevels((LargeRoom.Admin, 100), (LargeRoom.Moderator, 50), (LargeRoom.Member(0), 10));
        LargeRoom.Apply(admin, _room.Build(admin, EventTypes.PowerLevels, LargeRoom.Admin, "", levels));
        for (var i = 0; i < 10; i++) LargeRoom.Apply(admin, _room.Build(admin, EventTypes.Member, LargeRoom.Admin, LargeRoom.Member(100 + i), """{"membership": "leave"}"""));
        for (var i = 0; i < 39; i++) LargeRoom.Apply(admin, _room.Build(admin, "m.custom", LargeRoom.Admin, $"k{i}", $$"""{"v": "admin{{i}}"}"""));

        var moderator = new Dictionary<StateKey, Pdu>(_room.State);
        for (var i = 0; i < 10; i++) LargeRoom.Apply(moderator, _room.Build(moderator, EventTypes.Member, LargeRoom.Member(200 + i), LargeRoom.Member(200 + i), """{"membership": "leave"}"""));
        for (var i = 0; i < 40; i++) LargeRoom.Apply(moderator, _room.Build(moderator, "m.custom", LargeRoom.Moderator, $"k{i}", $$"""{"v": "moderator{{i}}"}"""));

        _forks = [LargeRoom.Ids(admin), LargeRoom.Ids(moderator)];
        _index = new PrecomputedAuthChains(_room.Events);
        if (WalkingAuthChains().GetAwaiter().GetResult().Count != _room.State.Count + 40) throw new InvalidOperationException("unexpected resolution");
    }

    [Benchmark]
    public Task<IReadOnlyDictionary<StateKey, string>> WalkingAuthChains() =>
        _resolver.ResolveAsync(_room.Version, _room.RoomId, _forks, _room.Events);

    [Benchmark]
    public Task<IReadOnlyDictionary<StateKey, string>> WithAuthChainIndex() =>
        _resolver.ResolveAsync(_room.Version, _room.RoomId, _forks, _room.Events, _index);

    /// <summary>Every event's auth chain computed up front, standing in for a host's auth chain index.</summary>
    private sealed class PrecomputedAuthChains : IAuthChainProvider
    {
        private readonly Dictionary<string, HashSet<string>> _chains = new(StringComparer.Ordinal);
        private readonly InMemoryEventProvider _events;

        public PrecomputedAuthChains(InMemoryEventProvider events) => _events = events;

        public ValueTask<IReadOnlySet<string>> GetAuthChainUnionAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
        {
            var union = new HashSet<string>(StringComparer.Ordinal);
            foreach (var id in eventIds) union.UnionWith(ChainOf(id));
            return ValueTask.FromResult<IReadOnlySet<string>>(union);
        }

        private HashSet<string> ChainOf(string eventId)
        {
            if (_chains.TryGetValue(eventId, out var chain)) return chain;
            chain = new HashSet<string>(StringComparer.Ordinal);
            if (_events.TryGet(eventId, out var stored))
            {
                foreach (var authId in AuthEventReferences.Of(stored.Pdu))
                {
                    chain.Add(authId);
                    chain.UnionWith(ChainOf(authId));
                }
            }

            return _chains[eventId] = chain;
        }
    }
}

using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Federation.StateResolution;
using Matrix.Federation.Tests.Auth;

namespace Matrix.Federation.Tests.StateResolution;

/// <summary>
/// A room DAG written as named events and prev_events chains, in the style of Synapse's state tests.
/// Events are built in topological order (ties by name, which also fixes origin_server_ts); the state
/// before each is its single parent's state after, or the resolution of its parents' states. Each event's
/// auth_events are selected from the state before it. Nothing is authorized while building: what counts
/// is what resolution makes of the states.
/// </summary>
internal sealed class DagScenario
{
    public const string Alice = TestRoom.Alice, Bob = TestRoom.Bob, Charlie = TestRoom.Carol, Evelyn = "@evelyn:example.com", Zara = "@zara:example.com";

    private readonly Dictionary<string, (string Sender, string Type, string? StateKey, string Content)> _definitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _prevs = new(StringComparer.Ordinal);
    private long _clock;

    public DagScenario(RoomVersion version, bool withInitialRoom = true, string roomId = "!room:example.com")
    {
        Version = version;
        RoomId = version.RoomIdIsCreateEventHash ? "!CREATE:example.com" : roomId;
        if (!withInitialRoom) return;

        // Alice creates a public room; Bob, Charlie and Zara join; Zara then sends START. Scenarios hang
        // their events between START and END.
        Event("CREATE", Alice, EventTypes.Create, "", version.ImplicitRoomCreator ? "{}" : $$"""{"creator": "{{Alice}}"}""");
        Event("IMA", Alice, EventTypes.Member, Alice, Join);
        Event("IPOWER", Alice, EventTypes.PowerLevels, "", Levels((Alice, 100)));
        Event("IJR", Alice, EventTypes.JoinRules, "", """{"join_rule": "public"}""");
        Event("IMB", Bob, EventTypes.Member, Bob, Join);
        Event("IMC", Charlie, EventTypes.Member, Charlie, Join);
        Event("IMZ", Zara, EventTypes.Member, Zara, Join);
        Event("START", Zara, EventTypes.Message, null, "{}");
        Event("END", Zara, EventTypes.Message, null, "{}");
        Chain("START", "IMZ", "IMC", "IMB", "IJR", "IPOWER", "IMA", "CREATE");
    }

    public const string Join = """{"membership": "join"}""";

    public RoomVersion Version { get; }
    public string RoomId { get; }
    public InMemoryEventStore Store { get; } = new();
    public Dictionary<string, IReadOnlyDictionary<StateKey, string>> StateAfter { get; } = new(StringComparer.Ordinal);
    public StateResolver Resolver { get; } = new(new EventAuthorizer(new FakeSignatures()));

    /// <summary>When set, resolutions read auth chains from the store's index instead of walking.</summary>
    public bool UseAuthChainIndex { get; init; }

    /// <summary>Power levels content listing these users (leaving out v12 creators, who may not be listed) and <paramref name="extra"/> keys.</summary>
    public string Levels((string User, long Level)[] users, string extra) =>
        "{\"users\": {" + string.Join(", ", users.Where(u => !(Version.PrivilegedCreators && u.User == Alice)).Select(u => $"\"{u.User}\": {u.Level}")) + "}" + extra + "}";

    public string Levels(params (string User, long Level)[] users) => Levels(users, "");

    public DagScenario Event(string name, string sender, string type, string? stateKey, string content)
    {
        _definitions[name] = (sender, type, stateKey, content);
        _prevs.TryAdd(name, new HashSet<string>(StringComparer.Ordinal));
        return this;
    }

    /// <summary>Each name's prev_events include the next one: Chain("C", "B", "A") means C → B → A.</summary>
    public DagScenario Chain(params string[] names)
    {
        for (var i = 0; i + 1 < names.Length; i++) _prevs[names[i]].Add(names[i + 1]);
        return this;
    }

    public static string Id(string name) => $"${name}:example.com";

    /// <summary>Builds every event and computes each one's state after.</summary>
    public async Task<DagScenario> BuildAsync()
    {
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var ready = new SortedSet<string>(_prevs.Where(p => p.Value.Count == 0).Select(p => p.Key), StringComparer.Ordinal);
        while (ready.Count > 0)
        {
            var name = ready.Min!;
            ready.Remove(name);
            placed.Add(name);
            await PlaceAsync(name);
            foreach (var (child, prevs) in _prevs)
            {
                if (!placed.Contains(child) && !ready.Contains(child) && prevs.All(placed.Contains)) ready.Add(child);
            }
        }

        return this;
    }

    /// <summary>The state after <paramref name="name"/> for the keys in <paramref name="expected"/> or changed since START, as event names.</summary>
    public Dictionary<StateKey, string> ChangedState(string name, IEnumerable<string> expected)
    {
        var expectedKeys = expected.Select(n => Store[Id(n)].StateTuple).ToHashSet();
        var start = StateAfter["START"];
        return StateAfter[name]
            .Where(e => expectedKeys.Contains(e.Key) || start.GetValueOrDefault(e.Key) != e.Value)
            .ToDictionary(e => e.Key, e => e.Value[1..e.Value.IndexOf(':', StringComparison.Ordinal)]);
    }

    public Dictionary<StateKey, string> Expected(params string[] names) =>
        names.ToDictionary(n => Store[Id(n)].StateTuple, n => n);

    /// <summary>
    /// Builds and stores one event with the given auth and prev event IDs, for scenarios that spell out
    /// auth_events themselves; timestamps grow with every event built.
    /// </summary>
    public Pdu Add(
        string name, string sender, string type, string? stateKey, string content, IReadOnlyList<string> authEvents, IReadOnlyList<string> prevEvents, long? originServerTs = null)
    {
        ++_clock;
        var json = new JsonObject
        {
            ["type"] = type,
            ["sender"] = sender,
            ["content"] = JsonNode.Parse(content),
            ["origin_server_ts"] = originServerTs ?? _clock,
            ["depth"] = _clock,
            ["prev_events"] = new JsonArray(prevEvents.Select(p => (JsonNode)p).ToArray()),
            ["auth_events"] = new JsonArray(authEvents.Select(id => (JsonNode)id).ToArray()),
        };
        if (stateKey is not null) json["state_key"] = stateKey;
        if (!(Version.RoomIdIsCreateEventHash && type == EventTypes.Create)) json["room_id"] = RoomId;

        var pdu = Pdu.FromJson(JsonNode.Parse(json.ToJsonString())!.AsObject(), Id(name), Version);
        Store.Add(pdu);
        return pdu;
    }

    private async Task PlaceAsync(string name)
    {
        var (sender, type, stateKey, content) = _definitions[name];
        var prevs = _prevs[name].OrderBy(p => p, StringComparer.Ordinal).ToList();
        var before = prevs.Count switch
        {
            0 => new Dictionary<StateKey, string>(),
            1 => StateAfter[prevs[0]],
            _ => await Resolver.ResolveAsync(Version, RoomId, prevs.Select(p => StateAfter[p]).ToList(), Store, UseAuthChainIndex ? Store : null),
        };

        var contentJson = JsonNode.Parse(content)!.AsObject();
        var authEvents = AuthEventSelection.Select(Version, type, stateKey, sender, contentJson).Where(before.ContainsKey).Select(k => before[k]);
        var pdu = Add(name, sender, type, stateKey, content, authEvents.ToList(), prevs.Select(Id).ToList());

        var after = new Dictionary<StateKey, string>(before);
        if (pdu.IsState) after[pdu.StateTuple] = pdu.EventId;
        StateAfter[name] = after;
    }
}

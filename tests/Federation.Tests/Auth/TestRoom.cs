using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Tests.Auth;

/// <summary>
/// Builds a room's events one after another in any room version: each new event cites the previous one
/// and takes its auth_events from the current state by the auth events selection. Events are applied to
/// the state without authorization, so tests can stage any state and then ask the authorizer about one event.
/// </summary>
internal sealed class TestRoom
{
    public const string Alice = "@alice:example.com";
    public const string Bob = "@bob:example.com";
    public const string Carol = "@carol:example.com";
    public const string Dave = "@dave:example.com";
    public const string Mallory = "@mallory:evil.example";

    private readonly Dictionary<string, Pdu> _events;
    private string? _last;
    private long _clock;

    private TestRoom(RoomVersion version, string roomId, Dictionary<string, Pdu>? events = null, Dictionary<StateKey, Pdu>? state = null)
    {
        Version = version;
        RoomId = roomId;
        _events = events ?? new Dictionary<string, Pdu>(StringComparer.Ordinal);
        State = state ?? [];
    }

    public RoomVersion Version { get; }
    public string RoomId { get; }
    public Dictionary<StateKey, Pdu> State { get; }
    public HashSet<string> Rejected { get; } = new(StringComparer.Ordinal);
    public EventAuthorizer Authorizer { get; } = new(new FakeSignatures());
    public IReadOnlyDictionary<string, Pdu> Events => _events;

    /// <summary>A room holding only its create event, sent by <paramref name="creator"/>.</summary>
    public static TestRoom Create(RoomVersion version, string creator = Alice, string extraCreateContent = "")
    {
        var createId = $"$create-{version.Id}:example.com";
        var room = new TestRoom(version, version.RoomIdIsCreateEventHash ? "!" + createId[1..] : "!room:example.com");
        var content = version.ImplicitRoomCreator
            ? $$"""{"room_version": "{{version.Id}}" {{extraCreateContent}}}"""
            : $$"""{"room_version": "{{version.Id}}", "creator": "{{creator}}" {{extraCreateContent}}}""";
        room.Send(EventTypes.Create, creator, "", content, id: createId);
        return room;
    }

    /// <summary>
    /// A public room: Alice created it and is its admin (100, or infinite as a v12 creator), Bob is a
    /// moderator (50) and Carol a plain member (0); all three are joined.
    /// </summary>
    public static TestRoom Standard(RoomVersion version)
    {
        var room = Create(version);
        room.Join(Alice);
        room.SetPowerLevels(room.PowerLevelsWith((Alice, 100), (Bob, 50)));
        room.SetJoinRule(JoinRules.Public);
        room.Join(Bob);
        room.Join(Carol);
        return room;
    }

    /// <summary>A branch from the current event: it shares this room's events but extends its own state and timeline.</summary>
    public TestRoom Fork() => new(Version, RoomId, _events, new Dictionary<StateKey, Pdu>(State)) { _last = _last, _clock = _clock };

    /// <summary>Power levels content with these users (leaving out Alice where she is a v12 creator) and <paramref name="extra"/> keys.</summary>
    public string PowerLevelsWith((string User, long Level)[] users, string extra = "")
    {
        var listed = users.Where(u => !(Version.PrivilegedCreators && u.User == Alice)).Select(u => $"\"{u.User}\": {u.Level}");
        return "{\"users\": {" + string.Join(", ", listed) + "}" + extra + "}";
    }

    public string PowerLevelsWith(params (string User, long Level)[] users) => PowerLevelsWith(users, "");

    /// <summary>Builds an event on top of the current state without applying it.</summary>
    public Pdu NewEvent(string type, string sender, string? stateKey, string content, Action<JsonObject>? edit = null, string? id = null)
    {
        var json = new JsonObject
        {
            ["type"] = type,
            ["sender"] = sender,
            ["content"] = JsonNode.Parse(content),
            ["origin_server_ts"] = ++_clock,
            ["depth"] = _events.Count + 1,
            ["prev_events"] = new JsonArray(_last is null ? [] : [JsonValue.Create(_last)]),
            ["signatures"] = new JsonObject { [UserIds(sender)] = new JsonObject { ["ed25519:1"] = "sig" } },
        };
        if (stateKey is not null) json["state_key"] = stateKey;
        if (!(Version.RoomIdIsCreateEventHash && type == EventTypes.Create)) json["room_id"] = RoomId;

        var selection = AuthEventSelection.Select(Version, type, stateKey, sender, json["content"]!.AsObject());
        json["auth_events"] = new JsonArray(selection.Where(State.ContainsKey).Select(k => (JsonNode)JsonValue.Create(State[k].EventId)).ToArray());
        edit?.Invoke(json);

        // Round-trip so every value is backed by parsed JSON, as on the wire.
        var wire = JsonNode.Parse(json.ToJsonString())!.AsObject();
        var pdu = Pdu.FromJson(wire, id ?? $"$e{_events.Count}-{type}:example.com", Version);
        _events[pdu.EventId] = pdu;
        return pdu;
    }

    /// <summary>Makes <paramref name="pdu"/> the latest event and, if it is state, the current value of its key.</summary>
    public Pdu Apply(Pdu pdu)
    {
        if (pdu.IsState) State[pdu.StateTuple] = pdu;
        _last = pdu.EventId;
        return pdu;
    }

    public Pdu Send(string type, string sender, string? stateKey, string content, Action<JsonObject>? edit = null, string? id = null) =>
        Apply(NewEvent(type, sender, stateKey, content, edit, id));

    public Pdu Member(string sender, string target, string membership, string extraContent = "") =>
        NewEvent(EventTypes.Member, sender, target, $$"""{"membership": "{{membership}}" {{extraContent}}}""");

    public Pdu Join(string user) => Apply(Member(user, user, Memberships.Join));

    public Pdu SetMembership(string sender, string target, string membership) => Apply(Member(sender, target, membership));

    public Pdu SetJoinRule(string rule, string sender = Alice) =>
        Send(EventTypes.JoinRules, sender, "", $$"""{"join_rule": "{{rule}}"}""");

    public Pdu SetPowerLevels(string content, string sender = Alice) => Send(EventTypes.PowerLevels, sender, "", content);

    public Pdu Message(string sender) => NewEvent(EventTypes.Message, sender, null, """{"msgtype": "m.text"}""");

    public AuthResult Authorize(Pdu pdu) => Authorizer.Authorize(pdu, State);

    public AuthResult AuthorizeByAuthEvents(Pdu pdu) =>
        Authorizer.AuthorizeByAuthEvents(pdu, AuthEventReferences.Of(pdu).Where(_events.ContainsKey).Select(id => _events[id]).ToList(), Rejected.Contains);

    private static string UserIds(string userId) => userId[(userId.IndexOf(':', StringComparison.Ordinal) + 1)..];
}

using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Federation.StateResolution;

namespace Matrix.Benchmarks;

/// <summary>
/// A public room with thousands of joined members, for the auth and state resolution benchmarks. Every
/// event is built on a state map (its auth events selected from it) and kept in an in-memory provider.
/// </summary>
internal sealed class LargeRoom
{
    public const string Admin = "@admin:example.com";
    public const string Moderator = "@moderator:example.com";

    private long _clock;

    public LargeRoom(RoomVersion version, int members)
    {
        Version = version;
        var createId = $"$create-{version.Id}:example.com";
        RoomId = version.RoomIdIsCreateEventHash ? "!" + createId[1..] : "!large:example.com";

        Apply(State, Build(State, EventTypes.Create, Admin, "", version.ImplicitRoomCreator ? "{}" : $$"""{"creator": "{{Admin}}"}""", createId));
        Apply(State, Build(State, EventTypes.Member, Admin, Admin, """{"membership": "join"}"""));
        Apply(State, Build(State, EventTypes.PowerLevels, Admin, "", PowerLevels((Admin, 100), (Moderator, 50))));
        Apply(State, Build(State, EventTypes.JoinRules, Admin, "", """{"join_rule": "public"}"""));
        Apply(State, Build(State, EventTypes.Member, Moderator, Moderator, """{"membership": "join"}"""));
        for (var i = 0; i < members; i++) Apply(State, Build(State, EventTypes.Member, Member(i), Member(i), """{"membership": "join"}"""));
    }

    public RoomVersion Version { get; }
    public string RoomId { get; }
    public Dictionary<StateKey, Pdu> State { get; } = [];
    public InMemoryEventProvider Events { get; } = new();

    public static string Member(int i) => $"@member{i}:example.com";

    /// <summary>Power levels content for these users, leaving out the admin where v12 makes them a creator.</summary>
    public string PowerLevels(params (string User, int Level)[] users)
    {
        var listed = users.Where(u => !(Version.PrivilegedCreators && u.User == Admin)).Select(u => $"\"{u.User}\": {u.Level}");
        return "{\"users\": {" + string.Join(", ", listed) + "}}";
    }

    /// <summary>An event on top of <paramref name="state"/>, its auth events chosen from it; stored but not applied.</summary>
    public Pdu Build(IReadOnlyDictionary<StateKey, Pdu> state, string type, string sender, string? stateKey, string content, string? id = null)
    {
        var json = new JsonObject
        {
            ["type"] = type,
            ["sender"] = sender,
            ["content"] = JsonNode.Parse(content),
            ["origin_server_ts"] = ++_clock,
            ["depth"] = _clock,
            ["prev_events"] = new JsonArray(),
        };
        if (stateKey is not null) json["state_key"] = stateKey;
        if (!(Version.RoomIdIsCreateEventHash && type == EventTypes.Create)) json["room_id"] = RoomId;
        var selection = AuthEventSelection.Select(Version, type, stateKey, sender, json["content"]!.AsObject());
        json["auth_events"] = new JsonArray(selection.Where(state.ContainsKey).Select(key => (JsonNode)state[key].EventId).ToArray());

        var pdu = Pdu.FromJson(JsonNode.Parse(json.ToJsonString())!.AsObject(), id ?? $"$ev{_clock}:example.com", Version);
        Events.Add(pdu);
        return pdu;
    }

    public static void Apply(Dictionary<StateKey, Pdu> state, Pdu pdu) => state[pdu.StateTuple] = pdu;

    public static Dictionary<StateKey, string> Ids(Dictionary<StateKey, Pdu> state) => state.ToDictionary(e => e.Key, e => e.Value.EventId);
}

/// <summary>The benchmarked events carry no restricted join or third-party invite, so no signature is ever consulted.</summary>
internal sealed class NoSignatureConsulted : IAuthSignatureVerifier
{
    public bool IsSignedBy(Pdu pdu, string serverName) => throw new InvalidOperationException("no signature check expected");

    public bool IsThirdPartyInviteSigned(JsonObject signed, IReadOnlyList<string> publicKeys) => throw new InvalidOperationException("no signature check expected");
}

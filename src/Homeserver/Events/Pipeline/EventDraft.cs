using System.Text.Json.Nodes;
using Matrix.Federation.Events;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>What a local user (or this server on their behalf) wants to add to a room.</summary>
public sealed record EventDraft(string Type, string? StateKey, string Sender, JsonObject Content)
{
    /// <summary>For m.room.redaction: the redacted event.</summary>
    public string? Redacts { get; init; }

    /// <summary>Client transaction for idempotent sends: a retry returns the first event.</summary>
    public ClientTransaction? Transaction { get; init; }

    /// <summary>origin_server_ts chosen by an application service (spec: "Timestamp massaging"); null: now.</summary>
    public long? OriginServerTs { get; init; }

    public static EventDraft State(string type, string stateKey, string sender, JsonObject content) => new(type, stateKey, sender, content);

    public static EventDraft Member(string target, string sender, string membership, JsonObject? extra = null)
    {
        var content = extra is null ? new JsonObject() : (JsonObject)extra.DeepClone();
        content["membership"] = membership;
        return new EventDraft(EventTypes.Member, target, sender, content);
    }
}

/// <summary>The device and transaction ID of a client send (PUT .../{txnId}).</summary>
public sealed record ClientTransaction(string DeviceId, string TxnId, string Path);

/// <summary>An event as persisted: the PDU and its position in the stream (null for outliers).</summary>
public sealed record PersistedEvent(Pdu Pdu, long? StreamPosition)
{
    public string EventId => Pdu.EventId;

    /// <summary>Its notifications were written with it, in its own transaction (a send that left the state as it was).</summary>
    public bool PushActionsWritten { get; init; }
}

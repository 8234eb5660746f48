using System.Text.Json.Nodes;
using Matrix.Federation.Events;

namespace Matrix.Homeserver.Events.ClientFormat;

/// <summary>What the formatter needs beside the PDU; the loader fills it in batches.</summary>
public sealed record ClientEventExtras
{
    /// <summary>The redaction that applies to the event; its content is then redacted.</summary>
    public JsonObject? RedactedBecause { get; init; }

    /// <summary>Served redacted without a redaction: its sender was erased and the viewer was not joined when it was sent.</summary>
    public bool Erased { get; init; }

    /// <summary>Content of the state event this one replaced.</summary>
    public JsonObject? PrevContent { get; init; }
    public string? PrevSender { get; init; }
    public string? ReplacesState { get; init; }

    /// <summary>Set only for the device that sent the event.</summary>
    public string? TransactionId { get; init; }

    /// <summary>
    /// Aggregations (m.replace, m.thread, m.reference) to put in unsigned.m.relations. For a redacted
    /// event the loader leaves out m.replace; threads and references still apply (as Synapse).
    /// </summary>
    public JsonObject? Relations { get; init; }

    /// <summary>The requesting user's membership at the event (unsigned.membership, spec v1.11).</summary>
    public string? Membership { get; init; }
}

/// <summary>
/// The Client-Server API's event format: the PDU's client-visible keys plus unsigned data. Redaction
/// is applied with the room version's algorithm; nothing of a redacted event's content leaks.
/// </summary>
public static class ClientEventFormat
{
    public static JsonObject Format(Pdu pdu, long now, ClientEventExtras? extras = null)
    {
        var source = extras?.RedactedBecause is not null || extras?.Erased == true ? Redaction.Redact(pdu.Json, pdu.Version) : pdu.Json;
        var content = source["content"]?.DeepClone() ?? new JsonObject();
        var result = new JsonObject
        {
            ["content"] = content,
            ["event_id"] = pdu.EventId,
            ["origin_server_ts"] = pdu.OriginServerTs,
            ["room_id"] = pdu.RoomId,
            ["sender"] = pdu.Sender,
            ["type"] = pdu.Type,
        };
        if (pdu.StateKey is not null) result["state_key"] = pdu.StateKey;
        // Clients read redacts at the top level in every room version (v11 moved it into content).
        if (pdu.Type == EventTypes.Redaction && pdu.Redacts is not null) result["redacts"] = pdu.Redacts;

        var unsigned = new JsonObject { ["age"] = Math.Max(0, now - pdu.OriginServerTs) };
        if (extras is not null)
        {
            if (extras.RedactedBecause is not null)
            {
                unsigned["redacted_because"] = extras.RedactedBecause.DeepClone();
                // Synapse's name for the redaction's ID beside it (clients and SyTest of its era read it).
                if (extras.RedactedBecause["event_id"] is JsonValue id) unsigned["redacted_by"] = id.DeepClone();
            }
            if (extras.PrevContent is not null) unsigned["prev_content"] = extras.PrevContent.DeepClone();
            if (extras.PrevSender is not null) unsigned["prev_sender"] = extras.PrevSender;
            if (extras.ReplacesState is not null) unsigned["replaces_state"] = extras.ReplacesState;
            if (extras.TransactionId is not null) unsigned["transaction_id"] = extras.TransactionId;
            if (extras.Relations is { Count: > 0 }) unsigned["m.relations"] = extras.Relations.DeepClone();
            if (extras.Membership is not null) unsigned["membership"] = extras.Membership;
        }

        result["unsigned"] = unsigned;
        return result;
    }

    /// <summary>The stripped form used for invite_state/knock_state and room summaries.</summary>
    public static JsonObject Stripped(Pdu pdu) => new()
    {
        ["content"] = pdu.Content.DeepClone(),
        ["sender"] = pdu.Sender,
        ["state_key"] = pdu.StateKey,
        ["type"] = pdu.Type,
    };
}

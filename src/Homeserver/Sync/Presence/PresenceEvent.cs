using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Matrix.Homeserver.Sync.Presence;

/// <summary>
/// An m.presence event of a /sync answer, written straight to the answer's JSON when it is sent. When a
/// big room's members come online together, each of their syncs carries hundreds of these: built as JSON
/// objects they were a fifth of the server's CPU and most of its garbage in that storm. The attribute
/// makes whatever serializer options write the answer use <see cref="Writer"/>.
/// </summary>
[JsonConverter(typeof(Writer))]
internal readonly record struct PresenceEvent(UserPresence Presence, long Now)
{
    private static readonly JsonTypeInfo<PresenceEvent> TypeInfo = JsonMetadataServices.CreateValueInfo<PresenceEvent>(new JsonSerializerOptions { TypeInfoResolver = new DefaultJsonTypeInfoResolver() }, new Writer());

    /// <summary>A JSON node that writes this event.</summary>
    public JsonNode ToNode() => JsonValue.Create(this, TypeInfo)!;

    /// <summary>The content alone, as a JSON object (GET /presence/{userId}/status).</summary>
    public static JsonObject Content(UserPresence presence, long now)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) WriteContent(writer, presence, now);
        return JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }

    private static void WriteContent(Utf8JsonWriter writer, UserPresence p, long now)
    {
        writer.WriteStartObject();
        writer.WriteString("presence", p.State.ToWire());
        if (p.LastActiveTs > 0) writer.WriteNumber("last_active_ago", Math.Max(0, now - p.LastActiveTs));
        if (p.State == PresenceState.Online) writer.WriteBoolean("currently_active", p.CurrentlyActive);
        if (p.StatusMsg is not null) writer.WriteString("status_msg", p.StatusMsg);
        writer.WriteEndObject();
    }

    internal sealed class Writer : JsonConverter<PresenceEvent>
    {
        public override PresenceEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("Presence events are only written");

        public override void Write(Utf8JsonWriter writer, PresenceEvent value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "m.presence");
            writer.WriteString("sender", value.Presence.UserId);
            writer.WritePropertyName("content");
            WriteContent(writer, value.Presence, value.Now);
            writer.WriteEndObject();
        }
    }
}

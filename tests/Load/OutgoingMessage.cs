using System.Text.Json;

namespace Matrix.Load;

/// <summary>A text message's body and its request JSON, serialized once.</summary>
public sealed record OutgoingMessage(string Body, byte[] Json)
{
    public static OutgoingMessage Text(string body) =>
        new(body, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["msgtype"] = "m.text", ["body"] = body }));
}

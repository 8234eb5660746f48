using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Push.Rules;

/// <summary>
/// What a matched rule asks for (spec: "Actions"): notify, and tweaks (sound, highlight, and any
/// others clients and gateways agree on). The historical dont_notify and coalesce are accepted and
/// ignored, as the spec requires.
/// </summary>
public sealed class PushActions
{
    public const string Notify = "notify";
    public const string DontNotify = "dont_notify";
    public const string Coalesce = "coalesce";
    public const string SetTweak = "set_tweak";
    public const string Highlight = "highlight";
    public const string Sound = "sound";

    private string? _effectiveJson;

    private PushActions(JsonArray json, bool notifies, bool highlights, JsonObject tweaks)
    {
        Json = json;
        Notifies = notifies;
        Highlights = highlights;
        Tweaks = tweaks;
    }

    /// <summary>The actions as the client set them (and as they are served back).</summary>
    public JsonArray Json { get; }

    public bool Notifies { get; }

    /// <summary>A highlight tweak with no value or the value true.</summary>
    public bool Highlights { get; }

    /// <summary>Tweak name → value (true when a tweak has no value), for the push gateway.</summary>
    public JsonObject Tweaks { get; }

    /// <summary>
    /// The actions without the ignored historical ones, as stored with a notification: serialized once per rule, not
    /// once per notification (a message into a big room stores one per member).
    /// </summary>
    public string EffectiveJson => _effectiveJson ??= new JsonArray([.. Json.Where(a => !IsIgnored(a)).Select(a => a?.DeepClone())]).ToJsonString();

    public static PushActions From(JsonArray actions)
    {
        var notifies = false;
        var highlights = false;
        var tweaks = new JsonObject();
        foreach (var action in actions)
        {
            if (action is JsonValue v && v.TryGetValue(out string? name))
            {
                notifies |= name == Notify;
            }
            else if (action is JsonObject tweak && TweakName(tweak) is { } tweakName)
            {
                var value = tweak.TryGetPropertyValue("value", out var given) ? given?.DeepClone() : JsonValue.Create(true);
                tweaks[tweakName] = value;
                if (tweakName == Highlight) highlights = value?.GetValueKind() == JsonValueKind.True;
            }
        }

        return new PushActions(actions, notifies, highlights, tweaks);
    }

    /// <summary>What a client may set: the named actions, or an object naming a tweak. Null when valid, else why not.</summary>
    public static string? Validate(JsonArray actions)
    {
        foreach (var action in actions)
        {
            var valid = action switch
            {
                JsonValue v when v.TryGetValue(out string? name) => name is Notify or DontNotify or Coalesce,
                JsonObject o => TweakName(o) is not null,
                _ => false,
            };
            if (!valid) return $"Unrecognised action {action?.ToJsonString() ?? "null"}";
        }

        return null;
    }

    private static string? TweakName(JsonObject action) =>
        action[SetTweak] is JsonValue v && v.TryGetValue(out string? name) ? name : null;

    private static bool IsIgnored(JsonNode? action) =>
        action is JsonValue v && v.TryGetValue(out string? name) && name is DontNotify or Coalesce;
}

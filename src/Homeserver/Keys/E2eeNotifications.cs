using System.Text.Json.Nodes;
using Mediator;

namespace Matrix.Homeserver.Keys;

// Notifications the end-to-end encryption feature publishes (Mediator IPublisher) after its change
// committed. The federation sender turns them into EDUs (m.device_list_update, m.signing_key_update,
// m.direct_to_device); nothing here waits for a handler to exist.
#pragma warning disable MSG0005

/// <summary>A local user's device list changed: keys uploaded or signed, or <paramref name="DeviceId"/> deleted (<paramref name="Deleted"/>); null device = the user's whole list.</summary>
public sealed record DeviceListChanged(string UserId, string? DeviceId, bool Deleted = false) : INotification;

/// <summary>A local user's cross-signing keys (or the signatures on their master key) changed.</summary>
public sealed record SigningKeysChanged(string UserId) : INotification;

/// <summary>
/// A local user sent to-device messages to users of other servers: <paramref name="Messages"/> maps
/// each remote user ID to {device ID or "*": content}, as the m.direct_to_device EDU carries them.
/// </summary>
public sealed record RemoteToDeviceMessagesSent(string Sender, string EventType, string MessageId, IReadOnlyDictionary<string, JsonObject> Messages) : INotification;

/// <summary>To-device messages were stored for these local users (their long-polls were woken).</summary>
public sealed record ToDeviceMessagesArrived(IReadOnlyCollection<string> UserIds) : INotification;
#pragma warning restore MSG0005

using Mediator;

namespace Matrix.Homeserver.Accounts;

// Notifications the accounts feature publishes (Mediator IPublisher) after its change has committed.
// Other features react by implementing INotificationHandler<T>; nothing here waits for them to exist,
// so the generator's "no handler" diagnostic is expected until they do.
#pragma warning disable MSG0005

/// <summary>
/// A local account was deactivated: its devices, tokens, account data and profile are gone. The rooms
/// feature makes the user leave every room; <paramref name="Erase"/> asks that their events be served
/// redacted to users who join later (spec, POST /account/deactivate).
/// </summary>
public sealed record UserDeactivated(string UserId, bool Erase) : INotification;

/// <summary>A device was deleted (logout, device deletion, password change, deactivation): the E2EE feature drops its keys and tells device-list watchers.</summary>
public sealed record DeviceDeleted(string UserId, string DeviceId) : INotification;

/// <summary>
/// A device was added (a login) or renamed: the E2EE feature tells device-list watchers, as Synapse does, so other
/// users' clients fetch the new device (or its new name) without waiting for its keys.
/// </summary>
public sealed record DeviceChanged(string UserId, string DeviceId) : INotification;

/// <summary>The user's display name or avatar changed: the rooms feature updates their m.room.member events.</summary>
public sealed record ProfileChanged(string UserId, string? DisplayName, string? AvatarUrl) : INotification;
#pragma warning restore MSG0005

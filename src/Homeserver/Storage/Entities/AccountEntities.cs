namespace Matrix.Homeserver.Storage.Entities;

/// <summary>A local account. Profile fields live here too: they are per user, not per room.</summary>
public sealed class User
{
    /// <summary>The full user ID, e.g. @alice:example.org.</summary>
    public required string UserId { get; set; }
    public required string Localpart { get; set; }

    /// <summary>bcrypt hash (Synapse-compatible), or null for accounts that cannot log in with a password.</summary>
    public string? PasswordHash { get; set; }
    public string? DisplayName { get; set; }
    public string? AvatarUrl { get; set; }
    public bool IsAdmin { get; set; }
    public bool IsGuest { get; set; }
    public bool Deactivated { get; set; }

    /// <summary>Deactivated with erasure: the user's events are served pruned to whoever was not joined when they were sent.</summary>
    public bool Erased { get; set; }

    /// <summary>Locked by a server admin: every authenticated request but logout answers 401 M_USER_LOCKED (reversible).</summary>
    public bool Locked { get; set; }

    /// <summary>Suspended by a server admin: readable, but joins, invites, sends and profile changes answer 403 M_USER_SUSPENDED.</summary>
    public bool Suspended { get; set; }

    public long CreatedTs { get; set; }

    /// <summary>Synapse's user_type ("support", "bot"), or null for a regular user.</summary>
    public string? UserType { get; set; }

    /// <summary>The application service that registered the user (Synapse's users.appservice_id), or null.</summary>
    public string? AppServiceId { get; set; }
}

/// <summary>A device (a login session) of a local user.</summary>
public sealed class Device
{
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public string? DisplayName { get; set; }
    public string? LastSeenIp { get; set; }
    public long? LastSeenTs { get; set; }
    public long CreatedTs { get; set; }
}

/// <summary>An access token. Only its SHA-256 hash is stored, never the token itself.</summary>
public sealed class AccessToken
{
    public long Id { get; set; }
    public required byte[] TokenHash { get; set; }
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public long CreatedTs { get; set; }

    /// <summary>When the token stops working (refresh-token sessions), or null for a non-expiring token.</summary>
    public long? ExpiresTs { get; set; }

    /// <summary>The refresh token issued with this access token, if any.</summary>
    public long? RefreshTokenId { get; set; }

    /// <summary>
    /// The refresh token whose exchange issued this token. It stays usable (so a client that lost the
    /// answer can retry) until this token is first used; then it is deleted and this is cleared.
    /// </summary>
    public long? ReplacesRefreshTokenId { get; set; }
}

/// <summary>A refresh token, stored hashed; using it rotates both tokens.</summary>
public sealed class RefreshToken
{
    public long Id { get; set; }
    public required byte[] TokenHash { get; set; }
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public long CreatedTs { get; set; }

    /// <summary>The refresh token this one was last exchanged for, while that exchange is not yet confirmed by use.</summary>
    public long? NextTokenId { get; set; }
}

/// <summary>A single-use token from POST /login/get_token for m.login.token; stored hashed.</summary>
public sealed class LoginToken
{
    public required byte[] TokenHash { get; set; }
    public required string UserId { get; set; }
    public long ExpiresTs { get; set; }
}

/// <summary>A registration token (m.login.registration_token), managed through Synapse's admin API.</summary>
public sealed class RegistrationToken
{
    public required string Token { get; set; }

    /// <summary>How many registrations it allows in total, or null for no limit.</summary>
    public int? UsesAllowed { get; set; }

    /// <summary>Sessions that passed the token stage but have not registered yet (they hold a use).</summary>
    public int Pending { get; set; }

    /// <summary>Registrations completed with it.</summary>
    public int Completed { get; set; }

    /// <summary>When it stops working (ms since the epoch), or null for never.</summary>
    public long? ExpiryTime { get; set; }
}

/// <summary>A custom profile field (displayname and avatar_url live on the user row).</summary>
public sealed class ProfileField
{
    public required string UserId { get; set; }
    public required string Key { get; set; }

    /// <summary>The value as JSON text (any JSON type).</summary>
    public required string Value { get; set; }
}

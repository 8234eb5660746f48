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
    public long CreatedTs { get; set; }
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
}

/// <summary>A refresh token, stored hashed; using it rotates both tokens.</summary>
public sealed class RefreshToken
{
    public long Id { get; set; }
    public required byte[] TokenHash { get; set; }
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public long CreatedTs { get; set; }

    /// <summary>Set once the token has been exchanged; a second use is refused.</summary>
    public long? UsedTs { get; set; }
}

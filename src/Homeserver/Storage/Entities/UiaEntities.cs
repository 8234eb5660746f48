namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// A user-interactive auth session. It is bound to the operation that started it (method, path, user
/// and the caller's intent hash): a session cannot authorise a different request.
/// </summary>
public sealed class UiaSession
{
    public required string SessionId { get; set; }
    public required string Method { get; set; }
    public required string Path { get; set; }

    /// <summary>The authenticated user who started it, or null for registration.</summary>
    public string? UserId { get; set; }

    /// <summary>SHA-256 of what the caller named as the operation's intent (e.g. the devices to delete).</summary>
    public byte[]? IntentHash { get; set; }

    /// <summary>Human-readable operation, for fallback pages.</summary>
    public required string Description { get; set; }
    public long CreatedTs { get; set; }
    public long ExpiresTs { get; set; }

    /// <summary>What the operation keeps between the session's requests, as JSON (registration: what the client gave first).</summary>
    public string? Data { get; set; }

    /// <summary>Its operation ran and the session is kept till it expires to answer a retry (registration).</summary>
    public bool Finished { get; set; }
}

/// <summary>A completed stage of a session, with what it established (a user ID, a registration token).</summary>
public sealed class UiaSessionStage
{
    public required string SessionId { get; set; }
    public required string Stage { get; set; }
    public string? Result { get; set; }
}

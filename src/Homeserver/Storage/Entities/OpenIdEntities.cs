namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// An OpenID token a local user asked for, to prove their identity to a third party (an integration manager, a
/// widget), which checks it with GET /_matrix/federation/v1/openid/userinfo. Stored as its SHA-256 only.
/// </summary>
public sealed class OpenIdToken
{
    public required byte[] TokenHash { get; set; }
    public required string UserId { get; set; }
    public long ExpiresTs { get; set; }
}

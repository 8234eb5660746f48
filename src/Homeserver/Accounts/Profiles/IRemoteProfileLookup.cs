using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Accounts.Profiles;

/// <summary>
/// Profiles of other servers' users, asked of their server. The federation feature registers its implementation
/// before the accounts feature; until then <see cref="NoRemoteProfiles"/> knows none.
/// </summary>
public interface IRemoteProfileLookup
{
    /// <param name="field">One field, or null for the whole public profile.</param>
    /// <exception cref="MatrixException">404 for an unknown user or field; 502 when the server cannot be asked.</exception>
    Task<JsonObject> GetAsync(string userId, string? field, CancellationToken cancellationToken);
}

/// <summary>Without federation no other server's user has a profile here.</summary>
public sealed class NoRemoteProfiles : IRemoteProfileLookup
{
    public Task<JsonObject> GetAsync(string userId, string? field, CancellationToken cancellationToken) =>
        throw MatrixException.NotFound("Profile not found");
}

using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Accounts.Profiles;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Microsoft.Extensions.Caching.Memory;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>
/// Profiles of other servers' users (GET /query/profile), for the profile endpoints: the answer as the user's server
/// gives it, its display name and avatar checked to be strings, cached for a minute as Synapse advises requesting
/// servers to. A user or field it does not know is 404; a server that cannot be asked, 502.
/// </summary>
public sealed class RemoteProfiles(FederationClient client, ILogger<RemoteProfiles> logger) : IRemoteProfileLookup, IDisposable
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(1);

    // The spec bounds a whole profile at 64 KiB. A larger answer is refused before it is parsed or cached: with the
    // federation client's general bound (64 MiB), a hostile server's users could otherwise fill the cache with gigabytes.
    private static readonly FederationCallOptions ProfileCall = new(MaxResponseBytes: 64 * 1024);
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    /// <param name="field">One field (displayname, avatar_url, ...), or null for the whole public profile.</param>
    public async Task<JsonObject> GetAsync(string userId, string? field, CancellationToken cancellationToken)
    {
        var key = (userId, field);
        if (_cache.TryGetValue(key, out JsonObject? cached)) return (JsonObject)cached!.DeepClone();

        var server = RequestIds.ServerOf(userId);
        var path = FederationPath.WithQuery("/_matrix/federation/v1/query/profile", [new("user_id", userId), new("field", field)]);
        JsonObject answer;
        try
        {
            answer = await client.GetJsonAsync(server, path, ProfileCall, cancellationToken);
        }
        catch (FederationHttpException e) when (e.StatusCode is 404 or 403)
        {
            throw new MatrixException(e.StatusCode, e.ErrCode ?? ErrorCodes.NotFound, "Profile not found");
        }
        catch (FederationException e)
        {
            logger.LogInformation("Could not get a profile from {Server}: {Reason}", server, e.Message);
            throw new MatrixException(502, ErrorCodes.Unknown, $"Failed to ask {server} for the profile");
        }

        foreach (var known in new[] { "displayname", "avatar_url" })
        {
            if (answer[known] is { } value && (value is not JsonValue v || !v.TryGetValue(out string? _))) answer.Remove(known);
        }

        if (field is not null) answer = answer[field] is { } one ? new JsonObject { [field] = one.DeepClone() } : throw MatrixException.NotFound("Profile field not found");
        _cache.Set(key, answer, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = CacheLifetime });
        return (JsonObject)answer.DeepClone();
    }

    public void Dispose() => _cache.Dispose();
}

using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Keys.Remote;

/// <summary>
/// Where /keys/query and /keys/claim reach users of other servers (federation POST
/// /_matrix/federation/v1/user/keys/query and /claim). The federation feature registers its client in
/// place of <see cref="NoRemoteKeys"/>; until then remote users are listed in the answer's failures.
/// </summary>
public interface IRemoteKeys
{
    /// <summary>The server's answer for {user ID: [device IDs]}: device_keys, master_keys, self_signing_keys.</summary>
    /// <exception cref="RemoteKeysException">The server could not be asked or did not answer in time.</exception>
    Task<JsonObject> QueryAsync(string serverName, JsonObject deviceKeys, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The server's answer for {user ID: {device ID: algorithm}}: one_time_keys.</summary>
    /// <exception cref="RemoteKeysException">The server could not be asked or did not answer in time.</exception>
    Task<JsonObject> ClaimAsync(string serverName, JsonObject oneTimeKeys, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>A remote server's keys are unavailable; the answer lists it in failures with this status.</summary>
public sealed class RemoteKeysException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public JsonObject ToFailure() => new() { ["status"] = Status, ["message"] = Message };
}

/// <summary>No federation client yet: every remote server is a failure.</summary>
public sealed class NoRemoteKeys : IRemoteKeys
{
    public Task<JsonObject> QueryAsync(string serverName, JsonObject deviceKeys, TimeSpan timeout, CancellationToken cancellationToken) =>
        throw Unavailable();

    public Task<JsonObject> ClaimAsync(string serverName, JsonObject oneTimeKeys, TimeSpan timeout, CancellationToken cancellationToken) =>
        throw Unavailable();

    private static RemoteKeysException Unavailable() => new(503, "Federation is not available");
}

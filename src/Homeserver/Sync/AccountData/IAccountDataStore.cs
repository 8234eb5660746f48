using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Sync.AccountData;

/// <summary>A user's account data changes between two stream positions: global, and per room.</summary>
public sealed record AccountDataChangeSet(IReadOnlyList<JsonObject> Global, IReadOnlyDictionary<string, IReadOnlyList<JsonObject>> Rooms);

/// <summary>
/// Account data as /sync and the read markers use it. The accounts feature owns the storage and its
/// endpoints; this is the narrow seam sync depends on (every write takes a stream position and wakes
/// the user's sync).
/// </summary>
public interface IAccountDataStore
{
    Task<JsonObject?> GetRoomDataAsync(string userId, string roomId, string type, CancellationToken cancellationToken);

    Task SetRoomDataAsync(string userId, string roomId, string type, JsonObject content, CancellationToken cancellationToken);

    /// <summary>Account data events ({type, content}) written after <paramref name="since"/> up to <paramref name="upTo"/>.</summary>
    Task<AccountDataChangeSet> GetChangesAsync(string userId, long since, long upTo, CancellationToken cancellationToken);
}

using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Sync.Sliding.Extensions;

/// <summary>
/// A device's to-device inbox (the E2EE feature's ToDeviceInbox): messages at or before
/// <paramref name="since"/> are acknowledged (deleted), up to <paramref name="limit"/> after it up to
/// <paramref name="upTo"/> are returned with the position to continue from.
/// </summary>
public interface IToDeviceMessages
{
    Task<(IReadOnlyList<JsonObject> Events, long Next)> TakeAsync(HomeserverDbContext db, string userId, string deviceId, long? since, long upTo, int limit,
        CancellationToken cancellationToken);
}

/// <summary>The users whose devices changed or who no longer share a room with the user in (from, to] (the E2EE feature's DeviceListChangesReader).</summary>
public interface IDeviceListChanges
{
    Task<(IReadOnlySet<string> Changed, IReadOnlySet<string> Left)> ReadAsync(HomeserverDbContext db, string userId, long from, long to, CancellationToken cancellationToken);
}

/// <summary>A device's one-time key counts per algorithm and unused fallback key algorithms (the E2EE feature's OneTimeKeyCounts).</summary>
public interface IOneTimeKeyCounts
{
    Task<(IReadOnlyDictionary<string, long> Counts, IReadOnlyList<string> UnusedFallbackTypes)> ReadAsync(HomeserverDbContext db, string userId, string deviceId,
        CancellationToken cancellationToken);
}

/// <summary>
/// The seams' answer while this server stores no to-device messages, device list changes or keys
/// (the E2EE feature lands them): nothing waiting, nothing changed, no keys. Registered with TryAdd,
/// so the E2EE feature's implementations replace it.
/// </summary>
internal sealed class NoEncryptionStorage : IToDeviceMessages, IDeviceListChanges, IOneTimeKeyCounts
{
    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    public Task<(IReadOnlyList<JsonObject> Events, long Next)> TakeAsync(HomeserverDbContext db, string userId, string deviceId, long? since, long upTo, int limit,
        CancellationToken cancellationToken) => Task.FromResult<(IReadOnlyList<JsonObject>, long)>(([], upTo));

    public Task<(IReadOnlySet<string> Changed, IReadOnlySet<string> Left)> ReadAsync(HomeserverDbContext db, string userId, long from, long to,
        CancellationToken cancellationToken) => Task.FromResult((None, None));

    public Task<(IReadOnlyDictionary<string, long> Counts, IReadOnlyList<string> UnusedFallbackTypes)> ReadAsync(HomeserverDbContext db, string userId, string deviceId,
        CancellationToken cancellationToken) => Task.FromResult<(IReadOnlyDictionary<string, long>, IReadOnlyList<string>)>((new Dictionary<string, long>(), []));
}

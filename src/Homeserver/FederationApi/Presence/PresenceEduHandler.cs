using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi.Edus;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Sync.Presence;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Presence;

/// <summary>
/// m.presence received: each well-formed entry about a user of the sending server whom a local user shares a joined
/// room with is held by <see cref="RemotePresence"/> (Synapse ignores the others too: nobody here could see them).
/// Malformed entries are skipped one by one; nothing fails the transaction. Ignored when presence is off.
/// </summary>
public sealed class PresenceEduHandler(
    PresenceService presence, RemotePresence remote, IDbContextFactory<HomeserverDbContext> dbs, HomeserverOptions options, ILogger<PresenceEduHandler> logger)
    : IEduHandler
{
    /// <summary>At most this many entries are taken from one EDU.</summary>
    public const int MaxEntries = 1000;

    public string Type => PresenceEdu.Type;

    public async Task HandleAsync(string origin, JsonObject content, CancellationToken cancellationToken)
    {
        if (!presence.Enabled || content["push"] is not JsonArray push) return;
        var updates = new Dictionary<string, RemotePresenceUpdate>(StringComparer.Ordinal);
        var skipped = 0;
        foreach (var node in push.Take(MaxEntries))
        {
            // A later entry for the same user is the newer one.
            if (PresenceEdu.Parse(node, origin) is { } update) updates[update.UserId] = update;
            else skipped++;
        }

        if (skipped > 0) logger.LogInformation("Skipped {Count} malformed or foreign presence entries from {Origin}", skipped, origin);
        if (updates.Count == 0) return;

        foreach (var userId in await WatchedAsync(updates.Keys, cancellationToken))
        {
            remote.Set(updates[userId]);
        }
    }

    /// <summary>The users among <paramref name="userIds"/> who share a joined room with a local user.</summary>
    private async Task<List<string>> WatchedAsync(IEnumerable<string> userIds, CancellationToken cancellationToken)
    {
        var localSuffix = ":" + options.ServerName;
        var watched = new List<string>();
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        foreach (var batch in userIds.Chunk(500))
        {
            watched.AddRange(await db.RoomMemberships.AsNoTracking()
                .Where(m => batch.Contains(m.UserId) && m.Membership == Memberships.Join
                    && db.RoomMemberships.Any(l => l.RoomId == m.RoomId && l.Membership == Memberships.Join && l.UserId.EndsWith(localSuffix)))
                .Select(m => m.UserId).Distinct().ToListAsync(cancellationToken));
        }

        return watched;
    }
}

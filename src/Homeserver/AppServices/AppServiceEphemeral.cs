using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// Ephemeral events for ASes registered with receive_ephemeral (MSC2409, spec v1.13 "ephemeral" in transactions):
/// typing and public read receipts of rooms that interest the AS as a whole (as Synapse decides for them). Callers
/// (the typing and receipt services) have already made their change: a failure here is logged, never theirs.
/// </summary>
public sealed class AppServiceEphemeral(AppServiceRegistry registry, AppServiceInterest interest, AppServiceSender sender,
    IDbContextFactory<HomeserverDbContext> dbs, ILogger<AppServiceEphemeral> logger)
{
    private readonly bool _wanted = registry.All.Any(a => a.Url is not null && a.ReceiveEphemeral);

    /// <summary>Queues <paramref name="ephemeral"/> (an m.typing or m.receipt event with its room_id) for the interested ASes.</summary>
    public async Task RoomEventAsync(string roomId, JsonObject ephemeral, CancellationToken cancellationToken)
    {
        if (!_wanted) return;
        try
        {
            await using var db = await dbs.CreateDbContextAsync(cancellationToken);
            var joined = await db.RoomMemberships.AsNoTracking().Where(m => m.RoomId == roomId && m.Membership == Memberships.Join)
                .Select(m => m.UserId).ToListAsync(cancellationToken);
            foreach (var appService in await interest.InterestedInRoomAsync(db, roomId, joined, a => a.ReceiveEphemeral, cancellationToken))
            {
                await sender.EnqueueEphemeralAsync(appService, (JsonObject)ephemeral.DeepClone(), cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not queue an ephemeral event of {RoomId} for application services", roomId);
        }
    }
}

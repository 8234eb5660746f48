using System.Text.Json.Nodes;
using System.Threading.Channels;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Ephemeral;

/// <summary>
/// Sends a room's EDU (typing, receipts) to every other server with a joined member in the room. Off the client's
/// request path: EDUs are posted to one queue that a single loop drains in order (so a stop never overtakes its
/// start); when the queue is full the oldest are dropped, as EDUs are best effort.
/// </summary>
public sealed class EphemeralDestinations(
    IDbContextFactory<HomeserverDbContext> dbs, RoomServers servers, FederationOutbox outbox, HomeserverOptions options, ILogger<EphemeralDestinations> logger)
    : BackgroundService
{
    private const int MaxQueued = 10_000;

    private readonly Channel<(string RoomId, string Type, JsonObject Content, string Key)> _queue =
        Channel.CreateBounded<(string, string, JsonObject, string)>(new BoundedChannelOptions(MaxQueued) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Post(string roomId, string eduType, JsonObject content, string coalescingKey)
    {
        if (options.Federation.Enabled) _queue.Writer.TryWrite((roomId, eduType, content, coalescingKey));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (roomId, type, content, key) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await SendToRoomAsync(roomId, type, content, key, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not queue a {EduType} EDU of {RoomId}", type, roomId);
            }
        }
    }

    private async Task SendToRoomAsync(string roomId, string eduType, JsonObject content, string coalescingKey, CancellationToken cancellationToken)
    {
        IReadOnlySet<string> joined;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            joined = await servers.GetJoinedAsync(db, roomId, cancellationToken);
        }

        foreach (var server in joined.Where(s => s != options.ServerName))
        {
            await outbox.EnqueueEduAsync(server, eduType, (JsonObject)content.DeepClone(), coalescingKey, cancellationToken);
        }
    }
}

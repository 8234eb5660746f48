using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Ephemeral;

/// <summary>Sends a room's EDU (typing, receipts) to every other server with a joined member in the room.</summary>
public sealed class EphemeralDestinations(IDbContextFactory<HomeserverDbContext> dbs, RoomServers servers, FederationOutbox outbox, HomeserverOptions options)
{
    public async Task SendToRoomAsync(string roomId, string eduType, System.Text.Json.Nodes.JsonObject content, string coalescingKey, CancellationToken cancellationToken)
    {
        if (!options.Federation.Enabled) return;
        IReadOnlySet<string> joined;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            joined = await servers.GetJoinedAsync(db, roomId, cancellationToken);
        }

        foreach (var server in joined.Where(s => s != options.ServerName))
        {
            await outbox.EnqueueEduAsync(server, eduType, (System.Text.Json.Nodes.JsonObject)content.DeepClone(), coalescingKey, cancellationToken);
        }
    }
}

using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Keys.Encryption;
using Matrix.Homeserver.Rooms.Aliases;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.State;

/// <summary>
/// Sends a non-membership state event for a local user (PUT /state, and the server acting for a user
/// during upgrades and alias changes). The same sender setting the same content again gets the
/// existing event back, as Synapse does, so retries and no-op updates add nothing to the room.
/// </summary>
public sealed class StateEventSender(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    RoomEventWriter writer,
    RoomStateReader reader,
    CanonicalAliasValidator canonicalAliases)
{
    /// <param name="originServerTs">A timestamp an application service chose (<c>?ts=</c>); null: now.</param>
    public async Task<string> SendAsync(string roomId, string sender, string type, string stateKey, JsonObject content, CancellationToken cancellationToken,
        long? originServerTs = null)
    {
        if (type == EventTypes.Member) throw new ArgumentException("membership changes go through RoomMembershipService", nameof(type));
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var current = await reader.GetStateEventAsync(db, roomId, type, stateKey, cancellationToken);
            if (current is not null && current.Sender == sender && JsonFields.SameContent(current.Content, content)) return current.EventId;
            EncryptionStateGuard.Check(type, stateKey, current?.Content, content);
            if (type == EventTypes.CanonicalAlias) await canonicalAliases.ValidateAsync(db, roomId, content, current, cancellationToken);
        }

        var persisted = await writer.SendAsync(roomId, [EventDraft.State(type, stateKey, sender, content) with { OriginServerTs = originServerTs }], cancellationToken);
        return persisted[0].EventId;
    }
}

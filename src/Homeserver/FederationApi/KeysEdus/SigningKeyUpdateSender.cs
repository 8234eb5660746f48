using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi.KeysEndpoints;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.FederationApi.KeysEdus;

/// <summary>SigningKeysChanged → m.signing_key_update (the master and self-signing keys; the user-signing key is private) to every server sharing a room with the user.</summary>
public sealed class SigningKeyUpdateSender(HomeserverDbContext db, FederationOutbox outbox, UserServerDestinations destinations, HomeserverOptions options) : INotificationHandler<SigningKeysChanged>
{
    public const string EduType = "m.signing_key_update";

    public async ValueTask Handle(SigningKeysChanged notification, CancellationToken cancellationToken)
    {
        var userId = notification.UserId;
        if (!UserIds.IsLocal(userId, options.ServerName)) return;
        if ((await FederationKeyView.CrossSigningKeysAsync(db, [userId], cancellationToken)).GetValueOrDefault(userId) is not { Master: { } master } keys) return;
        var content = new JsonObject { ["user_id"] = userId, ["master_key"] = master };
        if (keys.SelfSigning is not null) content["self_signing_key"] = keys.SelfSigning;
        foreach (var destination in await destinations.ForUserAsync(db, userId, options.ServerName, cancellationToken))
        {
            await outbox.EnqueueEduAsync(destination, EduType, (JsonObject)content.DeepClone(), cancellationToken: cancellationToken);
        }
    }
}

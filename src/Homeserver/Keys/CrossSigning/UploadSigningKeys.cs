using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys.DeviceLists;
using Matrix.Homeserver.Keys.Query;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys.CrossSigning;

/// <summary>POST /keys/device_signing/upload: master, self-signing and user-signing keys.</summary>
public sealed record UploadSigningKeysCommand(Requester Requester, JsonObject Body, UiaRequest Uia) : ICommand<Unit>;

/// <summary>
/// Stores a user's cross-signing keys. The self-signing and user-signing keys must be signed by the
/// master key (the one uploaded with them, or the stored one). Replacing keys needs a password prompt;
/// the first upload (no master key yet, spec v1.11) and re-uploading the stored keys do not.
/// </summary>
public sealed class UploadSigningKeysHandler(HomeserverDbContext db, UserKeyLocks locks, UserInteractiveAuth uia, StreamIdGenerator streams,
    DeviceListTracker deviceLists) : ICommandHandler<UploadSigningKeysCommand, Unit>
{
    private static readonly (string Field, string Usage)[] Fields =
        [("master_key", KeyReader.Master), ("self_signing_key", KeyReader.SelfSigning), ("user_signing_key", KeyReader.UserSigning)];

    public async ValueTask<Unit> Handle(UploadSigningKeysCommand command, CancellationToken cancellationToken)
    {
        var userId = command.Requester.UserId;
        var uploaded = new List<SigningKeyShape>();
        foreach (var (field, usage) in Fields)
        {
            if (JsonFields.Object(command.Body, field) is { } key) uploaded.Add(SigningKeyShape.Parse(key, usage, userId, field));
        }

        if (uploaded.Count == 0) return Unit.Value;

        bool onlyUserSigning;
        using (await locks.AcquireAsync(userId, cancellationToken))
        {
            var stored = await db.CrossSigningKeys.Where(k => k.UserId == userId).ToListAsync(cancellationToken);
            var storedMaster = stored.FirstOrDefault(k => k.KeyType == KeyReader.Master);
            var changed = uploaded.Where(k => stored.FirstOrDefault(s => s.KeyType == k.Usage) is not { } s || KeyJson.SignedPart(KeyJson.Parse(s.Json)) != KeyJson.SignedPart(k.Json)).ToList();
            if (changed.Count == 0) return Unit.Value;

            var master = uploaded.FirstOrDefault(k => k.Usage == KeyReader.Master)
                ?? (storedMaster is null ? null : SigningKeyShape.Parse(KeyJson.Parse(storedMaster.Json), KeyReader.Master, userId, "master_key"));
            foreach (var key in uploaded.Where(k => k.Usage != KeyReader.Master))
            {
                if (master is null) throw MatrixException.MissingParam("A master key is needed to sign the other cross-signing keys");
                if (!key.IsSignedBy(userId, master)) throw new MatrixException(400, ErrorCodes.InvalidSignature, $"The {key.Usage} key is not signed by the master key");
            }

            if (storedMaster is not null)
            {
                var intent = string.Join('\n', changed.Select(k => KeyJson.SignedPart(k.Json)));
                await uia.RequireAsync(command.Uia, [new UiaFlow(UiaStageTypes.Password)], "reset your cross-signing keys", intent, cancellationToken);
            }

            using var position = streams.Next();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var key in changed)
            {
                var row = stored.FirstOrDefault(s => s.KeyType == key.Usage);
                if (row is null) db.CrossSigningKeys.Add(new CrossSigningKey { UserId = userId, KeyType = key.Usage, PublicKey = key.PublicKey, Json = key.Json.ToJsonString() });
                else (row.PublicKey, row.Json) = (key.PublicKey, key.Json.ToJsonString());
            }

            await db.SaveChangesAsync(cancellationToken);
            // Only the owner ever sees their user-signing key: a change of it alone is theirs to know.
            onlyUserSigning = changed.All(k => k.Usage == KeyReader.UserSigning);
            if (onlyUserSigning) await deviceLists.RecordPrivateAsync(userId, userId, position.Position, cancellationToken);
            else await deviceLists.RecordAsync(userId, position.Position, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (onlyUserSigning) deviceLists.AnnouncePrivate(userId);
        else await deviceLists.AnnounceAsync(userId, new SigningKeysChanged(userId), cancellationToken);
        return Unit.Value;
    }
}

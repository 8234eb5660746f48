using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys.DeviceLists;
using Matrix.Homeserver.Keys.Query;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys.CrossSigning;

/// <summary>POST /keys/signatures/upload: {user ID: {key ID: signed object}}; answers the failures.</summary>
public sealed record UploadSignaturesCommand(Requester Requester, JsonObject Body) : ICommand<JsonObject>;

/// <summary>
/// Stores the caller's signatures that verify: their self-signing key over their own devices, their
/// devices over their own master key, and their user-signing key over other users' master keys. The
/// signed object must be the stored key. Each refused key is listed in failures; the rest are stored.
/// </summary>
public sealed class UploadSignaturesHandler(HomeserverDbContext db, UserKeyLocks locks, StreamIdGenerator streams, DeviceListTracker deviceLists)
    : ICommandHandler<UploadSignaturesCommand, JsonObject>
{
    public const int MaxSignedKeys = 1000;

    public async ValueTask<JsonObject> Handle(UploadSignaturesCommand command, CancellationToken cancellationToken)
    {
        var signer = command.Requester.UserId;
        var targets = new List<(string UserId, string KeyId, JsonObject Signed)>();
        foreach (var (userId, keys) in command.Body)
        {
            if (keys is not JsonObject map) throw MatrixException.BadJson("Each user maps key IDs to signed keys");
            foreach (var (keyId, signed) in map)
            {
                targets.Add((userId, keyId, signed as JsonObject ?? throw MatrixException.BadJson("Signed keys must be objects")));
            }
        }

        if (targets.Count > MaxSignedKeys) throw MatrixException.TooLarge($"At most {MaxSignedKeys} signed keys per upload");

        var failures = new JsonObject();
        var accepted = new List<CrossSigningSignature>();
        var ownKeys = (await db.CrossSigningKeys.AsNoTracking().Where(k => k.UserId == signer).ToListAsync(cancellationToken))
            .ToDictionary(k => k.KeyType, k => k.PublicKey, StringComparer.Ordinal);
        foreach (var (userId, keyId, signed) in targets)
        {
            try
            {
                accepted.AddRange(userId == signer
                    ? await CheckOwnKeyAsync(signer, keyId, signed, ownKeys, cancellationToken)
                    : await CheckOtherMasterKeyAsync(signer, userId, keyId, signed, ownKeys, cancellationToken));
            }
            catch (MatrixException e)
            {
                var user = failures[userId] as JsonObject ?? (JsonObject)(failures[userId] = new JsonObject())!;
                user[keyId] = new JsonObject { ["errcode"] = e.ErrCode, ["error"] = e.Message };
            }
        }

        if (accepted.Count > 0) await StoreAsync(signer, accepted, cancellationToken);
        return new JsonObject { ["failures"] = failures };
    }

    /// <summary>A device signed by the self-signing key, or the master key signed by the user's devices.</summary>
    private async Task<List<CrossSigningSignature>> CheckOwnKeyAsync(string userId, string keyId, JsonObject signed, Dictionary<string, string> ownKeys,
        CancellationToken cancellationToken)
    {
        if (ownKeys.GetValueOrDefault(KeyReader.Master) == keyId)
        {
            var master = await KeyReader.CrossSigningKeyAsync(db, userId, KeyReader.Master, cancellationToken);
            RequireSame(KeyJson.Parse(master!.Json), signed);
            var devices = await db.DeviceKeys.AsNoTracking().Where(k => k.UserId == userId).ToListAsync(cancellationToken);
            var found = new List<CrossSigningSignature>();
            foreach (var device in devices)
            {
                var signingKeyId = $"ed25519:{device.DeviceId}";
                if (signed["signatures"]?[userId]?[signingKeyId] is null) continue;
                var deviceKey = KeyJson.Ed25519Key(KeyJson.Parse(device.Json), device.DeviceId);
                found.Add(Verified(signed, userId, signingKeyId, deviceKey, userId, keyId));
            }

            return found.Count > 0 ? found : throw InvalidSignature("No signature by one of the user's devices");
        }

        var deviceKeys = await db.DeviceKeys.AsNoTracking().FirstOrDefaultAsync(k => k.UserId == userId && k.DeviceId == keyId, cancellationToken)
            ?? throw MatrixException.NotFound("No such device or key");
        RequireSame(KeyJson.Parse(deviceKeys.Json), signed);
        var selfSigning = ownKeys.GetValueOrDefault(KeyReader.SelfSigning) ?? throw MatrixException.MissingParam("No self-signing key uploaded");
        return [Verified(signed, userId, $"ed25519:{selfSigning}", selfSigning, userId, keyId)];
    }

    /// <summary>Another user's master key signed by the caller's user-signing key.</summary>
    private async Task<List<CrossSigningSignature>> CheckOtherMasterKeyAsync(string signer, string userId, string keyId, JsonObject signed,
        Dictionary<string, string> ownKeys, CancellationToken cancellationToken)
    {
        var master = await KeyReader.CrossSigningKeyAsync(db, userId, KeyReader.Master, cancellationToken);
        if (master is null || master.PublicKey != keyId) throw MatrixException.NotFound("Only the user's master key can be signed by another user");
        RequireSame(KeyJson.Parse(master.Json), signed);
        var userSigning = ownKeys.GetValueOrDefault(KeyReader.UserSigning) ?? throw MatrixException.MissingParam("No user-signing key uploaded");
        return [Verified(signed, signer, $"ed25519:{userSigning}", userSigning, userId, keyId)];
    }

    private static CrossSigningSignature Verified(JsonObject signed, string signer, string signerKeyId, string? publicKey, string targetUser, string targetKeyId)
    {
        if (publicKey is null || !KeyJson.HasValidSignature(signed, signer, signerKeyId, publicKey)) throw InvalidSignature($"Invalid signature by {signerKeyId}");
        return new CrossSigningSignature
        {
            SignerUserId = signer, SignerKeyId = signerKeyId, TargetUserId = targetUser, TargetKeyId = targetKeyId,
            Signature = signed["signatures"]![signer]![signerKeyId]!.GetValue<string>(),
        };
    }

    private static void RequireSame(JsonObject stored, JsonObject signed)
    {
        if (KeyJson.SignedPart(stored) != KeyJson.SignedPart(signed)) throw MatrixException.InvalidParam("The signed object is not the stored key");
    }

    private static MatrixException InvalidSignature(string message) => new(400, ErrorCodes.InvalidSignature, message);

    private async Task StoreAsync(string signer, List<CrossSigningSignature> signatures, CancellationToken cancellationToken)
    {
        var changedUsers = signatures.Select(s => s.TargetUserId).Distinct(StringComparer.Ordinal).ToList();
        using (await locks.AcquireAsync(signer, cancellationToken))
        {
            using var position = streams.Next();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var signature in signatures)
            {
                var existing = await db.CrossSigningSignatures.FirstOrDefaultAsync(s => s.TargetUserId == signature.TargetUserId && s.TargetKeyId == signature.TargetKeyId
                    && s.SignerUserId == signature.SignerUserId && s.SignerKeyId == signature.SignerKeyId, cancellationToken);
                if (existing is null) db.CrossSigningSignatures.Add(signature);
                else existing.Signature = signature.Signature;
            }

            await db.SaveChangesAsync(cancellationToken);
            foreach (var userId in changedUsers)
            {
                // A signature over another user's master key is the signer's private knowledge (so is the change).
                if (userId == signer) await deviceLists.RecordAsync(userId, position.Position, cancellationToken);
                else await deviceLists.RecordPrivateAsync(signer, userId, position.Position, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        // Signatures over the signer's own devices and master key go to everyone tracking them and to federation; one by
        // the user-signing key over another user's master key is private to the signer (no EDU, nobody else woken).
        if (changedUsers.Any(u => u != signer)) deviceLists.AnnouncePrivate(signer);
        foreach (var target in signatures.Where(s => s.TargetUserId == signer).GroupBy(s => s.TargetKeyId).Select(g => g.Key))
        {
            INotification notification = await db.DeviceKeys.AnyAsync(k => k.UserId == signer && k.DeviceId == target, cancellationToken)
                ? new DeviceListChanged(signer, target)
                : new SigningKeysChanged(signer);
            await deviceLists.AnnounceAsync(signer, notification, cancellationToken);
        }
    }
}

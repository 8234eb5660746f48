using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys.CrossSigning;
using Matrix.Homeserver.Keys.Query;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.KeysDeviceLists;

/// <summary>
/// Remote users' master and self-signing keys (from m.signing_key_update and /user/devices), kept in the
/// cross-signing key table beside local users' keys, so local users can sign them with their user-signing
/// key. A key of the wrong shape or owner is dropped, and so is a self-signing key its master did not sign.
/// </summary>
public static class RemoteCrossSigningKeys
{
    /// <summary>Stores what is valid, in the caller's transaction; true when something was stored.</summary>
    public static async Task<bool> StoreAsync(HomeserverDbContext db, string userId, JsonNode? master, JsonNode? selfSigning, CancellationToken cancellationToken)
    {
        var newMaster = Shape(master, KeyReader.Master, userId);
        if (newMaster is not null) await UpsertAsync(db, userId, newMaster, cancellationToken);
        var signer = newMaster;
        if (signer is null && await KeyReader.CrossSigningKeyAsync(db, userId, KeyReader.Master, cancellationToken) is { } stored)
        {
            signer = Shape(JsonNode.Parse(stored.Json), KeyReader.Master, userId);
        }

        var newSelfSigning = Shape(selfSigning, KeyReader.SelfSigning, userId);
        if (newSelfSigning is null || signer is null || !newSelfSigning.IsSignedBy(userId, signer)) return newMaster is not null;
        await UpsertAsync(db, userId, newSelfSigning, cancellationToken);
        return true;
    }

    private static SigningKeyShape? Shape(JsonNode? key, string usage, string userId)
    {
        if (key is not JsonObject obj) return null;
        try
        {
            return SigningKeyShape.Parse(obj, usage, userId, usage);
        }
        catch (MatrixException)
        {
            return null;
        }
    }

    private static async Task UpsertAsync(HomeserverDbContext db, string userId, SigningKeyShape key, CancellationToken cancellationToken)
    {
        var row = await db.CrossSigningKeys.FirstOrDefaultAsync(k => k.UserId == userId && k.KeyType == key.Usage, cancellationToken);
        if (row is null) db.CrossSigningKeys.Add(new CrossSigningKey { UserId = userId, KeyType = key.Usage, PublicKey = key.PublicKey, Json = key.Json.ToJsonString() });
        else
        {
            row.PublicKey = key.PublicKey;
            row.Json = key.Json.ToJsonString();
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}

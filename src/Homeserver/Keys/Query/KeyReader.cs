using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys.Query;

/// <summary>A user's cross-signing keys as another user may see them.</summary>
public sealed record CrossSigningKeySet(JsonObject? Master, JsonObject? SelfSigning, JsonObject? UserSigning);

/// <summary>
/// Reads local users' keys as clients receive them: device keys with unsigned.device_display_name,
/// cross-signing keys, and the signatures uploaded for them merged in. Signatures by another user's
/// user-signing key (over a master key) are shown only to that user, as is a user-signing key.
/// </summary>
public static class KeyReader
{
    public const string Master = "master";
    public const string SelfSigning = "self_signing";
    public const string UserSigning = "user_signing";

    /// <summary>Device keys of the users' devices; an empty device list means every device of that user.</summary>
    public static async Task<Dictionary<string, JsonObject>> DeviceKeysAsync(HomeserverDbContext db, IReadOnlyDictionary<string, IReadOnlyList<string>> wanted,
        CancellationToken cancellationToken)
    {
        var userIds = wanted.Keys.ToList();
        var rows = await db.DeviceKeys.AsNoTracking().Where(k => userIds.Contains(k.UserId))
            .Join(db.Devices, k => new { k.UserId, k.DeviceId }, d => new { d.UserId, d.DeviceId }, (k, d) => new { k.UserId, k.DeviceId, k.Json, d.DisplayName })
            .ToListAsync(cancellationToken);
        var signatures = await SignaturesAsync(db, userIds, cancellationToken);
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var userId in userIds) result[userId] = new JsonObject();
        foreach (var row in rows.OrderBy(r => r.DeviceId, StringComparer.Ordinal))
        {
            var devices = wanted[row.UserId];
            if (devices.Count > 0 && !devices.Contains(row.DeviceId)) continue;
            var keys = KeyJson.Parse(row.Json);
            MergeSignatures(keys, signatures, row.UserId, row.DeviceId, viewer: null);
            // Always an unsigned object, as Synapse answers (clients and SyTest read it), the name only when there is one.
            keys["unsigned"] = row.DisplayName is null ? new JsonObject() : new JsonObject { ["device_display_name"] = row.DisplayName };
            result[row.UserId][row.DeviceId] = keys;
        }

        return result;
    }

    /// <summary>The users' cross-signing keys as <paramref name="viewer"/> may see them.</summary>
    public static async Task<Dictionary<string, CrossSigningKeySet>> CrossSigningKeysAsync(HomeserverDbContext db, IReadOnlyCollection<string> userIds,
        string viewer, CancellationToken cancellationToken)
    {
        var rows = await db.CrossSigningKeys.AsNoTracking().Where(k => userIds.Contains(k.UserId)).ToListAsync(cancellationToken);
        var signatures = await SignaturesAsync(db, userIds, cancellationToken);
        var result = new Dictionary<string, CrossSigningKeySet>(StringComparer.Ordinal);
        foreach (var user in rows.GroupBy(r => r.UserId))
        {
            JsonObject? Key(string type)
            {
                var row = user.FirstOrDefault(r => r.KeyType == type);
                if (row is null) return null;
                var key = KeyJson.Parse(row.Json);
                MergeSignatures(key, signatures, user.Key, row.PublicKey, viewer);
                return key;
            }

            result[user.Key] = new CrossSigningKeySet(Key(Master), Key(SelfSigning), user.Key == viewer ? Key(UserSigning) : null);
        }

        return result;
    }

    /// <summary>One stored cross-signing key of a user, as stored (no merged signatures).</summary>
    public static async Task<CrossSigningKey?> CrossSigningKeyAsync(HomeserverDbContext db, string userId, string type, CancellationToken cancellationToken) =>
        await db.CrossSigningKeys.AsNoTracking().FirstOrDefaultAsync(k => k.UserId == userId && k.KeyType == type, cancellationToken);

    private static async Task<ILookup<(string, string), CrossSigningSignature>> SignaturesAsync(HomeserverDbContext db, IReadOnlyCollection<string> userIds,
        CancellationToken cancellationToken) =>
        (await db.CrossSigningSignatures.AsNoTracking().Where(s => userIds.Contains(s.TargetUserId)).ToListAsync(cancellationToken))
        .ToLookup(s => (s.TargetUserId, s.TargetKeyId));

    /// <param name="viewer">Null for device keys (every signature shown); otherwise only the owner's and the viewer's own signatures.</param>
    private static void MergeSignatures(JsonObject key, ILookup<(string, string), CrossSigningSignature> signatures, string userId, string keyId, string? viewer)
    {
        foreach (var signature in signatures[(userId, keyId)])
        {
            if (viewer is not null && signature.SignerUserId != userId && signature.SignerUserId != viewer) continue;
            KeyJson.AddSignature(key, signature.SignerUserId, signature.SignerKeyId, signature.Signature);
        }
    }
}

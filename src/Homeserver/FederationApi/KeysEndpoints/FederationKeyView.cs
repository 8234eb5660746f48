using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Keys.Query;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.FederationApi.KeysEndpoints;

/// <summary>
/// Local users' keys as other servers see them (Synapse's federation key queries): device keys with the
/// display name only when Homeserver:FederationKeys:AllowDeviceNameLookup allows it, and the master and
/// self-signing keys with their owner's signatures only (signatures by other users' user-signing keys,
/// and user-signing keys, stay private to their signers).
/// </summary>
public static class FederationKeyView
{
    /// <summary>No user ID equals it: cross-signing keys read as no particular user sees them.</summary>
    private const string NoViewer = "";

    /// <summary>400 unless every user is one of ours (Synapse: "User is not hosted on this homeserver").</summary>
    public static void RequireLocal(IEnumerable<string> userIds, string serverName)
    {
        if (userIds.Any(u => !UserIds.IsLocal(u, serverName))) throw MatrixException.InvalidParam("User is not hosted on this homeserver");
    }

    /// <summary>Device keys by user and device ID; an empty device list means every device of that user.</summary>
    public static async Task<Dictionary<string, JsonObject>> DeviceKeysAsync(HomeserverDbContext db, IReadOnlyDictionary<string, IReadOnlyList<string>> wanted,
        bool allowNames, CancellationToken cancellationToken)
    {
        var result = await KeyReader.DeviceKeysAsync(db, wanted, cancellationToken);
        foreach (var (_, keys) in result.Values.SelectMany(devices => devices))
        {
            // Clients get an unsigned object always; other servers only a name, when they may see names.
            if (keys is JsonObject device && (!allowNames || device[Unsigned] is JsonObject { Count: 0 })) device.Remove(Unsigned);
        }

        return result;
    }

    /// <summary>Device keys as /user/devices and m.device_list_update carry them: without unsigned, the display name apart.</summary>
    public static (JsonObject Keys, string? DisplayName) SplitDisplayName(JsonObject keys)
    {
        var copy = (JsonObject)keys.DeepClone();
        var name = KeyJson.StringValue(copy[Unsigned]?["device_display_name"]);
        copy.Remove(Unsigned);
        return (copy, name);
    }

    public static async Task<Dictionary<string, CrossSigningKeySet>> CrossSigningKeysAsync(HomeserverDbContext db, IReadOnlyCollection<string> userIds,
        CancellationToken cancellationToken) =>
        await KeyReader.CrossSigningKeysAsync(db, userIds, NoViewer, cancellationToken);

    private const string Unsigned = "unsigned";
}

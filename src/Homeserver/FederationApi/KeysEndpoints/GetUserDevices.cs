using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi.KeysEdus;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.FederationApi.KeysEndpoints;

/// <summary>GET /_matrix/federation/v1/user/devices/{userId}.</summary>
public sealed record GetUserDevicesQuery(string UserId) : IQuery<JsonObject>;

/// <summary>
/// A local user's devices with keys, their cross-signing keys, and the stream ID of the latest
/// m.device_list_update we sent for them: the starting point of the asking server's device-list cache.
/// </summary>
public sealed class GetUserDevicesHandler(HomeserverDbContext db, HomeserverOptions options) : IQueryHandler<GetUserDevicesQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetUserDevicesQuery query, CancellationToken cancellationToken)
    {
        var userId = query.UserId;
        FederationKeyView.RequireLocal([userId], options.ServerName);
        // The stream ID first: a change landing between the two reads is then sent again as an update the
        // asker applies, rather than skipped as one it already has.
        var streamId = await DeviceListStreams.CurrentAsync(db, userId, cancellationToken);
        var keys = await FederationKeyView.DeviceKeysAsync(db, new Dictionary<string, IReadOnlyList<string>> { [userId] = [] },
            options.FederationKeys.AllowDeviceNameLookup, cancellationToken);
        var devices = new JsonArray();
        foreach (var (deviceId, deviceKeys) in keys[userId])
        {
            var (signed, name) = FederationKeyView.SplitDisplayName(deviceKeys!.AsObject());
            var device = new JsonObject { ["device_id"] = deviceId, ["keys"] = signed };
            if (name is not null) device["device_display_name"] = name;
            devices.Add(device);
        }

        var answer = new JsonObject { ["user_id"] = userId, ["stream_id"] = streamId, ["devices"] = devices };
        if ((await FederationKeyView.CrossSigningKeysAsync(db, [userId], cancellationToken)).GetValueOrDefault(userId) is { } crossSigning)
        {
            if (crossSigning.Master is not null) answer["master_key"] = crossSigning.Master;
            if (crossSigning.SelfSigning is not null) answer["self_signing_key"] = crossSigning.SelfSigning;
        }

        return answer;
    }
}

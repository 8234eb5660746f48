using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.ToDevice;

/// <summary>
/// A device's waiting to-device messages. A sync from <c>since</c> acknowledges every message at or
/// before it (they were in the answer that gave the client that token), which deletes them; the
/// messages after it up to the answer's position are delivered, and again if the client retries the
/// same since.
/// </summary>
public static class ToDeviceInbox
{
    public static async Task<List<JsonObject>> TakeAsync(HomeserverDbContext db, string userId, string deviceId, long? since, long upTo, CancellationToken cancellationToken)
    {
        if (since is { } acknowledged)
        {
            await db.ToDeviceMessages.Where(m => m.UserId == userId && m.DeviceId == deviceId && m.StreamPosition <= acknowledged).ExecuteDeleteAsync(cancellationToken);
        }

        var rows = await db.ToDeviceMessages.AsNoTracking()
            .Where(m => m.UserId == userId && m.DeviceId == deviceId && m.StreamPosition <= upTo)
            .OrderBy(m => m.StreamPosition).ThenBy(m => m.Id).Select(m => m.Json).ToListAsync(cancellationToken);
        return rows.ConvertAll(json => JsonNode.Parse(json)!.AsObject());
    }

    /// <summary>
    /// A page of a device's messages after <paramref name="after"/> (those at or before it are deleted as
    /// acknowledged), for a device that does not sync (a dehydrated device). Returns the page and the
    /// position to continue from.
    /// </summary>
    public static async Task<(List<JsonObject> Events, long Next)> PageAsync(HomeserverDbContext db, string userId, string deviceId, long after, int limit,
        CancellationToken cancellationToken)
    {
        await db.ToDeviceMessages.Where(m => m.UserId == userId && m.DeviceId == deviceId && m.StreamPosition <= after).ExecuteDeleteAsync(cancellationToken);
        var rows = await db.ToDeviceMessages.AsNoTracking()
            .Where(m => m.UserId == userId && m.DeviceId == deviceId)
            .OrderBy(m => m.StreamPosition).ThenBy(m => m.Id).Take(limit).Select(m => new { m.Json, m.StreamPosition }).ToListAsync(cancellationToken);
        return (rows.ConvertAll(r => JsonNode.Parse(r.Json)!.AsObject()), rows.Count > 0 ? rows[^1].StreamPosition : after);
    }
}

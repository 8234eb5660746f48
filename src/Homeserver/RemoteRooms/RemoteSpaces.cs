using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Rooms.Remote;
using Matrix.Homeserver.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>
/// Other servers' spaces (GET /_matrix/federation/v1/hierarchy/{roomId}), for the client's space hierarchy walk over
/// rooms this server is not in. As Synapse: the via servers are asked in turn, an answer is kept for a few minutes
/// (so the pages of one walk see the same tree and ask once), and the children an answer describes are kept as
/// answers of their own, so a walk does not ask again about them. An answer about another room is ignored.
/// </summary>
public sealed class RemoteSpaces(FederationClient client, ILogger<RemoteSpaces> logger) : IDisposable
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(5);

    /// <summary>At most this many children of one answer are kept.</summary>
    public const int MaxChildren = 200;

    // Weighed by the answers' size (see CacheWeight), not counted: another server decides how large its answers
    // are (up to the federation client's 64 MiB), and ten thousand large ones would hold gigabytes for five minutes.
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    /// <summary>The room's summary (with its children_state) as one of the servers gives it; null when none does.</summary>
    public async Task<JsonObject?> GetAsync(string roomId, IReadOnlyList<string> servers, bool suggestedOnly, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue((roomId, suggestedOnly), out JsonObject? cached)) return (JsonObject)cached!.DeepClone();
        var path = FederationPath.WithQuery($"/_matrix/federation/v1/hierarchy/{FederationPath.Segment(roomId)}",
            [new("suggested_only", suggestedOnly ? "true" : "false")]);
        foreach (var server in servers.Take(RemoteServerChoice.MaxCandidates))
        {
            JsonObject answer;
            try
            {
                answer = await client.GetJsonAsync(server, path, cancellationToken: cancellationToken);
            }
            catch (FederationException e)
            {
                logger.LogInformation("{Server} gave no hierarchy of {RoomId}: {Reason}", server, roomId, e.Message);
                continue;
            }

            if (answer["room"] is not JsonObject room || IdOf(room) != roomId) continue;
            foreach (var child in (answer["children"] as JsonArray ?? []).OfType<JsonObject>().Take(MaxChildren))
            {
                // A child's own children are in its entry; only rooms the answer names as children are kept.
                if (IdOf(child) is { } childId && childId != roomId) Remember((childId, suggestedOnly), child);
            }

            Remember((roomId, suggestedOnly), room);
            return (JsonObject)room.DeepClone();
        }

        return null;
    }

    private void Remember((string, bool) key, JsonObject room) =>
        _cache.Set(key, room.DeepClone(), new MemoryCacheEntryOptions { Size = CacheWeight.OfJson(room.ToJsonString().Length), AbsoluteExpirationRelativeToNow = CacheLifetime });

    private static string? IdOf(JsonObject room) => room["room_id"] is JsonValue v && v.TryGetValue(out string? id) ? id : null;

    public void Dispose() => _cache.Dispose();
}

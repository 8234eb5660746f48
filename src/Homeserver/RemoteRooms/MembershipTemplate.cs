using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>A make_join/make_leave/make_knock template we accept: the room version and what our event takes from it.</summary>
public sealed record CheckedTemplate(RoomVersion Version, EventTemplate Event, IReferenceHashLookup? References);

/// <summary>
/// Checks a resident server's membership template before we build our event from it: a room version we support
/// (that knocks, for a knock), the event of our user's membership in the room we asked about, prev_events and
/// auth_events within the spec's bounds. From the template we take only the DAG position (prev_events, auth_events,
/// depth) and, for a restricted join, join_authorised_via_users_server, which must name a user of the resident
/// server (the server that will sign the join); the content is ours. The event is then built and signed by us.
/// </summary>
public static class MembershipTemplate
{
    /// <exception cref="RemoteAnswerException">The template is refused.</exception>
    public static CheckedTemplate Check(JsonObject answer, string server, string roomId, string userId, string membership, JsonObject content, long now)
    {
        var versionId = answer["room_version"] is null ? RoomVersions.V1.Id : Text(answer["room_version"]) ?? throw Refused(server, "room_version is not a string");
        var version = RoomVersions.Find(versionId)
            ?? throw Refused(server, $"the room version {versionId} is not supported",
                new MatrixException(400, ErrorCodes.UnsupportedRoomVersion, $"This server does not support the room version {versionId}"));
        if (membership == Memberships.Knock && !version.KnockJoinRule)
        {
            throw Refused(server, $"room version {versionId} has no knocking", new MatrixException(400, ErrorCodes.UnsupportedRoomVersion, "This room version does not support knocking"));
        }

        if (answer["event"] is not JsonObject template) throw Refused(server, "the template is missing");
        Expect(server, template, PduKeys.Type, EventTypes.Member);
        Expect(server, template, PduKeys.RoomId, roomId);
        Expect(server, template, PduKeys.Sender, userId);
        Expect(server, template, PduKeys.StateKey, userId);
        if (template[PduKeys.Content] is not JsonObject templateContent || Text(templateContent["membership"]) != membership)
        {
            throw Refused(server, $"the template is not a {membership}");
        }

        var ourContent = (JsonObject)content.DeepClone();
        ourContent["membership"] = membership;
        if (membership == Memberships.Join && version.RestrictedJoinRule && templateContent[AuthEventSelection.JoinAuthorisedViaKey] is { } via)
        {
            // The authorising server signs the join: it can only vouch through one of its own users.
            if (!UserId.TryParse(Text(via), out var authoriser, out _) || authoriser.Server.Value != server)
            {
                throw Refused(server, "join_authorised_via_users_server does not name a user of the resident server");
            }

            ourContent[AuthEventSelection.JoinAuthorisedViaKey] = authoriser.Value;
        }

        var prevEvents = References(server, template, PduKeys.PrevEvents, version, PduParser.MaxPrevEvents, out var prevHashes);
        var authEvents = References(server, template, PduKeys.AuthEvents, version, PduParser.MaxAuthEvents, out var authHashes);
        if (prevEvents.Count == 0) throw Refused(server, "the template has no prev_events");
        if (Integer(template[PduKeys.Depth]) is not { } depth || depth is < 1 or > PduParser.MaxDepth)
        {
            throw Refused(server, "the template's depth is not a valid integer");
        }

        var hashes = prevHashes.Concat(authHashes).GroupBy(h => h.Key).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        var built = new EventTemplate
        {
            Type = EventTypes.Member,
            StateKey = userId,
            Sender = userId,
            Content = ourContent,
            RoomId = roomId,
            PrevEvents = prevEvents,
            AuthEvents = authEvents,
            Depth = depth,
            OriginServerTs = now,
        };
        return new CheckedTemplate(version, built, version.EventFormat == EventFormat.V1 ? new GivenReferenceHashes(hashes) : null);
    }

    /// <summary>The event IDs of a reference list (v1/v2: [id, {"sha256": hash}] pairs, whose hashes we keep).</summary>
    private static List<string> References(string server, JsonObject template, string key, RoomVersion version, int max, out Dictionary<string, string> hashes)
    {
        hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (template[key] is not JsonArray array) throw Refused(server, $"{key} is not an array");
        if (array.Count > max) throw Refused(server, $"{key} has {array.Count} entries, at most {max} are allowed");
        var ids = new List<string>(array.Count);
        foreach (var item in array)
        {
            string? id;
            if (version.EventFormat == EventFormat.V1)
            {
                if (item is not JsonArray { Count: 2 } pair || Text(pair[0]) is not { } pairId || pair[1] is not JsonObject hash || Text(hash[PduKeys.Sha256]) is not { } sha256)
                {
                    throw Refused(server, $"{key} holds an entry that is not an [event ID, hashes] pair");
                }

                id = pairId;
                hashes[id] = sha256;
            }
            else
            {
                id = Text(item);
            }

            if (!Matrix.Federation.Identifiers.EventId.TryParse(id, out _, out _, version)) throw Refused(server, $"{key} holds an invalid event ID");
            if (!ids.Contains(id)) ids.Add(id);
        }

        return ids;
    }

    private static void Expect(string server, JsonObject template, string key, string expected)
    {
        if (Text(template[key]) != expected) throw Refused(server, $"the template's {key} is not {expected}");
    }

    private static long? Integer(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
        && long.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value : null;

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static RemoteAnswerException Refused(string server, string reason, MatrixException? forClient = null) =>
        new(server, $"refused membership template: {reason}", forClient);

    /// <summary>The reference hashes a v1/v2 template gives for the events it cites.</summary>
    private sealed class GivenReferenceHashes(Dictionary<string, string> hashes) : IReferenceHashLookup
    {
        public string? FindReferenceHash(string eventId) => hashes.GetValueOrDefault(eventId);
    }
}

using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Rooms.Aliases;

/// <summary>
/// m.room.canonical_alias content sent by a client: every alias it adds (alias or alt_aliases, compared
/// with the current event) must be well formed (400 M_INVALID_PARAM) and point to this room (400 M_BAD_ALIAS).
/// Aliases being removed or already present are not checked, as the spec says.
/// </summary>
public sealed class CanonicalAliasValidator(RoomAliases aliases)
{
    public const string BadAlias = "M_BAD_ALIAS";

    public async Task ValidateAsync(HomeserverDbContext db, string roomId, JsonObject content, Pdu? current, CancellationToken cancellationToken)
    {
        var added = new List<string>();
        if (content.TryGetPropertyValue("alias", out var alias) && alias is not null)
        {
            var value = JsonFields.String(content, "alias") ?? throw MatrixException.InvalidParam("alias must be a string");
            if (value != JsonFields.String(current, "alias")) added.Add(value);
        }

        if (content.TryGetPropertyValue("alt_aliases", out var alt) && alt is not null)
        {
            if (alt is not JsonArray list || list.Any(a => a is not JsonValue v || !v.TryGetValue(out string? _)))
            {
                throw MatrixException.InvalidParam("alt_aliases must be a list of strings");
            }

            var previous = JsonFields.Strings(current?.Content, "alt_aliases");
            added.AddRange(list.Select(a => a!.GetValue<string>()).Where(a => !previous.Contains(a)));
        }

        foreach (var value in added.Distinct())
        {
            if (!RoomAlias.TryParse(value, out var parsed, out _)) throw MatrixException.InvalidParam($"Invalid alias format: {value}");
            var resolved = await aliases.ResolveAsync(db, parsed, cancellationToken);
            if (resolved?.RoomId != roomId) throw new MatrixException(400, BadAlias, $"Room alias {value} does not point to the room");
        }
    }
}

using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Rooms.Aliases;

/// <summary>Edits of m.room.canonical_alias content when aliases go away (deleted, or moved by an upgrade).</summary>
public static class CanonicalAliasContent
{
    /// <summary>The content without <paramref name="removed"/> in alias or alt_aliases, or null if it names none of them.</summary>
    public static JsonObject? Without(JsonObject content, IReadOnlyCollection<string> removed)
    {
        var updated = (JsonObject)content.DeepClone();
        var changed = false;
        if (JsonFields.String(updated, "alias") is { } alias && removed.Contains(alias))
        {
            updated.Remove("alias");
            changed = true;
        }

        var alt = JsonFields.Strings(updated, "alt_aliases");
        if (alt.Any(removed.Contains))
        {
            var kept = alt.Where(a => !removed.Contains(a)).ToList();
            if (kept.Count > 0) updated["alt_aliases"] = new JsonArray([.. kept.Select(a => JsonValue.Create(a))]);
            else updated.Remove("alt_aliases");
            changed = true;
        }

        return changed ? updated : null;
    }

    /// <summary>The part of the content naming only <paramref name="kept"/>: what moves to a replacement room.</summary>
    public static JsonObject Only(JsonObject content, Func<string, bool> kept)
    {
        var result = new JsonObject();
        if (JsonFields.String(content, "alias") is { } alias && kept(alias)) result["alias"] = alias;
        var alt = JsonFields.Strings(content, "alt_aliases").Where(kept).ToList();
        if (alt.Count > 0) result["alt_aliases"] = new JsonArray([.. alt.Select(a => JsonValue.Create(a))]);
        return result;
    }
}

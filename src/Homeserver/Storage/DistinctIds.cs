namespace Matrix.Homeserver.Storage;

/// <summary>IDs without repeats, in their first order: the event loader's and the unread counts' inputs.</summary>
internal static class DistinctIds
{
    /// <summary>
    /// A short list (a woken long-poll's one event or room, mostly) is checked by scanning it, with no set made for it.
    /// </summary>
    public static List<string> Of(IReadOnlyCollection<string> ids)
    {
        var result = new List<string>(ids.Count);
        var seen = ids.Count > 8 ? new HashSet<string>(ids.Count, StringComparer.Ordinal) : null;
        foreach (var id in ids)
        {
            if (seen is null ? !result.Contains(id) : seen.Add(id)) result.Add(id);
        }

        return result;
    }
}

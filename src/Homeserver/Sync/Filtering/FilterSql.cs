using System.Linq.Expressions;
using Matrix.Homeserver.Accounts.Filters;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Filtering;

/// <summary>
/// The type and sender parts of a filter as SQL, so a timeline filtered to a few types reads only
/// matching rows instead of paging through everything else. Wildcards become LIKE patterns.
/// contains_url needs the content and is matched in memory.
/// </summary>
internal static class FilterSql
{
    private const string LikeEscape = "\\";

    /// <summary>Whether <see cref="Where"/> adds any condition.</summary>
    public static bool Constrains(EventFilter filter) =>
        filter.Types is not null || filter.NotTypes is { Count: > 0 } || filter.Senders is not null || filter.NotSenders is { Count: > 0 };

    public static IQueryable<Event> Where(IQueryable<Event> query, EventFilter filter)
    {
        if (filter.Types is { } types) query = query.Where(AnyType(types));
        if (filter.NotTypes is { Count: > 0 } notTypes) query = query.Where(PredicateBuilder.Not(AnyType(notTypes)));
        if (filter.Senders is { } senders) query = query.Where(e => senders.Contains(e.Sender));
        if (filter.NotSenders is { Count: > 0 } notSenders) query = query.Where(e => !notSenders.Contains(e.Sender));
        return query;
    }

    private static Expression<Func<Event, bool>> AnyType(IReadOnlyList<string> patterns)
    {
        var exact = patterns.Where(p => !p.Contains('*', StringComparison.Ordinal)).ToList();
        var parts = new List<Expression<Func<Event, bool>>> { e => exact.Contains(e.Type) };
        foreach (var like in patterns.Where(p => p.Contains('*', StringComparison.Ordinal)).Select(ToLike))
        {
            parts.Add(e => EF.Functions.Like(e.Type, like, LikeEscape));
        }

        return PredicateBuilder.Any(parts);
    }

    private static string ToLike(string pattern) =>
        pattern.Replace(@"\", @"\\", StringComparison.Ordinal)
            .Replace("%", @"\%", StringComparison.Ordinal)
            .Replace("_", @"\_", StringComparison.Ordinal)
            .Replace('*', '%');
}

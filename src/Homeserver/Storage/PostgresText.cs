using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Matrix.Homeserver.Storage;

/// <summary>
/// PostgreSQL's text refuses the NUL character (SQLite stores it), while JSON may carry it ("\u0000") in any string: a
/// display name, a device's name, an event type or a remote member's name from another server. The event JSON itself
/// keeps it, escaped; a value bound to a text column or parameter has each NUL replaced by U+FFFD instead, so such input
/// is stored (and looked up again the same way) rather than failing its whole write.
/// </summary>
internal static class PostgresText
{
    private const char Replacement = '\uFFFD';

    /// <summary>The value with NUL replaced in a string or in a string array's elements; anything else as it is.</summary>
    public static object? Clean(object? value) => value switch
    {
        string s when s.Contains('\0') => s.Replace('\0', Replacement),
        string?[] strings when Array.Exists(strings, s => s is not null && s.Contains('\0')) => Array.ConvertAll(strings, s => s?.Replace('\0', Replacement)),
        List<string> strings when strings.Exists(s => s is not null && s.Contains('\0')) => strings.ConvertAll(s => s?.Replace('\0', Replacement)),
        _ => value,
    };

    public static void Clean(DbParameterCollection parameters)
    {
        foreach (DbParameter parameter in parameters)
        {
            var value = parameter.Value;
            var clean = Clean(value);
            if (!ReferenceEquals(clean, value)) parameter.Value = clean;
        }
    }

    /// <summary>Cleans the parameters of every command EF Core runs (<see cref="RawSql"/> and <see cref="PostgresBatch"/> clean theirs).</summary>
    internal sealed class Interceptor : DbCommandInterceptor
    {
        public static readonly Interceptor Instance = new();

        public override DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result)
        {
            Clean(result.Parameters);
            return result;
        }
    }
}

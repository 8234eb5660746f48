using System.Text.Json.Nodes;
using Matrix.Federation.Identifiers;

namespace Matrix.Federation.Acl;

/// <summary>
/// The rules of an m.room.server_acl event, compiled once: IP literals refused when allow_ip_literals is false,
/// then deny wins, then allow, else deny. Ports are ignored and matching is case-insensitive. Compile one per
/// ACL event and keep it; checking a server is then cheap.
/// </summary>
public sealed class ServerAcl
{
    /// <summary>More entries than a 64 KiB event can hold; an ACL beyond it (from elsewhere) denies everyone.</summary>
    public const int MaxEntries = 16_384;

    // No server name is longer, so a pattern needing more literal characters can never match.
    private const int MaxHostLength = 255;

    private readonly HashSet<string> _exactDeny;
    private readonly GlobPattern[] _globDeny;
    private readonly HashSet<string> _exactAllow;
    private readonly GlobPattern[] _globAllow;

    private ServerAcl(bool allowIpLiterals, IReadOnlyList<string> allow, IReadOnlyList<string> deny)
    {
        AllowIpLiterals = allowIpLiterals;
        IsOverLimit = allow.Count > MaxEntries || deny.Count > MaxEntries;
        (_exactAllow, _globAllow) = Compile(IsOverLimit ? [] : allow);
        (_exactDeny, _globDeny) = Compile(IsOverLimit ? [] : deny);
    }

    public bool AllowIpLiterals { get; }

    /// <summary>The lists were too long to evaluate; every server is denied.</summary>
    public bool IsOverLimit { get; }

    /// <summary>
    /// Reads the event content as Synapse does: allow_ip_literals defaults to true (also when not a boolean),
    /// allow and deny default to empty (also when not arrays), and entries that are not strings are skipped.
    /// </summary>
    public static ServerAcl FromContent(JsonObject content)
    {
        var allowIpLiterals = content["allow_ip_literals"] is not JsonValue v || !v.TryGetValue(out bool b) || b;
        return new ServerAcl(allowIpLiterals, Strings(content["allow"]), Strings(content["deny"]));
    }

    public static ServerAcl Create(bool allowIpLiterals, IReadOnlyList<string> allow, IReadOnlyList<string> deny) =>
        new(allowIpLiterals, allow, deny);

    /// <summary>Whether the server may take part in the room. An invalid server name is denied.</summary>
    public bool IsAllowed(string serverName)
    {
        if (IsOverLimit || !ServerName.TryParse(serverName, out var name, out _)) return false;
        if (name.IsIpLiteral && !AllowIpLiterals) return false;

        var host = name.Host.ToLowerInvariant();
        if (Matches(host, _exactDeny, _globDeny)) return false;
        return Matches(host, _exactAllow, _globAllow);
    }

    private static bool Matches(string host, HashSet<string> exact, GlobPattern[] globs)
    {
        if (exact.Contains(host)) return true;
        foreach (var glob in globs)
        {
            if (glob.IsMatch(host)) return true;
        }

        return false;
    }

    private static (HashSet<string> Exact, GlobPattern[] Globs) Compile(IReadOnlyList<string> patterns)
    {
        var exact = new HashSet<string>(StringComparer.Ordinal);
        var globs = new List<GlobPattern>();
        foreach (var pattern in patterns.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (pattern.Length - pattern.AsSpan().Count('*') > MaxHostLength) continue;
            var glob = new GlobPattern(pattern);
            if (glob.HasWildcards) globs.Add(glob);
            else exact.Add(pattern.ToLowerInvariant());
        }

        return (exact, [.. globs]);
    }

    private static List<string> Strings(JsonNode? node)
    {
        var result = new List<string>();
        if (node is not JsonArray array) return result;
        foreach (var item in array)
        {
            if (item is JsonValue v && v.TryGetValue(out string? s)) result.Add(s);
        }

        return result;
    }
}

using System.Text.RegularExpressions;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// One entry of a registration's users, aliases or rooms namespace. The regex is anchored at the start only, as
/// Synapse matches it (Python's re.match), so registrations written for Synapse keep their meaning; it runs with a
/// timeout, since a registration's pattern is matched against every event's sender and members.
/// </summary>
public sealed class AppServiceNamespace
{
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private readonly Regex _regex;

    /// <exception cref="ArgumentException">The pattern is not a valid regular expression.</exception>
    public AppServiceNamespace(string pattern, bool exclusive)
    {
        Pattern = pattern;
        Exclusive = exclusive;
        _regex = new Regex($"^(?:{pattern})", RegexOptions.CultureInvariant, MatchTimeout);
    }

    public string Pattern { get; }
    public bool Exclusive { get; }

    /// <summary>Whether <paramref name="value"/> is in the namespace; a pattern that times out matches nothing.</summary>
    public bool Matches(string value)
    {
        try
        {
            return _regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}

/// <summary>The three namespaces of a registration.</summary>
public sealed record AppServiceNamespaces(
    IReadOnlyList<AppServiceNamespace> Users,
    IReadOnlyList<AppServiceNamespace> Aliases,
    IReadOnlyList<AppServiceNamespace> Rooms);

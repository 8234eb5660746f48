namespace Matrix.Homeserver.AppServices;

/// <summary>
/// One application service, as its registration file describes it. A class rather than a record: a record's
/// generated ToString would print the tokens into any log line that formats it.
/// </summary>
public sealed class AppServiceRegistration
{
    public required string Id { get; init; }

    /// <summary>Where the AS listens (its base URL); null for an AS that only uses the client API and gets nothing pushed.</summary>
    public string? Url { get; init; }

    /// <summary>What the AS presents to us (as a client access token).</summary>
    public required string AsToken { get; init; }

    /// <summary>What we present to the AS.</summary>
    public required string HsToken { get; init; }

    public required string SenderLocalpart { get; init; }

    /// <summary>The AS's own user, @sender_localpart:server_name; it exists from start-up.</summary>
    public required string SenderUserId { get; init; }

    public required AppServiceNamespaces Namespaces { get; init; }

    /// <summary>False exempts the AS's requests from rate limits.</summary>
    public bool RateLimited { get; init; } = true;

    /// <summary>Third-party protocols the AS bridges (answered through /thirdparty).</summary>
    public IReadOnlyList<string> Protocols { get; init; } = [];

    /// <summary>Whether transactions carry ephemeral events (typing, receipts, presence): MSC2409.</summary>
    public bool ReceiveEphemeral { get; init; }

    /// <summary>The registration file it came from (for messages).</summary>
    public string File { get; init; } = "";

    /// <summary>The AS's sender or a user of its users namespace.</summary>
    public bool IsInterestedInUser(string userId) => userId == SenderUserId || Matches(Namespaces.Users, userId);

    /// <summary>A user the AS owns: its sender or a user of an exclusive users namespace.</summary>
    public bool IsExclusiveUser(string userId) => userId == SenderUserId || MatchesExclusive(Namespaces.Users, userId);

    public bool IsInterestedInAlias(string alias) => Matches(Namespaces.Aliases, alias);

    public bool IsExclusiveAlias(string alias) => MatchesExclusive(Namespaces.Aliases, alias);

    public bool IsInterestedInRoom(string roomId) => Matches(Namespaces.Rooms, roomId);

    public override string ToString() => Id;

    private static bool Matches(IReadOnlyList<AppServiceNamespace> namespaces, string value)
    {
        foreach (var ns in namespaces)
        {
            if (ns.Matches(value)) return true;
        }

        return false;
    }

    private static bool MatchesExclusive(IReadOnlyList<AppServiceNamespace> namespaces, string value)
    {
        foreach (var ns in namespaces)
        {
            if (ns.Exclusive && ns.Matches(value)) return true;
        }

        return false;
    }
}

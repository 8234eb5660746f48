using System.Text;

namespace Matrix.Homeserver.Events.Search;

/// <summary>
/// A search term as words: runs of letters and digits, lower-cased, at most <see cref="MaxWords"/>.
/// Each word matches as a prefix and every word must match (Synapse's behaviour on both databases).
/// The words carry no query syntax, so they can be put into a full-text query safely.
/// </summary>
public sealed record SearchTerms(IReadOnlyList<string> Words)
{
    public const int MaxWords = 16;

    public static SearchTerms Parse(string term)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var rune in term.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                word.Append(rune.ToString());
                continue;
            }

            Flush();
        }

        Flush();
        return new SearchTerms(words.Distinct(StringComparer.Ordinal).Take(MaxWords).ToList());

        void Flush()
        {
            if (word.Length > 0) words.Add(word.ToString().ToLowerInvariant());
            word.Clear();
        }
    }

    public bool IsEmpty => Words.Count == 0;

    /// <summary>PostgreSQL to_tsquery text: every word as a prefix, all required.</summary>
    public string ToTsQuery() => string.Join(" & ", Words.Select(w => w + ":*"));

    /// <summary>SQLite FTS5 MATCH text: every word as a quoted prefix, all required.</summary>
    public string ToFts5Query() => string.Join(" AND ", Words.Select(w => "\"" + w + "\"*"));
}

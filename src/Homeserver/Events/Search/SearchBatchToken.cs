using System.Globalization;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Events.Search;

/// <summary>
/// Where the next batch of search results starts: for rank order the number of matches already
/// looked at ("rank_40"), for recent order the stream position of the last one ("recent_1234").
/// </summary>
public readonly record struct SearchBatchToken(SearchOrder Order, long Value)
{
    public override string ToString() => (Order == SearchOrder.Rank ? "rank_" : "recent_") + Value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The token of a request; one of the other order, or not ours, is 400 M_INVALID_PARAM.</summary>
    public static SearchBatchToken? Parse(string? text, SearchOrder order)
    {
        if (text is null) return null;
        var prefix = order == SearchOrder.Rank ? "rank_" : "recent_";
        if (text.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(prefix.Length), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            && (order == SearchOrder.Recent || value >= 0))
        {
            return new SearchBatchToken(order, value);
        }

        throw MatrixException.InvalidParam("Invalid next_batch token");
    }
}

namespace Matrix.Homeserver.Push.Rules;

/// <summary>
/// A compiled case-insensitive glob of a push rule (<c>*</c> any run, <c>?</c> one character), matched
/// against a whole value or, for <c>content.body</c>, against any run of the value that starts and ends
/// at a word boundary (spec: "event_match"; a boundary as in Synapse: the match may not split a word
/// at either end). Matching never backtracks: the pieces between stars are found leftmost in turn, and
/// only the first possible start of the first piece is tried (a later start can only leave less room),
/// so a match costs at most |value| × |pattern| whatever the pattern.
/// </summary>
public sealed class GlobMatcher
{
    private readonly Piece _first;
    private readonly Piece[] _rest;
    private readonly bool _hasStar;
    private readonly bool _endsWithStar;
    private readonly bool _words;

    private GlobMatcher(string lowered, bool words)
    {
        _words = words;
        var parts = lowered.Split('*');
        _first = Piece.Of(parts[0]);
        _rest = [.. parts.Skip(1).Where(p => p.Length > 0).Select(Piece.Of)];
        _hasStar = parts.Length > 1;
        _endsWithStar = _hasStar && parts[^1].Length == 0;
    }

    /// <summary>A glob matched against the whole value, or against words of it when <paramref name="words"/>.</summary>
    public static GlobMatcher Glob(string pattern, bool words) => new(pattern.ToLowerInvariant(), words);

    /// <summary>
    /// Whether literal <paramref name="text"/> (no wildcards: a display name, a localpart) appears as
    /// words of the value. Both are lower-cased, so case is ignored. Allocates nothing: it runs for every recipient of every event.
    /// </summary>
    /// <param name="lowered">The value, already lower-cased (invariant culture).</param>
    /// <param name="text">The text, lower-cased the same way.</param>
    public static bool ContainsWords(string lowered, string text)
    {
        if (text.Length == 0) return false;
        for (var from = 0; from <= lowered.Length - text.Length;)
        {
            var found = lowered.AsSpan(from).IndexOf(text, StringComparison.Ordinal);
            if (found < 0) return false;
            var start = from + found;
            if (IsBoundary(lowered, start) && IsBoundary(lowered, start + text.Length)) return true;
            from = start + 1;
        }

        return false;
    }

    /// <param name="lowered">The value, already lower-cased (invariant culture).</param>
    public bool IsMatch(string lowered)
    {
        if (!_hasStar) return FixedLengthMatch(lowered);
        if (_first.Text.Length == 0) return RestMatches(lowered, 0);
        for (var start = Find(_first, lowered, 0); start >= 0; start = Find(_first, lowered, start + 1))
        {
            if (IsStart(lowered, start)) return RestMatches(lowered, start + _first.Text.Length);
        }

        return false;
    }

    private bool FixedLengthMatch(string value)
    {
        var length = _first.Text.Length;
        if (!_words) return value.Length == length && PieceAt(_first, value, 0);
        for (var start = Find(_first, value, 0); start >= 0; start = Find(_first, value, start + 1))
        {
            if (IsBoundary(value, start) && IsBoundary(value, start + length)) return true;
        }

        return false;
    }

    /// <summary>Whether the pieces after the first star all fit, in order, from <paramref name="from"/> on.</summary>
    private bool RestMatches(string value, int from)
    {
        // "abc*": the star runs to the end of the value, which is a valid end in both modes.
        if (_rest.Length == 0) return true;
        var cursor = from;
        for (var i = 0; i < _rest.Length - 1; i++)
        {
            var at = Find(_rest[i], value, cursor);
            if (at < 0) return false;
            cursor = at + _rest[i].Text.Length;
        }

        var last = _rest[^1];
        if (_endsWithStar) return Find(last, value, cursor) >= 0;
        if (!_words)
        {
            var tail = value.Length - last.Text.Length;
            return tail >= cursor && PieceAt(last, value, tail);
        }

        for (var at = Find(last, value, cursor); at >= 0; at = Find(last, value, at + 1))
        {
            if (IsBoundary(value, at + last.Text.Length)) return true;
        }

        return false;
    }

    private bool IsStart(string value, int index) => !_words ? index == 0 : IsBoundary(value, index);

    private static int Find(Piece piece, string value, int from)
    {
        if (from > value.Length) return -1;
        if (piece.Plain)
        {
            var found = value.AsSpan(from).IndexOf(piece.Text, StringComparison.Ordinal);
            return found < 0 ? -1 : from + found;
        }

        for (var i = from; i + piece.Text.Length <= value.Length; i++)
        {
            if (PieceAt(piece, value, i)) return i;
        }

        return -1;
    }

    private static bool PieceAt(Piece piece, string value, int start)
    {
        var text = piece.Text;
        if (start + text.Length > value.Length) return false;
        if (piece.Plain) return value.AsSpan(start, text.Length).SequenceEqual(text);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '?' && text[i] != value[start + i]) return false;
        }

        return true;
    }

    /// <summary>A match may start or end here unless that would split a word (both neighbours are word characters).</summary>
    private static bool IsBoundary(string value, int index) =>
        index == 0 || index >= value.Length || !IsWordCharacter(value[index - 1]) || !IsWordCharacter(value[index]);

    /// <summary>The spec's word characters: [A-Za-z0-9_]; anything else is a word boundary.</summary>
    private static bool IsWordCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>A run of the glob between stars; plain when it holds no <c>?</c>, so a fast ordinal search finds it.</summary>
    private readonly record struct Piece(string Text, bool Plain)
    {
        public static Piece Of(string text) => new(text, !text.Contains('?', StringComparison.Ordinal));
    }
}

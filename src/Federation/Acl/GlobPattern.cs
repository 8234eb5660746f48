namespace Matrix.Federation.Acl;

/// <summary>
/// A compiled case-insensitive glob (appendix "Glob-style matching": <c>*</c> is any run, <c>?</c> one character).
/// The pattern is split at its stars and the pieces are found left to right, each at its leftmost place, which is
/// correct for globs and never backtracks: a match costs at most |name| x |pattern|, so no pattern is catastrophic.
/// </summary>
internal sealed class GlobPattern
{
    private readonly string[] _pieces;
    private readonly bool _anchoredStart;
    private readonly bool _anchoredEnd;
    private readonly int _minLength;

    public GlobPattern(string pattern)
    {
        var lowered = pattern.ToLowerInvariant();
        _pieces = lowered.Split('*', StringSplitOptions.RemoveEmptyEntries);
        _anchoredStart = !lowered.StartsWith('*');
        _anchoredEnd = !lowered.EndsWith('*');
        _minLength = _pieces.Sum(p => p.Length);
        HasWildcards = lowered.AsSpan().IndexOfAny('*', '?') >= 0;
    }

    public bool HasWildcards { get; }

    /// <param name="name">The candidate, already lower-cased.</param>
    public bool IsMatch(ReadOnlySpan<char> name)
    {
        if (name.Length < _minLength) return false;
        if (_pieces.Length == 0) return !_anchoredStart || name.IsEmpty;

        var first = 0;
        var last = _pieces.Length - 1;
        if (_anchoredStart)
        {
            if (!PieceAt(_pieces[0], name, 0)) return false;
            if (_pieces.Length == 1 && _anchoredEnd) return name.Length == _pieces[0].Length;
            name = name[_pieces[0].Length..];
            first = 1;
        }

        if (_anchoredEnd && last >= first)
        {
            var tail = _pieces[last];
            if (name.Length < tail.Length || !PieceAt(tail, name, name.Length - tail.Length)) return false;
            name = name[..^tail.Length];
            last--;
        }

        for (var i = first; i <= last; i++)
        {
            var at = Find(_pieces[i], name);
            if (at < 0) return false;
            name = name[(at + _pieces[i].Length)..];
        }

        return true;
    }

    private static int Find(string piece, ReadOnlySpan<char> name)
    {
        for (var start = 0; start + piece.Length <= name.Length; start++)
        {
            if (PieceAt(piece, name, start)) return start;
        }

        return -1;
    }

    private static bool PieceAt(string piece, ReadOnlySpan<char> name, int start)
    {
        if (start + piece.Length > name.Length) return false;
        for (var i = 0; i < piece.Length; i++)
        {
            if (piece[i] != '?' && piece[i] != name[start + i]) return false;
        }

        return true;
    }
}

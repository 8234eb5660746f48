namespace Matrix.Homeserver.Configuration;

/// <summary>
/// GET /media/preview_url makes the server fetch URLs chosen by users, so it is off by default.
/// Destinations in private, loopback, link-local and other special ranges are always refused unless
/// listed in <see cref="AllowedNetworks"/>.
/// </summary>
public sealed class UrlPreviewOptions
{
    public bool Enabled { get; set; }

    /// <summary>CIDR ranges exempt from the built-in block list (e.g. an intranet wiki); empty by default.</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>Most bytes of a page read for its metadata (the rest is ignored).</summary>
    public int MaxPageBytes { get; set; } = 1024 * 1024;

    /// <summary>Bound on fetching a page or its image, redirects included.</summary>
    public int TimeoutSeconds { get; set; } = 10;
}

using Matrix.Crypto;
using Matrix.Federation.Transport.Security;

namespace Matrix.Federation.Transport.Client;

/// <summary>Who we are and the limits of outbound federation requests.</summary>
public sealed class FederationClientOptions
{
    public required string OriginServerName { get; init; }
    public required SigningKey SigningKey { get; init; }

    /// <summary>When false, every request is refused before anything is sent (Homeserver:Federation:Enabled).</summary>
    public bool Enabled { get; init; } = true;

    public FederationDomainPolicy DomainPolicy { get; init; } = FederationDomainPolicy.AllowAll;

    /// <summary>Whole request time (discovery, connect, send, read) unless a call asks for another.</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest successful response body read, unless a call asks for another.</summary>
    public int MaxResponseBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Largest error body read (it is only looked at for errcode and error).</summary>
    public int MaxErrorBytes { get; init; } = 64 * 1024;
}

/// <summary>Per-call overrides of <see cref="FederationClientOptions"/>.</summary>
public sealed record FederationCallOptions(TimeSpan? Timeout = null, int? MaxResponseBytes = null);

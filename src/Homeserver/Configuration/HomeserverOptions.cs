namespace Matrix.Homeserver.Configuration;

/// <summary>Every setting of the server, bound from the "Homeserver" configuration section.</summary>
public sealed class HomeserverOptions
{
    public const string Section = "Homeserver";

    /// <summary>The name in every user ID and room alias (e.g. example.org); never change it after start.</summary>
    public string ServerName { get; set; } = "localhost";

    /// <summary>The URL clients use to reach the client API, published in /.well-known/matrix/client.</summary>
    public string? PublicBaseUrl { get; set; }

    public ListenersOptions Listeners { get; set; } = new();
    public DatabaseOptions Database { get; set; } = new();

    /// <summary>Synapse-format Ed25519 signing key file; generated on first start when missing.</summary>
    public string SigningKeyPath { get; set; } = "./data/signing.key";

    public RegistrationOptions Registration { get; set; } = new();
    public AuthOptions Auth { get; set; } = new();
    public RateLimitOptions RateLimits { get; set; } = new();
    public MediaOptions Media { get; set; } = new();
    public FederationOptions Federation { get; set; } = new();
    public FederationEventsOptions FederationEvents { get; set; } = new();
    public FederationKeysOptions FederationKeys { get; set; } = new();
    public SyncOptions Sync { get; set; } = new();
    public RoomsOptions Rooms { get; set; } = new();
    public FederationMembershipOptions FederationMembership { get; set; } = new();
    public PushOptions Push { get; set; } = new();
    public AppServicesOptions AppServices { get; set; } = new();
    public VoipOptions Voip { get; set; } = new();
    public SupportOptions Support { get; set; } = new();
    public ServerNoticesOptions ServerNotices { get; set; } = new();
    public DiagnosticsOptions Diagnostics { get; set; } = new();
    public MetricsOptions Metrics { get; set; } = new();
    public LogOptions Logging { get; set; } = new();
    public TracingOptions Tracing { get; set; } = new();
}

public sealed class ListenersOptions
{
    public ClientListenerOptions Client { get; set; } = new();
    public FederationListenerOptions Federation { get; set; } = new();
}

public sealed class ClientListenerOptions
{
    /// <summary>Where the client API (and /.well-known) is served, e.g. http://localhost:8008.</summary>
    public string Url { get; set; } = "http://localhost:8008";
}

public sealed class FederationListenerOptions
{
    /// <summary>Where the federation API is served, e.g. https://0.0.0.0:8448. Empty: no separate listener.</summary>
    public string? Url { get; set; }

    /// <summary>PEM certificate (chain) for the federation listener.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key of that certificate.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>Serve federation over plain HTTP (only behind a TLS-terminating proxy).</summary>
    public bool PlainHttp { get; set; }
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Provider connection string; for SQLite the default is ./data/homeserver.db.</summary>
    public string? ConnectionString { get; set; }
}

public enum RegistrationMode
{
    Closed,
    Open,
    Token,
}

public sealed class RegistrationOptions
{
    public RegistrationMode Mode { get; set; } = RegistrationMode.Closed;

    /// <summary>Secret for Synapse-compatible shared-secret registration (/_synapse/admin/v1/register); unset disables it.</summary>
    public string? SharedSecret { get; set; }

    /// <summary>Whether POST /register?kind=guest creates guest accounts (Synapse's allow_guest_access).</summary>
    public bool AllowGuests { get; set; }
}

public sealed class MediaOptions
{
    public string StorePath { get; set; } = "./data/media";

    /// <summary>Largest upload accepted, in bytes.</summary>
    public long MaxUploadBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>How many created-but-not-yet-uploaded media IDs (POST /media/v1/create) a user may hold at once.</summary>
    public int MaxPendingUploadsPerUser { get; set; } = 5;

    /// <summary>How long a created media ID waits for its content before it expires.</summary>
    public int PendingUploadExpiryMinutes { get; set; } = 24 * 60;

    /// <summary>Images with more pixels than this (read from the header) are never decoded for thumbnails.</summary>
    public long MaxThumbnailPixels { get; set; } = 32_000_000;

    /// <summary>Files larger than this are not thumbnailed.</summary>
    public long MaxThumbnailSourceBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Serve media uploaded (or cached) from now on only through the authenticated endpoints (spec 1.11 "freeze").</summary>
    public bool FreezeUnauthenticatedMedia { get; set; }

    public UrlPreviewOptions UrlPreview { get; set; } = new();
}

public sealed class DiagnosticsOptions
{
    /// <summary>When set, each distinct matched route is appended to this file (used by the spec coverage report).</summary>
    public string? RouteHitsFile { get; set; }
}

using FluentValidation;

namespace Matrix.Homeserver.Configuration;

/// <summary>Checks the settings at start-up; each failure names the setting by its configuration key.</summary>
public sealed class HomeserverOptionsValidator : AbstractValidator<HomeserverOptions>
{
    public HomeserverOptionsValidator()
    {
        RuleFor(o => o.ServerName)
            .Must(ServerNames.IsValid)
            .WithMessage(o => $"'{o.ServerName}' is not a valid server name (a DNS name or IP literal with an optional port)");

        RuleFor(o => o.PublicBaseUrl)
            .Must(u => u is null || IsHttpUrl(u))
            .WithMessage(o => $"'{o.PublicBaseUrl}' is not an absolute http(s) URL");

        RuleFor(o => o.Listeners.Client.Url)
            .Must(IsHttpUrl)
            .WithMessage(o => $"'{o.Listeners.Client.Url}' is not an absolute http(s) URL with a host");

        RuleFor(o => o.Listeners.Federation.Url)
            .Must(u => u is null || IsHttpUrl(u))
            .WithMessage(o => $"'{o.Listeners.Federation.Url}' is not an absolute http(s) URL with a host");

        When(o => NeedsCertificate(o.Listeners.Federation), () =>
        {
            RuleFor(o => o.Listeners.Federation.CertificatePath)
                .Must(File.Exists)
                .WithMessage(o => o.Listeners.Federation.CertificatePath is null
                    ? "is required for an https federation listener (or set PlainHttp behind a TLS proxy)"
                    : $"file '{o.Listeners.Federation.CertificatePath}' does not exist");
            RuleFor(o => o.Listeners.Federation.CertificateKeyPath)
                .Must(File.Exists)
                .WithMessage(o => o.Listeners.Federation.CertificateKeyPath is null
                    ? "is required for an https federation listener"
                    : $"file '{o.Listeners.Federation.CertificateKeyPath}' does not exist");
        });

        RuleFor(o => o.ServerNotices.SystemUserLocalpart)
            .Must(l => l is null || Accounts.UserIds.IsValidLocalpart(l))
            .WithMessage(o => $"'{o.ServerNotices.SystemUserLocalpart}' is not a valid localpart");

        RuleFor(o => o.Federation).SetValidator(new FederationOptionsValidator());
        RuleFor(o => o.FederationEvents).SetValidator(new FederationEventsOptionsValidator());
        RuleFor(o => o.FederationMembership).SetValidator(new FederationMembershipOptionsValidator());

        RuleFor(o => o.Database.ConnectionString)
            .NotEmpty()
            .When(o => o.Database.Provider == DatabaseProvider.Postgres)
            .WithMessage("is required when Homeserver:Database:Provider is Postgres");

        RuleFor(o => o.SigningKeyPath)
            .NotEmpty()
            .WithMessage("must name the signing key file");

        RuleFor(o => o.Media).SetValidator(new MediaOptionsValidator());
        RuleFor(o => o.Auth).SetValidator(new AuthOptionsValidator());
        RuleFor(o => o.RateLimits).SetValidator(new RateLimitOptionsValidator());
        RuleFor(o => o.Voip).SetValidator(new VoipOptionsValidator());
        RuleFor(o => o.Support).SetValidator(new SupportOptionsValidator());
        RuleFor(o => o.Sync).SetValidator(new SyncOptionsValidator());
        RuleFor(o => o.Rooms.DefaultRoomVersion)
            .Must(v => Matrix.Federation.Rooms.RoomVersions.Find(v) is not null)
            .WithMessage(o => $"'{o.Rooms.DefaultRoomVersion}' is not a room version this server supports");
        Include(new OperationsOptionsValidator());
    }

    private static bool NeedsCertificate(FederationListenerOptions f) =>
        f.Url is not null && !f.PlainHttp && f.Url.StartsWith("https:", StringComparison.OrdinalIgnoreCase);

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host);
}

using FluentValidation;
using Matrix.Crypto;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Transport.Discovery;
using Matrix.Federation.Transport.Security;

namespace Matrix.Homeserver.Configuration;

/// <summary>Checks Homeserver:Federation:* at start-up.</summary>
public sealed class FederationOptionsValidator : AbstractValidator<FederationOptions>
{
    public FederationOptionsValidator()
    {
        RuleForEach(o => o.ResolverOverrides)
            .Must(e => ServerName.IsValid(e.Key) && ServerTarget.TryParse(e.Value, out _))
            .WithMessage((_, e) => $"'{e.Key}' → '{e.Value}' must map a server name to host:port");

        RuleFor(o => o.TrustedCaPath)
            .Must(File.Exists).When(o => o.TrustedCaPath is not null)
            .WithMessage(o => $"file '{o.TrustedCaPath}' does not exist");

        RuleForEach(o => o.AllowedDomains).Must(FederationDomainPolicy.IsValidEntry).WithMessage((_, d) => $"'{d}' is not a server name or *.domain");
        RuleForEach(o => o.DeniedDomains).Must(FederationDomainPolicy.IsValidEntry).WithMessage((_, d) => $"'{d}' is not a server name or *.domain");

        RuleForEach(o => o.TrustedKeyServers).ChildRules(server =>
        {
            server.RuleFor(s => s.ServerName).Must(ServerName.IsValid).WithMessage(s => $"'{s.ServerName}' is not a server name");
            server.RuleFor(s => s.VerifyKeys).NotEmpty().WithMessage("must list the notary's keys ({KeyId, Key} entries)");
            server.RuleForEach(s => s.VerifyKeys)
                .Must(k => SigningKeyId.TryParse(k.KeyId, out var id) && id.IsEd25519 && VerifyKey.TryFromBase64(k.Key, out _))
                .WithMessage((_, k) => $"'{k.KeyId}' must be an ed25519 key ID with an unpadded base64 public key");
        });

        RuleFor(o => o.KeyValidityHours).InclusiveBetween(1, 24 * 7).WithMessage(o => $"{o.KeyValidityHours} must be between 1 and 168 hours");
        RuleFor(o => o.ConcurrentRequestsPerServer).InclusiveBetween(1, 1000).WithMessage(o => $"{o.ConcurrentRequestsPerServer} must be between 1 and 1000");
        RuleFor(o => o.QueuedRequestsPerServer).InclusiveBetween(0, 100000).WithMessage(o => $"{o.QueuedRequestsPerServer} must be between 0 and 100000");
        RuleFor(o => o.RequestTimeoutSeconds).InclusiveBetween(1, 3600).WithMessage(o => $"{o.RequestTimeoutSeconds} must be between 1 and 3600 seconds");
    }
}

using FluentValidation;

namespace Matrix.Homeserver.Configuration;

/// <summary>Start-up checks of Homeserver:Auth.</summary>
internal sealed class AuthOptionsValidator : AbstractValidator<AuthOptions>
{
    public AuthOptionsValidator()
    {
        // bcrypt's cost field is two digits; 4 is its minimum (tests), 31 its maximum.
        RuleFor(o => o.BcryptRounds).InclusiveBetween(4, 31)
            .WithMessage(o => $"{o.BcryptRounds} is not a bcrypt work factor between 4 and 31");
        RuleFor(o => o.MinPasswordLength).InclusiveBetween(0, PasswordLimits.MaxLength)
            .WithMessage(o => $"{o.MinPasswordLength} must be between 0 and {PasswordLimits.MaxLength}");
        RuleFor(o => o.RefreshableAccessTokenLifetimeMs).GreaterThan(0)
            .WithMessage(o => $"{o.RefreshableAccessTokenLifetimeMs} must be a positive number of milliseconds");
        RuleFor(o => o.LoginTokenLifetimeMs).GreaterThan(0)
            .WithMessage(o => $"{o.LoginTokenLifetimeMs} must be a positive number of milliseconds");
        RuleFor(o => o.UiaSessionLifetimeMs).GreaterThan(0)
            .WithMessage(o => $"{o.UiaSessionLifetimeMs} must be a positive number of milliseconds");
        RuleFor(o => o.MaxUiaSessions).GreaterThan(0)
            .WithMessage(o => $"{o.MaxUiaSessions} must be a positive number");
    }
}

/// <summary>Start-up checks of Homeserver:RateLimits.</summary>
internal sealed class RateLimitOptionsValidator : AbstractValidator<RateLimitOptions>
{
    public RateLimitOptionsValidator()
    {
        var policy = new RateLimitPolicyValidator();
        RuleFor(o => o.Login).SetValidator(policy);
        RuleFor(o => o.Register).SetValidator(policy);
        RuleFor(o => o.LoginToken).SetValidator(policy);
        RuleFor(o => o.Send).SetValidator(policy);
        RuleFor(o => o.Join).SetValidator(policy);
    }

    private sealed class RateLimitPolicyValidator : AbstractValidator<RateLimitPolicyOptions>
    {
        public RateLimitPolicyValidator()
        {
            RuleFor(o => o.PerSecond).GreaterThan(0)
                .WithMessage(o => $"{o.PerSecond} must be a positive rate");
            RuleFor(o => o.Burst).GreaterThan(0)
                .WithMessage(o => $"{o.Burst} must be at least 1");
        }
    }
}

/// <summary>Password size bounds shared by settings and request validation.</summary>
public static class PasswordLimits
{
    /// <summary>Longest password accepted (Synapse's limit); bcrypt itself reads only the first 72 bytes.</summary>
    public const int MaxLength = 512;
}

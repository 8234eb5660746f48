using FluentValidation;

namespace Matrix.Homeserver.Configuration;

/// <summary>Checks Homeserver:FederationMembership:* at start-up: every bound is positive.</summary>
public sealed class FederationMembershipOptionsValidator : AbstractValidator<FederationMembershipOptions>
{
    public FederationMembershipOptionsValidator()
    {
        RuleFor(o => o.MaxJoinEvents).GreaterThan(0).WithMessage(o => $"{o.MaxJoinEvents} must be positive");
        RuleFor(o => o.MaxJoinResponseMegabytes).InclusiveBetween(1, 2000).WithMessage(o => $"{o.MaxJoinResponseMegabytes} must be between 1 and 2000");
        RuleFor(o => o.JoinTimeoutSeconds).GreaterThan(0).WithMessage(o => $"{o.JoinTimeoutSeconds} must be positive");
    }
}

using FluentValidation;

namespace Matrix.Homeserver.Configuration;

/// <summary>Checks Homeserver:FederationEvents:* at start-up: every bound and time is positive.</summary>
public sealed class FederationEventsOptionsValidator : AbstractValidator<FederationEventsOptions>
{
    public FederationEventsOptionsValidator()
    {
        Positive(o => o.TransactionBudgetSeconds);
        Positive(o => o.InboundRoomConcurrency);
        Positive(o => o.PduTimeoutSeconds);
        Positive(o => o.MaxFetchedEvents);
        RuleFor(o => o.MissingEventsLimit).InclusiveBetween(1, 20).WithMessage(o => $"{o.MissingEventsLimit} must be between 1 and 20");
        RuleFor(o => o.BackfillLimit).InclusiveBetween(1, 100).WithMessage(o => $"{o.BackfillLimit} must be between 1 and 100");
        Positive(o => o.SenderConcurrency);
        Positive(o => o.SenderRequestTimeoutSeconds);
        Positive(o => o.SenderMinRetryMilliseconds);
        RuleFor(o => o.SenderMaxRetryMilliseconds).GreaterThanOrEqualTo(o => o.SenderMinRetryMilliseconds)
            .WithMessage(o => $"{o.SenderMaxRetryMilliseconds} must not be below SenderMinRetryMilliseconds");
    }

    private void Positive(System.Linq.Expressions.Expression<Func<FederationEventsOptions, int>> setting) =>
        RuleFor(setting).GreaterThan(0).WithMessage((_, value) => $"{value} must be positive");
}

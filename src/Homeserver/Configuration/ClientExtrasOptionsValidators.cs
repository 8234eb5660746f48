using FluentValidation;
using Matrix.Federation.Identifiers;

namespace Matrix.Homeserver.Configuration;

/// <summary>Homeserver:Voip: TURN URIs and exactly one way to give credentials.</summary>
public sealed class VoipOptionsValidator : AbstractValidator<VoipOptions>
{
    public VoipOptionsValidator()
    {
        RuleForEach(o => o.TurnUris)
            .Must(u => u.StartsWith("turn:", StringComparison.Ordinal) || u.StartsWith("turns:", StringComparison.Ordinal))
            .WithMessage((_, u) => $"'{u}' is not a turn: or turns: URI");
        RuleFor(o => o.TurnSharedSecret)
            .Null().When(o => o.TurnUsername is not null || o.TurnPassword is not null)
            .WithMessage("set either TurnSharedSecret or TurnUsername and TurnPassword, not both");
        RuleFor(o => o.TurnPassword)
            .NotEmpty().When(o => o.TurnUsername is not null)
            .WithMessage("is required with TurnUsername");
        RuleFor(o => o.TurnUserLifetimeSeconds).GreaterThan(0).WithMessage(o => $"{o.TurnUserLifetimeSeconds} must be positive");
    }
}

/// <summary>Homeserver:Support: each contact has a role and a way to reach them; the page is a URL.</summary>
public sealed class SupportOptionsValidator : AbstractValidator<SupportOptions>
{
    public SupportOptionsValidator()
    {
        RuleForEach(o => o.Contacts).ChildRules(contact =>
        {
            contact.RuleFor(c => c.Role).NotEmpty().WithMessage("is required");
            contact.RuleFor(c => c.MatrixId)
                .Must(id => id is null || UserId.IsValid(id))
                .WithMessage(c => $"'{c.MatrixId}' is not a valid user ID");
            contact.RuleFor(c => c.EmailAddress)
                .NotEmpty().When(c => c.MatrixId is null)
                .WithMessage("a contact needs a MatrixId or an EmailAddress");
        });
        RuleFor(o => o.SupportPage)
            .Must(u => u is null || (Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            .WithMessage(o => $"'{o.SupportPage}' is not an absolute http(s) URL");
    }
}

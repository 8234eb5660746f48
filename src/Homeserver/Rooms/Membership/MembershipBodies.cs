using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Rooms.Membership;

/// <summary>Body of /join, /leave and /knock.</summary>
public sealed record ReasonBody(string? Reason, JsonObject? ThirdPartySigned);

/// <summary>Body of /invite, /kick, /ban and /unban; /invite's third-party form has id_server, medium and address instead.</summary>
public sealed record TargetBody(string? UserId, string? Reason, string? IdServer, string? Medium, string? Address)
{
    public bool IsThirdParty => UserId is null && (IdServer is not null || Medium is not null || Address is not null);
}

internal sealed class TargetBodyValidator : AbstractValidator<TargetBody>
{
    public TargetBodyValidator()
    {
        RuleFor(b => b.UserId).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing user_id").When(b => !b.IsThirdParty);
        RuleFor(b => b.UserId).Must(u => Matrix.Federation.Identifiers.UserId.IsValid(u))
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage(b => $"'{b.UserId}' is not a valid user ID").When(b => b.UserId is not null);
    }
}

using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.FederationApi.Transactions;

/// <summary>The body of PUT /_matrix/federation/v1/send/{txnId}.</summary>
public sealed record TransactionBody(string? Origin, long? OriginServerTs, List<JsonObject>? Pdus, List<JsonObject>? Edus)
{
    /// <summary>The spec's limits on one transaction.</summary>
    public const int MaxPdus = 50;
    public const int MaxEdus = 100;
}

public sealed class TransactionBodyValidator : AbstractValidator<TransactionBody>
{
    public TransactionBodyValidator()
    {
        RuleFor(b => b.Origin).NotNull().WithErrorCode(ErrorCodes.BadJson).WithMessage("origin is required");
        RuleFor(b => b.OriginServerTs).NotNull().WithErrorCode(ErrorCodes.BadJson).WithMessage("origin_server_ts is required");
        RuleFor(b => b.Pdus).NotNull().WithErrorCode(ErrorCodes.BadJson).WithMessage("pdus is required");
        RuleFor(b => b.Pdus!.Count).LessThanOrEqualTo(TransactionBody.MaxPdus).When(b => b.Pdus is not null)
            .WithErrorCode(ErrorCodes.BadJson).WithMessage($"a transaction holds at most {TransactionBody.MaxPdus} PDUs");
        RuleFor(b => b.Edus!.Count).LessThanOrEqualTo(TransactionBody.MaxEdus).When(b => b.Edus is not null)
            .WithErrorCode(ErrorCodes.BadJson).WithMessage($"a transaction holds at most {TransactionBody.MaxEdus} EDUs");
    }
}

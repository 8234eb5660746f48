using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Push.Rules;
using Mediator;

namespace Matrix.Homeserver.Push.UserRules;

/// <summary>GET /pushrules/: <c>{"global": ruleset}</c>.</summary>
public sealed record GetPushRulesQuery(Requester Requester) : IQuery<JsonObject>;

/// <summary>
/// GET of one rule, or of one of its attributes (<see cref="Attribute"/> "enabled" or "actions") as
/// <c>{"enabled": ...}</c> / <c>{"actions": [...]}</c>.
/// </summary>
public sealed record GetPushRuleQuery(Requester Requester, string Kind, string RuleId, string? Attribute = null) : IQuery<JsonObject>;

/// <summary>The body of PUT /pushrules/global/{kind}/{ruleId}.</summary>
public sealed record PushRuleBody(JsonArray? Actions, JsonArray? Conditions, string? Pattern);

public sealed record PutPushRuleCommand(Requester Requester, string Kind, string RuleId, string? Before, string? After, PushRuleBody Body) : ICommand<Unit>;

public sealed record DeletePushRuleCommand(Requester Requester, string Kind, string RuleId) : ICommand<Unit>;

public sealed record EnabledBody(bool? Enabled);

public sealed record SetPushRuleEnabledCommand(Requester Requester, string Kind, string RuleId, EnabledBody Body) : ICommand<Unit>;

public sealed record ActionsBody(JsonArray? Actions);

public sealed record SetPushRuleActionsCommand(Requester Requester, string Kind, string RuleId, ActionsBody Body) : ICommand<Unit>;

/// <summary>Checks shared by every rule request: the kind names one of the five, the rule ID is usable in a path.</summary>
internal static class PushRuleValidation
{
    public static void RuleAddress<T>(this AbstractValidator<T> validator, Func<T, string> kind, Func<T, string> ruleId)
    {
        validator.RuleFor(c => kind(c)).Must(k => PushRuleKinds.TryParse(k, out _))
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage(c => $"Unknown push rule kind '{kind(c)}'");
        validator.RuleFor(c => ruleId(c)).Must(id => id.Length > 0 && !id.Contains('/', StringComparison.Ordinal) && !id.Contains('\\', StringComparison.Ordinal))
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage("rule_id may not contain slashes");
    }

    public static void Actions<T>(this AbstractValidator<T> validator, Func<T, JsonArray?> actions)
    {
        validator.RuleFor(c => actions(c)).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing 'actions'");
        validator.RuleFor(c => actions(c)).Must(a => a is null || PushActions.Validate(a) is null)
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage(c => PushActions.Validate(actions(c)!) ?? "");
    }

    public static PushRuleKind ParseKind(string kind) =>
        PushRuleKinds.TryParse(kind, out var parsed) ? parsed : throw MatrixException.InvalidParam($"Unknown push rule kind '{kind}'");
}

internal sealed class PutPushRuleValidator : AbstractValidator<PutPushRuleCommand>
{
    /// <summary>Conditions per rule: each is checked for every event the user may be notified of.</summary>
    public const int MaxConditions = 32;

    public PutPushRuleValidator()
    {
        this.RuleAddress(c => c.Kind, c => c.RuleId);
        RuleFor(c => c.RuleId).Must(id => !PushRuleStore.IsDefaultId(id))
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage("Rule IDs starting with '.' are reserved for server-default rules");
        this.Actions(c => c.Body.Actions);
        When(c => c.Kind == PushRuleKind.Content.Name(), () =>
            RuleFor(c => c.Body.Pattern).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Content rules need a 'pattern'"));
        When(c => PushRuleKinds.TryParse(c.Kind, out var kind) && kind.HasConditions() && c.Body.Conditions is not null, () =>
        {
            RuleFor(c => c.Body.Conditions!.Count).LessThanOrEqualTo(MaxConditions)
                .WithErrorCode(ErrorCodes.InvalidParam).WithMessage($"A rule may have at most {MaxConditions} conditions");
            RuleForEach(c => c.Body.Conditions).Must(c => c is JsonObject o && o["kind"] is JsonValue k && k.TryGetValue(out string? _))
                .WithErrorCode(ErrorCodes.InvalidParam).WithMessage("Each condition must be an object with a 'kind'");
        });
    }
}

internal sealed class DeletePushRuleValidator : AbstractValidator<DeletePushRuleCommand>
{
    public DeletePushRuleValidator() => this.RuleAddress(c => c.Kind, c => c.RuleId);
}

internal sealed class SetPushRuleEnabledValidator : AbstractValidator<SetPushRuleEnabledCommand>
{
    public SetPushRuleEnabledValidator()
    {
        this.RuleAddress(c => c.Kind, c => c.RuleId);
        RuleFor(c => c.Body.Enabled).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing 'enabled'");
    }
}

internal sealed class SetPushRuleActionsValidator : AbstractValidator<SetPushRuleActionsCommand>
{
    public SetPushRuleActionsValidator()
    {
        this.RuleAddress(c => c.Kind, c => c.RuleId);
        this.Actions(c => c.Body.Actions);
    }
}

public sealed class PushRuleHandlers(PushRuleStore store)
    : IQueryHandler<GetPushRulesQuery, JsonObject>,
      IQueryHandler<GetPushRuleQuery, JsonObject>,
      ICommandHandler<PutPushRuleCommand, Unit>,
      ICommandHandler<DeletePushRuleCommand, Unit>,
      ICommandHandler<SetPushRuleEnabledCommand, Unit>,
      ICommandHandler<SetPushRuleActionsCommand, Unit>
{
    public async ValueTask<JsonObject> Handle(GetPushRulesQuery query, CancellationToken cancellationToken) =>
        await store.GetPushRulesEventAsync(query.Requester.UserId, cancellationToken);

    public async ValueTask<JsonObject> Handle(GetPushRuleQuery query, CancellationToken cancellationToken)
    {
        var kind = PushRuleValidation.ParseKind(query.Kind);
        var rule = (await store.GetAsync(query.Requester.UserId, cancellationToken)).Find(kind, query.RuleId)
            ?? throw MatrixException.NotFound("The push rule was not found.");
        return query.Attribute switch
        {
            null => rule.ToJson(query.Requester.UserId),
            "enabled" => new JsonObject { ["enabled"] = rule.Enabled },
            _ => new JsonObject { ["actions"] = rule.Actions.Json.DeepClone() },
        };
    }

    public async ValueTask<Unit> Handle(PutPushRuleCommand command, CancellationToken cancellationToken)
    {
        var body = command.Body;
        await store.PutAsync(command.Requester.UserId, PushRuleValidation.ParseKind(command.Kind), command.RuleId,
            body.Conditions, body.Pattern, body.Actions!, command.Before, command.After, cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<Unit> Handle(DeletePushRuleCommand command, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(command.Requester.UserId, PushRuleValidation.ParseKind(command.Kind), command.RuleId, cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<Unit> Handle(SetPushRuleEnabledCommand command, CancellationToken cancellationToken)
    {
        await store.SetEnabledAsync(command.Requester.UserId, PushRuleValidation.ParseKind(command.Kind), command.RuleId, command.Body.Enabled!.Value, cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<Unit> Handle(SetPushRuleActionsCommand command, CancellationToken cancellationToken)
    {
        await store.SetActionsAsync(command.Requester.UserId, PushRuleValidation.ParseKind(command.Kind), command.RuleId, command.Body.Actions!, cancellationToken);
        return Unit.Value;
    }
}

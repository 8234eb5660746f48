using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Push.UserRules;

/// <summary>The push rules API (spec: "Push Rules: API"): the global ruleset, and each rule with its enabled and actions.</summary>
public static class PushRulesApi
{
    /// <param name="app">The client API's /_matrix/client/v3 group.</param>
    public static IEndpointRouteBuilder MapPushRulesApi(this IEndpointRouteBuilder app)
    {
        var rules = app.MapGroup("/pushrules");
        // The ruleset paths end in a slash, as the spec writes them; without it they are refused as Synapse refuses them
        // (404 for /pushrules, 400 below it), since routing would otherwise take either form.
        rules.MapGet("/", async (Requester requester, HttpRequest http, IMediator mediator, CancellationToken ct) =>
        {
            if (!EndsWithSlash(http)) throw MatrixException.Unrecognized();
            return Results.Json(await mediator.Send(new GetPushRulesQuery(requester), ct));
        });
        rules.MapGet("/global/", async (Requester requester, HttpRequest http, IMediator mediator, CancellationToken ct) =>
        {
            if (!EndsWithSlash(http)) throw Unrecognised();
            return Results.Json((await mediator.Send(new GetPushRulesQuery(requester), ct))["global"]);
        });
        rules.MapGet("/global/{kind}/", async (Requester requester, string kind, HttpRequest http, IMediator mediator, CancellationToken ct) =>
        {
            if (!EndsWithSlash(http)) throw Unrecognised();
            return Results.Json((await mediator.Send(new GetPushRulesQuery(requester), ct))["global"]?[kind] ?? throw Unrecognised());
        });
        // Anything else under /pushrules (another scope, a missing or empty rule ID, an unknown attribute): 400.
        rules.MapMethods("/{**rest}", [HttpMethods.Get, HttpMethods.Put, HttpMethods.Delete], IResult (Requester _, string? rest) => throw Unrecognised());

        var rule = rules.MapGroup("/global/{kind}/{ruleId}");
        rule.MapGet("", (Requester requester, string kind, string ruleId, IMediator mediator, CancellationToken ct) =>
            GetAsync(mediator, new GetPushRuleQuery(requester, kind, ruleId), ct));
        rule.MapPut("", async (Requester requester, string kind, string ruleId, string? before, string? after, HttpRequest http,
            IMediator mediator, IValidator<PutPushRuleCommand> validator, CancellationToken ct) =>
            await SendAsync(mediator, validator, new PutPushRuleCommand(requester, kind, ruleId, before, after, await JsonBody.ReadAsync<PushRuleBody>(http)), ct));
        rule.MapDelete("", (Requester requester, string kind, string ruleId, IMediator mediator, IValidator<DeletePushRuleCommand> validator, CancellationToken ct) =>
            SendAsync(mediator, validator, new DeletePushRuleCommand(requester, kind, ruleId), ct));

        rule.MapGet("/enabled", (Requester requester, string kind, string ruleId, IMediator mediator, CancellationToken ct) =>
            GetAsync(mediator, new GetPushRuleQuery(requester, kind, ruleId, "enabled"), ct));
        rule.MapPut("/enabled", async (Requester requester, string kind, string ruleId, HttpRequest http, IMediator mediator,
            IValidator<SetPushRuleEnabledCommand> validator, CancellationToken ct) =>
            await SendAsync(mediator, validator, new SetPushRuleEnabledCommand(requester, kind, ruleId, await JsonBody.ReadAsync<EnabledBody>(http)), ct));

        rule.MapGet("/actions", (Requester requester, string kind, string ruleId, IMediator mediator, CancellationToken ct) =>
            GetAsync(mediator, new GetPushRuleQuery(requester, kind, ruleId, "actions"), ct));
        rule.MapPut("/actions", async (Requester requester, string kind, string ruleId, HttpRequest http, IMediator mediator,
            IValidator<SetPushRuleActionsCommand> validator, CancellationToken ct) =>
            await SendAsync(mediator, validator, new SetPushRuleActionsCommand(requester, kind, ruleId, await JsonBody.ReadAsync<ActionsBody>(http)), ct));
        return app;
    }

    private static async Task<IResult> GetAsync(IMediator mediator, GetPushRuleQuery query, CancellationToken cancellationToken) =>
        Results.Json(await mediator.Send(query, cancellationToken));

    private static async Task<IResult> SendAsync<T>(IMediator mediator, IValidator<T> validator, T command, CancellationToken cancellationToken)
        where T : ICommand<Unit>
    {
        JsonBody.ThrowIfInvalid(validator.Validate(command));
        await mediator.Send(command, cancellationToken);
        return Results.Json(new JsonObject());
    }

    private static bool EndsWithSlash(HttpRequest http) => http.Path.Value?.EndsWith('/') == true;

    private static MatrixException Unrecognised() => new(400, ErrorCodes.Unrecognized, "Unrecognised request: not a push rule path");
}

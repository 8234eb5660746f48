using System.Text;
using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Push.Pushers;

public sealed record GetPushersQuery(Requester Requester) : IQuery<JsonObject>;

/// <summary>The body of POST /pushers/set.</summary>
public sealed record SetPusherBody(
    string? Pushkey,
    string? Kind,
    string? AppId,
    string? AppDisplayName,
    string? DeviceDisplayName,
    string? ProfileTag,
    string? Lang,
    JsonObject? Data,
    bool? Append);

/// <summary>
/// Creates, updates (<c>kind</c> "http") or deletes (<c>kind</c> null) a pusher.
/// <paramref name="KindGiven"/>: the body has a "kind" key (null is meaningful, absent is an error).
/// </summary>
public sealed record SetPusherCommand(Requester Requester, SetPusherBody Body, bool KindGiven) : ICommand<Unit>;

internal sealed class SetPusherValidator : AbstractValidator<SetPusherCommand>
{
    public const int MaxPushkeyBytes = 512;
    public const int MaxAppIdLength = 64;
    public const string NotifyPath = "/_matrix/push/v1/notify";

    public SetPusherValidator()
    {
        RuleFor(c => c.KindGiven).Equal(true).WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing parameter: kind");
        RuleFor(c => c.Body.AppId).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing parameter: app_id");
        RuleFor(c => c.Body.Pushkey).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing parameter: pushkey");
        RuleFor(c => c.Body.AppId!.Length).LessThanOrEqualTo(MaxAppIdLength).When(c => c.Body.AppId is not null)
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage($"app_id may be at most {MaxAppIdLength} characters");
        RuleFor(c => Encoding.UTF8.GetByteCount(c.Body.Pushkey!)).LessThanOrEqualTo(MaxPushkeyBytes).When(c => c.Body.Pushkey is not null)
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage($"pushkey may be at most {MaxPushkeyBytes} bytes");

        When(c => c.Body.Kind is not null, () =>
        {
            RuleFor(c => c.Body.Kind).Equal(PusherKinds.Http).WithErrorCode(ErrorCodes.InvalidParam).WithMessage(c => $"Unsupported pusher kind '{c.Body.Kind}'");
            RuleFor(c => c.Body.AppDisplayName).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing parameter: app_display_name");
            RuleFor(c => c.Body.DeviceDisplayName).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing parameter: device_display_name");
            RuleFor(c => c.Body.Lang).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing parameter: lang");
            RuleFor(c => c.Body.Data).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing parameter: data");
            When(c => c.Body.Data is not null, () =>
            {
                RuleFor(c => c.Body.Data!["url"]).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("'url' required in data for HTTP pusher");
                RuleFor(c => c.Body.Data!["url"]).Must(u => u is null || IsNotifyUrl(u)).WithErrorCode(ErrorCodes.InvalidParam)
                    .WithMessage($"'url' must be an absolute http(s) URL with the path {NotifyPath}");
            });
        });
    }

    private static bool IsNotifyUrl(JsonNode url) =>
        url is JsonValue v && v.TryGetValue(out string? text)
        && Uri.TryCreate(text, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.AbsolutePath == NotifyPath && string.IsNullOrEmpty(uri.UserInfo);
}

public static class PusherKinds
{
    public const string Http = "http";
}

public sealed class PusherHandlers(PusherService pushers) : IQueryHandler<GetPushersQuery, JsonObject>, ICommandHandler<SetPusherCommand, Unit>
{
    public async ValueTask<JsonObject> Handle(GetPushersQuery query, CancellationToken cancellationToken) =>
        new() { ["pushers"] = await pushers.ListAsync(query.Requester.UserId, cancellationToken) };

    public async ValueTask<Unit> Handle(SetPusherCommand command, CancellationToken cancellationToken)
    {
        var body = command.Body;
        if (body.Kind is null) await pushers.DeleteAsync(command.Requester.UserId, body.AppId!, body.Pushkey!, cancellationToken);
        else await pushers.SetAsync(command.Requester, body, cancellationToken);
        return Unit.Value;
    }
}

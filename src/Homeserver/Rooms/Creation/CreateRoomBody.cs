using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FluentValidation;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Rooms.Creation;

/// <summary>One entry of createRoom's initial_state.</summary>
public sealed record InitialStateEvent(string? Type, string? StateKey, JsonObject? Content);

/// <summary>The body of POST /createRoom.</summary>
public sealed record CreateRoomBody
{
    public string? Visibility { get; init; }
    public string? RoomAliasName { get; init; }
    public string? Name { get; init; }
    public string? Topic { get; init; }
    public IReadOnlyList<string>? Invite { get; init; }

    [JsonPropertyName("invite_3pid")]
    public IReadOnlyList<JsonObject>? Invite3Pid { get; init; }

    public string? RoomVersion { get; init; }
    public JsonObject? CreationContent { get; init; }
    public IReadOnlyList<InitialStateEvent>? InitialState { get; init; }
    public string? Preset { get; init; }
    public bool? IsDirect { get; init; }
    public JsonObject? PowerLevelContentOverride { get; init; }
}

internal sealed class CreateRoomBodyValidator : AbstractValidator<CreateRoomBody>
{
    public CreateRoomBodyValidator()
    {
        RuleFor(b => b.Visibility).Must(v => v is null or "public" or "private")
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage("visibility must be 'public' or 'private'");
        RuleFor(b => b.Preset).Must(p => p is null || RoomPresets.Find(p) is not null)
            .WithErrorCode(ErrorCodes.BadJson).WithMessage(b => $"'{b.Preset}' is not a valid preset");
        RuleFor(b => b.RoomAliasName).Must(n => !n!.Any(char.IsWhiteSpace))
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage("Invalid characters in room alias").When(b => b.RoomAliasName is not null);
        RuleFor(b => b.RoomAliasName).Must(n => !n!.Contains(':', StringComparison.Ordinal))
            .WithErrorCode(ErrorCodes.InvalidParam)
            .WithMessage("':' is not permitted in the room alias name: it is a local part ('wombat'), not '#wombat:example.com'")
            .When(b => b.RoomAliasName is not null);
        RuleForEach(b => b.Invite).Must(u => Matrix.Federation.Identifiers.UserId.IsValid(u))
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage((_, u) => $"Invalid user_id: {u}");
        RuleForEach(b => b.InitialState).Must(e => e.Type is not null && e.Content is not null)
            .WithErrorCode(ErrorCodes.BadJson).WithMessage("initial_state entries need a type and a content object");
    }
}

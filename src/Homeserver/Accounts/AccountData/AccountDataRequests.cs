using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Accounts.AccountData;

/// <summary>GET of one account data type (room null: global).</summary>
public sealed record GetAccountDataQuery(Requester Requester, string UserId, string? RoomId, string Type) : IQuery<JsonObject>;

/// <summary>PUT of one account data type (room null: global).</summary>
public sealed record SetAccountDataCommand(Requester Requester, string UserId, string? RoomId, string Type, JsonObject Content) : ICommand<Unit>;

public sealed record GetTagsQuery(Requester Requester, string UserId, string RoomId) : IQuery<JsonObject>;

/// <summary>Adds (Content set) or removes (Content null) one tag of a room.</summary>
public sealed record ChangeTagCommand(Requester Requester, string UserId, string RoomId, string Tag, JsonObject? Content) : ICommand<Unit>;

/// <summary>The account data types with special rules.</summary>
public static class AccountDataTypes
{
    public const string FullyRead = "m.fully_read";
    public const string PushRules = "m.push_rules";
    public const string Tag = "m.tag";

    /// <summary>Types the server manages; the spec has clients set them through their own APIs.</summary>
    public static bool IsServerManaged(string type) => type is FullyRead or PushRules;
}

public sealed class AccountDataHandlers(AccountDataService accountData)
    : IQueryHandler<GetAccountDataQuery, JsonObject>,
      ICommandHandler<SetAccountDataCommand, Unit>,
      IQueryHandler<GetTagsQuery, JsonObject>,
      ICommandHandler<ChangeTagCommand, Unit>
{
    /// <summary>The longest tag name (spec: Room Tagging).</summary>
    public const int MaxTagBytes = 255;

    public async ValueTask<JsonObject> Handle(GetAccountDataQuery query, CancellationToken cancellationToken)
    {
        CheckTarget(query.Requester, query.UserId, query.RoomId, "get");
        return await accountData.GetAsync(query.UserId, query.RoomId, query.Type, cancellationToken)
            ?? throw MatrixException.NotFound("Account data not found");
    }

    public async ValueTask<Unit> Handle(SetAccountDataCommand command, CancellationToken cancellationToken)
    {
        CheckTarget(command.Requester, command.UserId, command.RoomId, "add");
        if (AccountDataTypes.IsServerManaged(command.Type))
        {
            throw new MatrixException(405, ErrorCodes.BadJson, $"Cannot set {command.Type} through this API.");
        }

        await accountData.SetAsync(command.UserId, command.RoomId, command.Type, command.Content, cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<JsonObject> Handle(GetTagsQuery query, CancellationToken cancellationToken)
    {
        CheckTarget(query.Requester, query.UserId, query.RoomId, "get");
        var content = await accountData.GetAsync(query.UserId, query.RoomId, AccountDataTypes.Tag, cancellationToken);
        return new JsonObject { ["tags"] = Tags(content).DeepClone() };
    }

    public async ValueTask<Unit> Handle(ChangeTagCommand command, CancellationToken cancellationToken)
    {
        CheckTarget(command.Requester, command.UserId, command.RoomId, "add");
        if (System.Text.Encoding.UTF8.GetByteCount(command.Tag) > MaxTagBytes) throw MatrixException.InvalidParam($"Tag names may not exceed {MaxTagBytes} bytes");
        if (command.Content?["order"] is { } order && order.GetValueKind() != JsonValueKind.Number) throw MatrixException.InvalidParam("order must be a number");

        await accountData.UpdateAsync(command.UserId, command.RoomId, AccountDataTypes.Tag, current =>
        {
            var tags = Tags(current).DeepClone().AsObject();
            if (command.Content is null) tags.Remove(command.Tag);
            else tags[command.Tag] = command.Content.DeepClone();
            return new JsonObject { ["tags"] = tags };
        }, cancellationToken);
        return Unit.Value;
    }

    private static JsonObject Tags(JsonObject? tagEvent) => tagEvent?["tags"] as JsonObject ?? [];

    /// <summary>Only the owner reads or writes account data; room IDs must at least look like room IDs.</summary>
    private static void CheckTarget(Requester requester, string userId, string? roomId, string verb)
    {
        if (userId != requester.UserId) throw MatrixException.Forbidden($"Cannot {verb} account data for other users.");
        if (roomId is not null && !RoomIds.IsValid(roomId)) throw MatrixException.InvalidParam($"'{roomId}' is not a valid room ID");
    }
}

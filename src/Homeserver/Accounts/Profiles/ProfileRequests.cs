using System.Text.Json.Nodes;
using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Accounts.Profiles;

/// <summary>The whole profile, or the one-member object of <paramref name="Key"/>.</summary>
public sealed record GetProfileQuery(string UserId, string? Key) : IQuery<JsonObject>;

/// <summary>Sets (or deletes) one field of the caller's own profile.</summary>
public sealed record ChangeProfileCommand(Requester Requester, string UserId, string Key, bool Delete, JsonNode? Value) : ICommand<Unit>;

public sealed class ProfileHandlers(ProfileService profiles, IRemoteProfileLookup remote, HomeserverOptions options, AppServiceQueries appServiceQueries) : IQueryHandler<GetProfileQuery, JsonObject>, ICommandHandler<ChangeProfileCommand, Unit>
{
    public async ValueTask<JsonObject> Handle(GetProfileQuery query, CancellationToken cancellationToken)
    {
        if (!UserIds.IsValid(query.UserId)) throw MatrixException.InvalidParam("Invalid user ID");
        if (query.Key is { } key && !ProfileService.IsValidKey(key)) throw MatrixException.InvalidParam("Invalid profile key");
        if (!UserIds.IsLocal(query.UserId, options.ServerName)) return await remote.GetAsync(query.UserId, query.Key, cancellationToken);
        // An account without any profile field has no profile, as in Synapse and the spec's 404.
        var profile = await profiles.GetAsync(query.UserId, cancellationToken);
        // An application service may create a user of its namespace when asked about it.
        if (profile is null && await appServiceQueries.UserExistsAsync(query.UserId, cancellationToken)) profile = await profiles.GetAsync(query.UserId, cancellationToken);
        if (profile is null || profile.Count == 0) throw MatrixException.NotFound("Profile not found");
        if (query.Key is null) return profile;
        return profile.TryGetPropertyValue(query.Key, out var value)
            ? new JsonObject { [query.Key] = value?.DeepClone() }
            : throw MatrixException.NotFound("Profile field not found");
    }

    public async ValueTask<Unit> Handle(ChangeProfileCommand command, CancellationToken cancellationToken)
    {
        if (command.UserId != command.Requester.UserId) throw MatrixException.Forbidden("You may only change your own profile");
        // Guests may name themselves, nothing more (as in Synapse).
        if (command.Requester.IsGuest && command.Key != ProfileKeys.DisplayName)
        {
            throw new MatrixException(403, ErrorCodes.GuestAccessForbidden, "Guest access not allowed");
        }

        if (command.Delete) await profiles.DeleteAsync(command.UserId, command.Key, cancellationToken);
        else await profiles.SetAsync(command.UserId, command.Key, command.Value, cancellationToken);
        return Unit.Value;
    }
}

using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys.Remote;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Mediator;

namespace Matrix.Homeserver.Keys.Claim;

/// <summary>POST /keys/claim: {user ID: {device ID: algorithm}}.</summary>
public sealed record ClaimKeysCommand(Requester Requester, JsonObject OneTimeKeys, TimeSpan Timeout) : ICommand<JsonObject>;

/// <summary>Claims local users' keys (<see cref="LocalKeyClaims"/>) and asks other servers for theirs.</summary>
public sealed class ClaimKeysHandler(HomeserverDbContext db, IRemoteKeys remote, SyncNotifier notifier, KeyCountCache keyCounts, HomeserverOptions options)
    : ICommandHandler<ClaimKeysCommand, JsonObject>
{
    public const int MaxClaims = 1000;

    public async ValueTask<JsonObject> Handle(ClaimKeysCommand command, CancellationToken cancellationToken)
    {
        var (local, remoteUsers) = RemoteUsers.Split(command.OneTimeKeys, options.ServerName);
        var claims = LocalKeyClaims.Parse(local);
        if (claims.Count > MaxClaims) throw MatrixException.TooLarge($"At most {MaxClaims} keys per claim");
        var keys = await LocalKeyClaims.ClaimAsync(db, notifier, keyCounts, claims, cancellationToken);

        var (answers, failures) = await RemoteUsers.AskAsync(remoteUsers, (server, users) => remote.ClaimAsync(server, users, command.Timeout, cancellationToken));
        foreach (var (server, answer) in answers)
        {
            if (answer["one_time_keys"] is not JsonObject remoteKeys) continue;
            foreach (var (userId, devices) in remoteKeys)
            {
                if (devices is JsonObject && UserIds.TryParse(userId, out _, out var userServer) && userServer == server) keys[userId] = devices.DeepClone();
            }
        }

        return new JsonObject { ["one_time_keys"] = keys, ["failures"] = failures };
    }
}

using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Keys.Claim;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Mediator;

namespace Matrix.Homeserver.FederationApi.KeysEndpoints;

/// <summary>POST /_matrix/federation/v1/user/keys/claim: {"one_time_keys": {user ID: {device ID: algorithm}}}.</summary>
public sealed record ClaimUserKeysCommand(JsonObject Body) : ICommand<JsonObject>;

/// <summary>Claims local users' one-time (else fallback) keys for a remote server's user (400 when a user is not ours).</summary>
public sealed class ClaimUserKeysHandler(HomeserverDbContext db, SyncNotifier notifier, KeyCountCache keyCounts, HomeserverOptions options) : ICommandHandler<ClaimUserKeysCommand, JsonObject>
{
    public async ValueTask<JsonObject> Handle(ClaimUserKeysCommand command, CancellationToken cancellationToken)
    {
        if (command.Body["one_time_keys"] is not JsonObject byUser) throw MatrixException.MissingParam("one_time_keys must be an object");
        FederationKeyView.RequireLocal(byUser.Select(u => u.Key), options.ServerName);
        var claims = LocalKeyClaims.Parse(byUser);
        if (claims.Count > ClaimKeysHandler.MaxClaims) throw MatrixException.TooLarge($"At most {ClaimKeysHandler.MaxClaims} keys per claim");
        return new JsonObject { ["one_time_keys"] = await LocalKeyClaims.ClaimAsync(db, notifier, keyCounts, claims, cancellationToken) };
    }
}

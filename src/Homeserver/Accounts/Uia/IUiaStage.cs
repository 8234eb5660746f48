using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Accounts.Uia;

/// <summary>What a stage sees of the attempt: the session, the request, and the database transaction it runs in.</summary>
public sealed record UiaStageContext(string SessionId, UiaRequest Request, HomeserverDbContext Db);

/// <summary>One auth type. Stages are singletons registered in DI; the service finds them by <see cref="Type"/>.</summary>
public interface IUiaStage
{
    string Type { get; }

    /// <summary>
    /// Checks the client's auth dict and returns what the stage established (kept with the session,
    /// e.g. the authenticated user ID). Runs inside a transaction that also records the completion.
    /// </summary>
    /// <exception cref="UiaStageException">The attempt failed; the client gets a 401 with the errcode.</exception>
    Task<string?> CheckAsync(UiaStageContext context, JsonObject auth, CancellationToken cancellationToken);

    /// <summary>
    /// Called in the transaction that ends a session this stage completed: <paramref name="consumed"/>
    /// when the operation it authorised ran, false when the session expired unused.
    /// </summary>
    Task OnSessionEndAsync(HomeserverDbContext db, string? result, bool consumed, CancellationToken cancellationToken) => Task.CompletedTask;
}

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Uia;

/// <summary>
/// The User-Interactive Authentication API for any endpoint that needs it:
/// <code>await uia.RequireAsync(UiaRequest.From(http, body.Auth, requester), flows, "delete devices", intent, ct);</code>
/// returns once the client has completed every stage of one flow, and otherwise throws the spec's 401
/// answer. Sessions live in the database (any worker can continue them), expire, are bounded in
/// number (the oldest make room), and are bound to the operation that started them: the same method, path, user and intent.
/// </summary>
public sealed class UserInteractiveAuth(HomeserverDbContext db, IEnumerable<IUiaStage> stages, AuthOptions options, AccountExpiries expiries, TimeProvider clock)
{
    private readonly Dictionary<string, IUiaStage> _stages = stages.ToDictionary(s => s.Type, StringComparer.Ordinal);

    /// <summary>
    /// Authenticates the request and uses up its session, so the same session cannot authorise the
    /// operation twice. <paramref name="intent"/> names what the request asks for beyond its path
    /// (e.g. the device IDs to delete); a session started for one intent does not serve another.
    /// </summary>
    /// <exception cref="UiaRequiredException">401: the flows, the session and what is completed so far.</exception>
    public async Task<UiaResult> RequireAsync(UiaRequest request, IReadOnlyList<UiaFlow> flows, string description, string? intent = null,
        CancellationToken cancellationToken = default)
    {
        var result = await CheckAsync(request, flows, description, intent, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await ConsumeAsync(result, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// Authenticates the request but leaves the session open: the caller runs its operation and calls
    /// <see cref="ConsumeAsync"/> in the same transaction (registration does, so a failed insert leaves
    /// the session and its registration token reservation in place for another try).
    /// </summary>
    public async Task<UiaResult> CheckAsync(UiaRequest request, IReadOnlyList<UiaFlow> flows, string description, string? intent,
        CancellationToken cancellationToken)
    {
        var auth = request.Auth;
        var intentHash = intent is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(intent));
        var session = auth?["session"] is { } sessionNode
            ? await LoadSessionAsync(sessionNode, request, intentHash, cancellationToken)
            : await StartSessionAsync(request, intentHash, description, cancellationToken);

        if (session.Finished) return new UiaResult(session.SessionId, new Dictionary<string, string?>()) { Finished = true };
        if (auth is null) throw new UiaRequiredException(session.SessionId, flows, []);

        var completed = await CompletedAsync(session.SessionId, cancellationToken);
        string? failedCode = null, failure = null;
        if (auth["type"] is { } typeNode)
        {
            try
            {
                await AttemptStageAsync(session.SessionId, request, flows, typeNode, auth, completed, cancellationToken);
            }
            catch (UiaStageException e)
            {
                (failedCode, failure) = (e.ErrCode, e.Message);
            }
        }

        if (failedCode is null && flows.Any(f => f.Stages.All(completed.ContainsKey)))
        {
            return new UiaResult(session.SessionId, completed);
        }

        throw new UiaRequiredException(session.SessionId, flows, completed.Keys, failedCode, failure);
    }

    /// <summary>Ends a completed session because its operation ran; call inside the operation's transaction.</summary>
    /// <exception cref="MatrixException">400 when the session was already used (a concurrent retry).</exception>
    public async Task ConsumeAsync(UiaResult result, CancellationToken cancellationToken)
    {
        var removed = await db.UiaSessions.Where(s => s.SessionId == result.SessionId).ExecuteDeleteAsync(cancellationToken);
        if (removed == 0) throw UnknownSession();
        await EndStagesAsync(result, cancellationToken);
    }

    /// <summary>
    /// As <see cref="ConsumeAsync"/>, but the session stays till it expires, finished: a retry with it is answered by the
    /// operation's outcome (<see cref="UiaResult.Finished"/>) instead of a new run, as Synapse makes registration idempotent.
    /// </summary>
    public async Task FinishAsync(UiaResult result, CancellationToken cancellationToken)
    {
        var finished = await db.UiaSessions.Where(s => s.SessionId == result.SessionId && !s.Finished)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Finished, true), cancellationToken);
        if (finished == 0) throw UnknownSession();
        await EndStagesAsync(result, cancellationToken);
    }

    /// <summary>What an operation keeps with its session (an empty object at first).</summary>
    public async Task<JsonObject> GetDataAsync(string sessionId, CancellationToken cancellationToken)
    {
        var data = await db.UiaSessions.AsNoTracking().Where(s => s.SessionId == sessionId).Select(s => s.Data).FirstOrDefaultAsync(cancellationToken);
        return data is null ? [] : JsonNode.Parse(data) as JsonObject ?? [];
    }

    public Task SetDataAsync(string sessionId, JsonObject data, CancellationToken cancellationToken)
    {
        var json = data.ToJsonString();
        return db.UiaSessions.Where(s => s.SessionId == sessionId).ExecuteUpdateAsync(s => s.SetProperty(x => x.Data, json), cancellationToken);
    }

    /// <summary>Lets the completed stages release or use up what they hold (a registration token's use) and forgets them.</summary>
    private async Task EndStagesAsync(UiaResult result, CancellationToken cancellationToken)
    {
        await db.UiaSessionStages.Where(s => s.SessionId == result.SessionId).ExecuteDeleteAsync(cancellationToken);
        foreach (var (stage, value) in result.Completed)
        {
            if (_stages.TryGetValue(stage, out var handler)) await handler.OnSessionEndAsync(db, value, consumed: true, cancellationToken);
        }
    }

    /// <summary>Deletes up to <paramref name="batch"/> expired sessions, letting their stages release what they hold.</summary>
    public Task<int> ExpireAsync(int batch, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        return EndAsync(db.UiaSessions.Where(s => s.ExpiresTs <= now).OrderBy(s => s.ExpiresTs), batch, cancellationToken);
    }

    /// <summary>Ends the first <paramref name="batch"/> sessions of <paramref name="which"/> unused, in one transaction.</summary>
    private async Task<int> EndAsync(IQueryable<UiaSession> which, int batch, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var ended = await which.Take(batch).Select(s => s.SessionId).ToListAsync(cancellationToken);
        if (ended.Count == 0) return 0;
        var held = await db.UiaSessionStages.Where(s => ended.Contains(s.SessionId)).ToListAsync(cancellationToken);
        foreach (var stage in held)
        {
            if (_stages.TryGetValue(stage.Stage, out var handler)) await handler.OnSessionEndAsync(db, stage.Result, consumed: false, cancellationToken);
        }

        await db.UiaSessionStages.Where(s => ended.Contains(s.SessionId)).ExecuteDeleteAsync(cancellationToken);
        await db.UiaSessions.Where(s => ended.Contains(s.SessionId)).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ended.Count;
    }

    private async Task<UiaSession> StartSessionAsync(UiaRequest request, byte[]? intentHash, string description, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        // Bounded: at the limit the oldest sessions make room. Refusing new ones instead would let a
        // flood of challenges lock everyone out until the flood's sessions expire.
        var excess = await db.UiaSessions.CountAsync(cancellationToken) - options.MaxUiaSessions + 1;
        if (excess > 0) await EndAsync(db.UiaSessions.OrderBy(s => s.CreatedTs), excess, cancellationToken);

        var session = new UiaSession
        {
            SessionId = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18)),
            Method = request.Method,
            Path = request.Path,
            UserId = request.Requester?.UserId,
            IntentHash = intentHash,
            Description = description,
            CreatedTs = now,
            ExpiresTs = now + options.UiaSessionLifetimeMs,
        };
        db.UiaSessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        expiries.Note(session.ExpiresTs);
        return session;
    }

    private async Task<UiaSession> LoadSessionAsync(JsonNode sessionNode, UiaRequest request, byte[]? intentHash, CancellationToken cancellationToken)
    {
        var sessionId = sessionNode.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? sessionNode.GetValue<string>()
            : throw MatrixException.BadJson("auth.session must be a string");
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var session = await db.UiaSessions.AsNoTracking().FirstOrDefaultAsync(s => s.SessionId == sessionId, cancellationToken);
        if (session is null || session.ExpiresTs <= now) throw UnknownSession();

        // As Synapse: a session cannot be carried over to another operation or another user.
        var sameIntent = session.IntentHash is null ? intentHash is null : intentHash is not null && session.IntentHash.AsSpan().SequenceEqual(intentHash);
        if (session.Method != request.Method || session.Path != request.Path || session.UserId != request.Requester?.UserId || !sameIntent)
        {
            throw MatrixException.Forbidden("Requested operation has changed during the UI authentication session.");
        }

        return session;
    }

    private async Task<Dictionary<string, string?>> CompletedAsync(string sessionId, CancellationToken cancellationToken) =>
        await db.UiaSessionStages.AsNoTracking().Where(s => s.SessionId == sessionId)
            .ToDictionaryAsync(s => s.Stage, s => s.Result, StringComparer.Ordinal, cancellationToken);

    /// <summary>Runs the stage the client attempts, if a flow offers it next, and records its completion.</summary>
    private async Task AttemptStageAsync(string sessionId, UiaRequest request, IReadOnlyList<UiaFlow> flows, JsonNode typeNode, JsonObject auth,
        Dictionary<string, string?> completed, CancellationToken cancellationToken)
    {
        var type = typeNode.GetValueKind() == System.Text.Json.JsonValueKind.String ? typeNode.GetValue<string>() : "";
        // A completed stage is not run again (spec): the answer is the 401 with it completed, or the result.
        if (completed.ContainsKey(type)) return;
        // Flows are followed in order: a stage counts only when every stage before it in some flow is done.
        var offered = flows.Any(f => f.Stages.Contains(type) && f.Stages.TakeWhile(s => s != type).All(completed.ContainsKey));
        if (!offered || !_stages.TryGetValue(type, out var stage))
        {
            throw new UiaStageException(ErrorCodes.Unrecognized, $"Auth type '{type}' is not offered at this point");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var result = await stage.CheckAsync(new UiaStageContext(sessionId, request, db), auth, cancellationToken);
        db.UiaSessionStages.Add(new UiaSessionStage { SessionId = sessionId, Stage = type, Result = result });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        completed[type] = result;
    }

    private static MatrixException UnknownSession() => new(400, ErrorCodes.Unknown, "Unknown or expired session ID");
}

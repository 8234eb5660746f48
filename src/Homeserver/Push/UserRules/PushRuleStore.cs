using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Push.Rules;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Matrix.Homeserver.Push.UserRules;

/// <summary>
/// Each user's push rules: the server defaults merged with the user's own rules and changes, cached
/// as compiled <see cref="PushRuleSet"/>s (every event evaluates them for every local member). After
/// every change the whole ruleset is written as the user's m.push_rules account data, which gives it a
/// stream position: sync sends it with the rest of the account data, and GET account_data reads it.
/// </summary>
public sealed class PushRuleStore(IDbContextFactory<HomeserverDbContext> dbFactory, IServiceScopeFactory scopes) : IDisposable
{
    /// <summary>Own rules per user: each is evaluated for every event the user may be notified of.</summary>
    public const int MaxUserRules = 500;

    private const int UsersPerQuery = 500;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 50_000 });

    // The keyed lock of the room writer, used per user here: one rule change per user at a time.
    private readonly RoomLocks _userLocks = new();
    private readonly Lock _cacheGate = new();
    private long _generation;

    public async Task<PushRuleSet> GetAsync(string userId, CancellationToken cancellationToken) =>
        (await GetManyAsync([userId], cancellationToken))[userId];

    /// <summary>The rule sets of many users (an event's recipients), from the cache or in batched reads.</summary>
    public async Task<IReadOnlyDictionary<string, PushRuleSet>> GetManyAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, PushRuleSet>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var userId in userIds.Distinct())
        {
            if (_cache.TryGetValue(userId, out PushRuleSet? cached)) result[userId] = cached!;
            else missing.Add(userId);
        }

        if (missing.Count == 0) return result;
        // A change committed while we read bumps the generation; then we use what we read but don't cache it.
        long generation;
        lock (_cacheGate) generation = _generation;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        foreach (var batch in missing.Chunk(UsersPerQuery))
        {
            var rows = await db.Set<PushRuleEntry>().AsNoTracking().Where(r => batch.Contains(r.UserId)).ToListAsync(cancellationToken);
            var byUser = rows.ToLookup(r => r.UserId, StringComparer.Ordinal);
            foreach (var userId in batch) result[userId] = Build(userId, byUser[userId]);
        }

        lock (_cacheGate)
        {
            if (_generation == generation)
            {
                foreach (var userId in missing) _cache.Set(userId, result[userId], new MemoryCacheEntryOptions { Size = 1 });
            }
        }

        return result;
    }

    /// <summary>The content of the user's m.push_rules account data event: <c>{"global": ruleset}</c>.</summary>
    public async Task<JsonObject> GetPushRulesEventAsync(string userId, CancellationToken cancellationToken) =>
        new() { ["global"] = (await GetAsync(userId, cancellationToken)).ToJson() };

    /// <summary>
    /// Whether the user's rules changed after <paramref name="since"/>, up to <paramref name="upTo"/>
    /// (their m.push_rules account data moved). A user who never changed a rule has no such row: an
    /// initial sync takes <see cref="GetPushRulesEventAsync"/> instead.
    /// </summary>
    public Task<bool> HasChangedAsync(HomeserverDbContext db, string userId, long since, long upTo, CancellationToken cancellationToken) =>
        db.AccountData.AsNoTracking().AnyAsync(a => a.UserId == userId && a.RoomId == AccountDataEntry.Global && a.Type == AccountDataTypes.PushRules
            && a.StreamPosition > since && a.StreamPosition <= upTo, cancellationToken);

    /// <summary>
    /// Adds or replaces one of the user's own rules, placed next to <paramref name="before"/> or
    /// <paramref name="after"/> (before wins when both are given), else as the most important of its kind.
    /// </summary>
    public Task PutAsync(string userId, PushRuleKind kind, string ruleId, JsonArray? conditions, string? pattern, JsonArray actions,
        string? before, string? after, CancellationToken cancellationToken) =>
        ChangeAsync(userId, (db, rows) =>
        {
            var kindName = kind.Name();
            var ordered = rows.Where(r => r.Kind == kindName && !IsDefaultId(r.RuleId)).OrderBy(r => r.Position).ToList();
            var entry = ordered.FirstOrDefault(r => r.RuleId == ruleId);
            if (entry is null && rows.Count(r => !IsDefaultId(r.RuleId)) >= MaxUserRules)
            {
                throw MatrixException.InvalidParam($"A user may have at most {MaxUserRules} push rules");
            }

            if (entry is null)
            {
                entry = new PushRuleEntry { UserId = userId, Kind = kindName, RuleId = ruleId, Enabled = true };
                db.Add(entry);
            }

            ordered.Remove(entry);
            ordered.Insert(InsertionIndex(ordered, before, after), entry);
            for (var i = 0; i < ordered.Count; i++) ordered[i].Position = i;
            entry.Conditions = kind.HasConditions() ? (conditions ?? []).ToJsonString() : null;
            entry.Pattern = kind == PushRuleKind.Content ? pattern : null;
            entry.Actions = actions.ToJsonString();
        }, cancellationToken);

    /// <summary>Deletes one of the user's own rules; server-default rules cannot be deleted.</summary>
    public Task DeleteAsync(string userId, PushRuleKind kind, string ruleId, CancellationToken cancellationToken) =>
        ChangeAsync(userId, (db, rows) =>
        {
            if (IsDefaultId(ruleId) && PredefinedPushRules.Exists(kind, ruleId)) throw MatrixException.InvalidParam("Server-default push rules cannot be deleted");
            db.Remove(FindOwn(rows, kind, ruleId));
        }, cancellationToken);

    public Task SetEnabledAsync(string userId, PushRuleKind kind, string ruleId, bool enabled, CancellationToken cancellationToken) =>
        ChangeAsync(userId, (db, rows) => FindOrCustomise(db, rows, userId, kind, ruleId).Enabled = enabled, cancellationToken);

    public Task SetActionsAsync(string userId, PushRuleKind kind, string ruleId, JsonArray actions, CancellationToken cancellationToken) =>
        ChangeAsync(userId, (db, rows) => FindOrCustomise(db, rows, userId, kind, ruleId).Actions = actions.ToJsonString(), cancellationToken);

    /// <summary>Deactivation: the user's own rules and changes go (their m.push_rules account data goes with their other account data).</summary>
    public async Task RemoveAllAsync(HomeserverDbContext db, string userId, CancellationToken cancellationToken)
    {
        using (await _userLocks.AcquireAsync(userId, cancellationToken))
        {
            await db.Set<PushRuleEntry>().Where(r => r.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            Forget(userId);
        }
    }

    public void Dispose() => _cache.Dispose();

    /// <summary>Drops the user's cached set; a read that raced with the change does not cache what it read.</summary>
    private void Forget(string userId)
    {
        lock (_cacheGate)
        {
            _generation++;
            _cache.Remove(userId);
        }
    }

    /// <summary>
    /// Applies one change to the user's rows under their lock, then writes the new m.push_rules account
    /// data (its own stream position; it wakes the user's sync). Two commits: should the second fail, the
    /// rules are still right and only sync's copy waits for the next change.
    /// </summary>
    private async Task ChangeAsync(string userId, Action<HomeserverDbContext, List<PushRuleEntry>> change, CancellationToken cancellationToken)
    {
        using (await _userLocks.AcquireAsync(userId, cancellationToken))
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HomeserverDbContext>();
            var rows = await db.Set<PushRuleEntry>().Where(r => r.UserId == userId).ToListAsync(cancellationToken);
            change(db, rows);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            finally
            {
                Forget(userId);
            }

            var content = await GetPushRulesEventAsync(userId, cancellationToken);
            await scope.ServiceProvider.GetRequiredService<AccountDataService>().SetAsync(userId, null, AccountDataTypes.PushRules, content, cancellationToken);
        }
    }

    private static PushRuleSet Build(string userId, IEnumerable<PushRuleEntry> rows)
    {
        var own = new List<PushRule>();
        var changes = new Dictionary<(PushRuleKind, string), DefaultRuleChange>();
        foreach (var row in rows.OrderBy(r => r.Position))
        {
            if (!PushRuleKinds.TryParse(row.Kind, out var kind)) continue;
            var actions = ParseArray(row.Actions);
            if (IsDefaultId(row.RuleId)) changes[(kind, row.RuleId)] = new DefaultRuleChange(row.Enabled, actions);
            else own.Add(new PushRule(kind, row.RuleId, isDefault: false, row.Enabled ?? true, ParseArray(row.Conditions), row.Pattern, actions ?? []));
        }

        return PushRuleSet.Build(userId, own, changes);
    }

    private static int InsertionIndex(List<PushRuleEntry> ordered, string? before, string? after)
    {
        var anchor = before ?? after;
        if (anchor is null) return 0;
        if (IsDefaultId(anchor)) throw MatrixException.InvalidParam("Rules cannot be placed relative to a server-default rule");
        var index = ordered.FindIndex(r => r.RuleId == anchor);
        if (index < 0) throw new MatrixException(400, ErrorCodes.Unknown, $"before/after rule not found: {anchor}");
        return before is not null ? index : index + 1;
    }

    private static PushRuleEntry FindOwn(List<PushRuleEntry> rows, PushRuleKind kind, string ruleId) =>
        rows.FirstOrDefault(r => r.Kind == kind.Name() && r.RuleId == ruleId && !IsDefaultId(r.RuleId))
        ?? throw MatrixException.NotFound("The push rule was not found.");

    /// <summary>The user's own rule, or the row holding their changes to a server-default rule (created on first change).</summary>
    private static PushRuleEntry FindOrCustomise(HomeserverDbContext db, List<PushRuleEntry> rows, string userId, PushRuleKind kind, string ruleId)
    {
        if (!IsDefaultId(ruleId)) return FindOwn(rows, kind, ruleId);
        if (!PredefinedPushRules.Exists(kind, ruleId)) throw MatrixException.NotFound("The push rule was not found.");
        var row = rows.FirstOrDefault(r => r.Kind == kind.Name() && r.RuleId == ruleId);
        if (row is null) db.Add(row = new PushRuleEntry { UserId = userId, Kind = kind.Name(), RuleId = ruleId });
        return row;
    }

    /// <summary>Server-default rule IDs start with a dot; users cannot create such rules.</summary>
    public static bool IsDefaultId(string ruleId) => ruleId.StartsWith('.');

    private static JsonArray? ParseArray(string? json) => json is null ? null : JsonNode.Parse(json) as JsonArray;
}

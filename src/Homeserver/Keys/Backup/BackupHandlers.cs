using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys.Backup;

/// <summary>
/// Backup versions and their keys. Only the current (newest, not deleted) version takes new keys
/// (403 M_WRONG_ROOM_KEYS_VERSION naming the current one otherwise); a stored key is replaced only by
/// a better one; the etag changes whenever the version's keys change. Writes of one user are serialized.
/// </summary>
public sealed class BackupHandlers(HomeserverDbContext db, UserKeyLocks locks)
    : ICommandHandler<CreateBackupVersion, JsonObject>, IQueryHandler<GetBackupVersion, JsonObject>, ICommandHandler<UpdateBackupVersion, JsonObject>,
      ICommandHandler<DeleteBackupVersion, JsonObject>, ICommandHandler<PutRoomKeys, JsonObject>, IQueryHandler<GetRoomKeys, JsonObject>,
      ICommandHandler<DeleteRoomKeys, JsonObject>
{
    public const string WrongRoomKeysVersion = "M_WRONG_ROOM_KEYS_VERSION";

    /// <summary>Sessions one request may store.</summary>
    public const int MaxSessionsPerUpload = 10_000;

    public async ValueTask<JsonObject> Handle(CreateBackupVersion command, CancellationToken cancellationToken)
    {
        var userId = command.Requester.UserId;
        using (await locks.AcquireAsync(userId, cancellationToken))
        {
            // Version numbers are never reused, deleted versions included.
            var last = await db.RoomKeyBackupVersions.Where(v => v.UserId == userId).MaxAsync(v => (long?)v.Version, cancellationToken) ?? 0;
            db.RoomKeyBackupVersions.Add(new RoomKeyBackupVersion { UserId = userId, Version = last + 1, Algorithm = command.Algorithm, AuthData = command.AuthData.ToJsonString() });
            await db.SaveChangesAsync(cancellationToken);
            return new JsonObject { ["version"] = Text(last + 1) };
        }
    }

    public async ValueTask<JsonObject> Handle(GetBackupVersion query, CancellationToken cancellationToken)
    {
        var version = query.Version is null
            ? await CurrentAsync(query.Requester.UserId, cancellationToken) ?? throw NoBackup()
            : await FindAsync(query.Requester.UserId, query.Version, cancellationToken);
        return new JsonObject
        {
            ["algorithm"] = version.Algorithm,
            ["auth_data"] = JsonNode.Parse(version.AuthData),
            ["count"] = await CountAsync(version, cancellationToken),
            ["etag"] = Text(version.Etag),
            ["version"] = Text(version.Version),
        };
    }

    public async ValueTask<JsonObject> Handle(UpdateBackupVersion command, CancellationToken cancellationToken)
    {
        if (command.BodyVersion is not null && command.BodyVersion != command.Version) throw MatrixException.InvalidParam("The version in the body must match the path");
        using (await locks.AcquireAsync(command.Requester.UserId, cancellationToken))
        {
            var version = await FindAsync(command.Requester.UserId, command.Version, cancellationToken, tracked: true);
            if (version.Algorithm != command.Algorithm) throw MatrixException.InvalidParam("The algorithm of a backup version cannot change");
            version.AuthData = command.AuthData.ToJsonString();
            await db.SaveChangesAsync(cancellationToken);
        }

        return new JsonObject();
    }

    public async ValueTask<JsonObject> Handle(DeleteBackupVersion command, CancellationToken cancellationToken)
    {
        using (await locks.AcquireAsync(command.Requester.UserId, cancellationToken))
        {
            var version = await FindAsync(command.Requester.UserId, command.Version, cancellationToken, tracked: true);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await Keys(version, null, null).ExecuteDeleteAsync(cancellationToken);
            version.Deleted = true;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return new JsonObject();
    }

    public async ValueTask<JsonObject> Handle(PutRoomKeys command, CancellationToken cancellationToken)
    {
        var userId = command.Requester.UserId;
        var versionText = command.Version ?? throw MatrixException.MissingParam("version is required");
        if (command.Rooms.Sum(r => r.Value.Count) > MaxSessionsPerUpload) throw MatrixException.TooLarge($"At most {MaxSessionsPerUpload} sessions per upload");
        using (await locks.AcquireAsync(userId, cancellationToken))
        {
            var current = await CurrentAsync(userId, cancellationToken, tracked: true);
            if (current is null) throw MatrixException.NotFound($"Unknown backup version {versionText}");
            if (Text(current.Version) != versionText)
            {
                throw new MatrixException(403, WrongRoomKeysVersion, "The backup version is not the current one",
                    new JsonObject { ["current_version"] = Text(current.Version) });
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var changed = false;
            foreach (var (roomId, sessions) in command.Rooms)
            {
                var ids = sessions.Keys.ToList();
                var stored = await Keys(current, roomId, null).Where(k => ids.Contains(k.SessionId)).ToDictionaryAsync(k => k.SessionId, StringComparer.Ordinal, cancellationToken);
                foreach (var (sessionId, key) in sessions)
                {
                    if (!stored.TryGetValue(sessionId, out var row))
                    {
                        row = new RoomKeyBackup { UserId = userId, Version = current.Version, RoomId = roomId, SessionId = sessionId, SessionData = "" };
                        db.RoomKeyBackups.Add(row);
                    }
                    else if (!key.IsBetterThan(Data(row)))
                    {
                        continue;
                    }

                    (row.FirstMessageIndex, row.ForwardedCount, row.IsVerified, row.SessionData) = (key.FirstMessageIndex, key.ForwardedCount, key.IsVerified, key.SessionData.ToJsonString());
                    changed = true;
                }
            }

            if (changed) current.Etag++;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new JsonObject { ["count"] = await CountAsync(current, cancellationToken), ["etag"] = Text(current.Etag) };
        }
    }

    public async ValueTask<JsonObject> Handle(GetRoomKeys query, CancellationToken cancellationToken)
    {
        var version = await FindAsync(query.Requester.UserId, query.Version ?? throw MatrixException.MissingParam("version is required"), cancellationToken);
        var rows = await Keys(version, query.RoomId, query.SessionId).AsNoTracking().ToListAsync(cancellationToken);
        if (query.SessionId is not null) return rows.Count == 1 ? Data(rows[0]).ToJson() : throw MatrixException.NotFound("No room key found");
        var rooms = new JsonObject();
        foreach (var room in rows.GroupBy(r => r.RoomId))
        {
            var sessions = new JsonObject();
            foreach (var row in room) sessions[row.SessionId] = Data(row).ToJson();
            rooms[room.Key] = new JsonObject { ["sessions"] = sessions };
        }

        if (query.RoomId is not null) return rooms[query.RoomId]?.AsObject().DeepClone().AsObject() ?? new JsonObject { ["sessions"] = new JsonObject() };
        return new JsonObject { ["rooms"] = rooms };
    }

    public async ValueTask<JsonObject> Handle(DeleteRoomKeys command, CancellationToken cancellationToken)
    {
        using (await locks.AcquireAsync(command.Requester.UserId, cancellationToken))
        {
            var version = await FindAsync(command.Requester.UserId, command.Version ?? throw MatrixException.MissingParam("version is required"), cancellationToken, tracked: true);
            var deleted = await Keys(version, command.RoomId, command.SessionId).ExecuteDeleteAsync(cancellationToken);
            if (deleted > 0)
            {
                version.Etag++;
                await db.SaveChangesAsync(cancellationToken);
            }

            return new JsonObject { ["count"] = await CountAsync(version, cancellationToken), ["etag"] = Text(version.Etag) };
        }
    }

    private IQueryable<RoomKeyBackup> Keys(RoomKeyBackupVersion version, string? roomId, string? sessionId)
    {
        var keys = db.RoomKeyBackups.Where(k => k.UserId == version.UserId && k.Version == version.Version);
        if (roomId is not null) keys = keys.Where(k => k.RoomId == roomId);
        if (sessionId is not null) keys = keys.Where(k => k.SessionId == sessionId);
        return keys;
    }

    private Task<int> CountAsync(RoomKeyBackupVersion version, CancellationToken cancellationToken) => Keys(version, null, null).CountAsync(cancellationToken);

    private async Task<RoomKeyBackupVersion?> CurrentAsync(string userId, CancellationToken cancellationToken, bool tracked = false)
    {
        var versions = db.RoomKeyBackupVersions.Where(v => v.UserId == userId && !v.Deleted);
        if (!tracked) versions = versions.AsNoTracking();
        return await versions.OrderByDescending(v => v.Version).FirstOrDefaultAsync(cancellationToken);
    }

    private async Task<RoomKeyBackupVersion> FindAsync(string userId, string versionText, CancellationToken cancellationToken, bool tracked = false)
    {
        if (!long.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) throw NoBackup();
        var versions = db.RoomKeyBackupVersions.Where(v => v.UserId == userId && v.Version == number && !v.Deleted);
        if (!tracked) versions = versions.AsNoTracking();
        return await versions.FirstOrDefaultAsync(cancellationToken) ?? throw NoBackup();
    }

    private static RoomKeyData Data(RoomKeyBackup row) =>
        new(row.FirstMessageIndex, row.ForwardedCount, row.IsVerified, JsonNode.Parse(row.SessionData)!);

    private static MatrixException NoBackup() => MatrixException.NotFound("Unknown backup version");

    private static string Text(long number) => number.ToString(CultureInfo.InvariantCulture);
}

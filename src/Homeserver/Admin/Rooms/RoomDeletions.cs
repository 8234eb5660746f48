using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Rooms;

/// <summary>The body of DELETE /_synapse/admin/v{1,2}/rooms/{roomId}.</summary>
public sealed record RoomDeleteRequest(bool Block, bool Purge, bool ForcePurge)
{
    public static RoomDeleteRequest From(JsonObject body)
    {
        // Moving the members to a new room (Synapse's "shutdown room" redirect) is not implemented:
        // refused rather than silently dropped. Without it, message and room_name have nothing to name.
        if (body["new_room_user_id"] is not null) throw MatrixException.InvalidParam("new_room_user_id is not supported by this server");
        AdminParams.BodyString(body, "message");
        AdminParams.BodyString(body, "room_name");
        return new RoomDeleteRequest(
            AdminParams.BodyBool(body, "block") ?? false,
            AdminParams.BodyBool(body, "purge") ?? true,
            AdminParams.BodyBool(body, "force_purge") ?? false);
    }
}

/// <summary>One room deletion and how far it got (Synapse's delete status).</summary>
public sealed class RoomDeletion(string deleteId, string roomId)
{
    public string DeleteId { get; } = deleteId;
    public string RoomId { get; } = roomId;
    private volatile string _status = "shutting_down";

    /// <summary>shutting_down, purging, complete or failed.</summary>
    public string Status { get => _status; set => _status = value; }
    public string? Error { get; set; }
    public ShutdownResult? Result { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    public bool Running => Status is "shutting_down" or "purging";

    public JsonObject ToJson(bool withId)
    {
        var json = new JsonObject();
        if (withId) json["delete_id"] = DeleteId;
        json["status"] = Status;
        if (Error is not null) json["error"] = Error;
        json["shutdown_room"] = (Result ?? new ShutdownResult([], [], [])).ToJson();
        return json;
    }
}

/// <summary>
/// Runs room deletions: shutdown (<see cref="RoomShutdown"/>), then the purge (<see cref="RoomPurger"/>)
/// unless local users are still joined (force_purge overrides). DELETE v2 runs them in the background
/// and answers a delete_id; the statuses stay in memory for a day, as Synapse keeps them (a restart
/// forgets them, and an interrupted deletion can simply be asked again).
/// </summary>
public sealed class RoomDeletions(
    RoomShutdown shutdown,
    RoomPurger purger,
    IDbContextFactory<HomeserverDbContext> dbFactory,
    HomeserverOptions options,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<RoomDeletions> logger)
{
    private static readonly TimeSpan StatusLifetime = TimeSpan.FromDays(1);
    private readonly ConcurrentDictionary<string, RoomDeletion> _deletions = new(StringComparer.Ordinal);
    private readonly Lock _starting = new();

    /// <summary>Starts a deletion in the background; 400 when one is already running for the room.</summary>
    public RoomDeletion Start(string roomId, RoomDeleteRequest request, Requester admin)
    {
        var deletion = Register(roomId);
        _ = Task.Run(() => RunAsync(deletion, request, admin, lifetime.ApplicationStopping));
        return deletion;
    }

    /// <summary>Runs a deletion to its end (DELETE v1 answers when it is done).</summary>
    public async Task<RoomDeletion> RunNowAsync(string roomId, RoomDeleteRequest request, Requester admin, CancellationToken cancellationToken)
    {
        var deletion = Register(roomId);
        await RunAsync(deletion, request, admin, cancellationToken);
        return deletion;
    }

    public RoomDeletion? Find(string deleteId) => _deletions.GetValueOrDefault(deleteId);

    public List<RoomDeletion> ForRoom(string roomId) => [.. _deletions.Values.Where(d => d.RoomId == roomId).OrderBy(d => d.DeleteId, StringComparer.Ordinal)];

    private RoomDeletion Register(string roomId)
    {
        lock (_starting)
        {
            var now = clock.GetUtcNow();
            foreach (var old in _deletions.Values.Where(d => d.FinishedAt < now - StatusLifetime)) _deletions.TryRemove(old.DeleteId, out _);
            if (_deletions.Values.Any(d => d.RoomId == roomId && d.Running))
            {
                throw new MatrixException(400, ErrorCodes.Unknown, $"History purge already in progress for {roomId}");
            }

            var deletion = new RoomDeletion(RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 16), roomId);
            _deletions[deletion.DeleteId] = deletion;
            return deletion;
        }
    }

    private async Task RunAsync(RoomDeletion deletion, RoomDeleteRequest request, Requester admin, CancellationToken cancellationToken)
    {
        var roomId = deletion.RoomId;
        try
        {
            deletion.Result = await shutdown.ShutdownAsync(roomId, admin.UserId, request.Block, cancellationToken);
            if (request.Purge)
            {
                deletion.Status = "purging";
                if (!request.ForcePurge && await LocalMembersJoinedAsync(roomId, cancellationToken))
                {
                    throw new InvalidOperationException("Users are still joined to this room");
                }

                await purger.PurgeAsync(roomId, cancellationToken);
            }

            deletion.Status = "complete";
            logger.LogInformation("Room {RoomId} deleted (delete {DeleteId}, purged: {Purged})", roomId, deletion.DeleteId, request.Purge);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            deletion.Error = e.Message;
            deletion.Status = "failed";
            logger.LogError(e, "Deleting room {RoomId} (delete {DeleteId}) failed", roomId, deletion.DeleteId);
        }
        finally
        {
            if (deletion.Running)
            {
                deletion.Error ??= "Interrupted by shutdown";
                deletion.Status = "failed";
            }

            deletion.FinishedAt = clock.GetUtcNow();
        }
    }

    private async Task<bool> LocalMembersJoinedAsync(string roomId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await LocalMemberships.In(db, roomId, options.ServerName).AnyAsync(m => m.Membership == Memberships.Join, cancellationToken);
    }
}

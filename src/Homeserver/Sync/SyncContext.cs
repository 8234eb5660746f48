using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Accounts.Filters;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync;

/// <summary>
/// One computation of a /sync answer: who asks, with which filter, and the window of positions it
/// covers: after <see cref="Since"/> (everything, for an initial sync) up to <see cref="UpTo"/>.
/// The rooms stream runs first and records the user's rooms for the streams after it.
/// </summary>
public sealed class SyncContext(IDbContextFactory<HomeserverDbContext> dbFactory) : IDbSource, IAsyncDisposable
{
    private HomeserverDbContext? _db;

    public required Requester Requester { get; init; }

    /// <summary>
    /// The computation's DbContext, shared by its streams (do not dispose it), taken from the pool on first use: a
    /// long-poll woken by a message is mostly answered from memory and then needs none.
    /// </summary>
    public HomeserverDbContext Db => _db ??= dbFactory.CreateDbContext();

    /// <summary>Whether the computation took a DbContext (a sync only reads).</summary>
    public bool ReadDatabase => _db is not null;

    public required SyncFilter Filter { get; init; }

    /// <summary>The client's token, or null for an initial sync.</summary>
    public SyncToken? Since { get; init; }
    public required SyncToken UpTo { get; init; }

    /// <summary>The client asked for the full state of every room.</summary>
    public bool FullState { get; init; }

    /// <summary>The client asked for state after the timeline (use_state_after, spec v1.16).</summary>
    public bool UseStateAfter { get; init; }
    public long Now { get; init; }

    public string UserId => Requester.UserId;
    public bool IsInitial => Since is null;

    /// <summary>The rooms the user is joined to at <see cref="UpTo"/> (after the filter's room lists).</summary>
    public HashSet<string> JoinedRooms { get; } = new(StringComparer.Ordinal);

    /// <summary>Joined rooms whose history is new to the client: all of them in an initial sync, else the rooms joined since.</summary>
    public HashSet<string> NewlyJoinedRooms { get; } = new(StringComparer.Ordinal);

    /// <summary>Rooms the user left (or was removed from) since the last sync.</summary>
    public HashSet<string> NewlyLeftRooms { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether a joined room's per-room streams start from scratch (no earlier sync saw the room).</summary>
    public bool IsFresh(string roomId) => IsInitial || NewlyJoinedRooms.Contains(roomId);

    /// <summary>Gives the DbContext back to the pool, if the computation took one.</summary>
    public ValueTask DisposeAsync() => _db?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>
/// One stream of a /sync answer (Dendrite's syncapi/streams shape): account data, receipts, typing,
/// presence... It adds what changed in the context's window to the response. Features register more
/// (the end-to-end encryption feature adds to-device messages, device lists and key counts) with
/// <c>services.AddSingleton&lt;ISyncStream, TheirStream&gt;()</c>; a stream queries through
/// <see cref="SyncContext.Db"/> (only when it has something to read); each runs after the rooms stream.
/// A stream that can have news for a user must wake that user's long-poll through the SyncNotifier.
/// </summary>
public interface ISyncStream
{
    Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken);
}

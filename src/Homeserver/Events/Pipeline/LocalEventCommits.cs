using System.Runtime.ExceptionServices;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// PostgreSQL: the one-command commits of different rooms' batches (<see cref="LocalEventRows"/>) sent together. A commit
/// that arrives while another is in flight waits for it, then goes with every other commit that waited meanwhile: one
/// round trip and one transaction for many rooms' sends, each table's rows in one statement, as a busy room's batch has
/// them already. A lone commit goes at once, as before. When a combined command fails, nothing of it is committed and
/// each room's rows go again alone, so one room's failure (a retried client transaction, say) stays that room's.
/// </summary>
public sealed class LocalEventCommits
{
    /// <summary>At most this many rooms' batches in one command.</summary>
    private const int MaxRooms = 64;

    private readonly Lock _gate = new();
    private readonly List<Commit> _waiting = [];
    private bool _writing;

    /// <summary>The commits waiting for the command in flight.</summary>
    internal int Waiting
    {
        get
        {
            lock (_gate) return _waiting.Count;
        }
    }

    /// <summary>Writes one room's rows, alone or with other rooms' (<paramref name="db"/> runs the command when this call leads).</summary>
    internal async Task WriteAsync(HomeserverDbContext db, LocalEventRows.RoomRows rows)
    {
        var mine = new Commit(rows);
        // Null from the turn: another commit's command wrote this one.
        if ((Join(mine) ?? await mine.Turn.Task) is { } group) await LeadAsync(db, group);
        if (mine.Failure is { } failure) ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>The group this commit leads at once, or null when it waits for a command in flight.</summary>
    private List<Commit>? Join(Commit commit)
    {
        lock (_gate)
        {
            if (_writing)
            {
                _waiting.Add(commit);
                return null;
            }

            _writing = true;
            return [commit];
        }
    }

    private async Task LeadAsync(HomeserverDbContext db, List<Commit> group)
    {
        try
        {
            await WriteGroupAsync(db, group);
        }
        finally
        {
            // The next group starts before this one's callers resume.
            HandOver();
        }

        foreach (var commit in group.Skip(1)) commit.Turn.TrySetResult(null);
    }

    private static async Task WriteGroupAsync(HomeserverDbContext db, List<Commit> group)
    {
        try
        {
            await LocalEventRows.WriteAsync(db, [.. group.Select(c => c.Rows)], CancellationToken.None);
        }
        catch (Exception) when (group.Count > 1)
        {
            foreach (var commit in group)
            {
                try
                {
                    await LocalEventRows.WriteAsync(db, [commit.Rows], CancellationToken.None);
                }
                catch (Exception e)
                {
                    commit.Failure = e;
                }
            }
        }
        catch (Exception e)
        {
            group[0].Failure = e;
        }
    }

    /// <summary>The commits that waited become the next group, led by the first of them; none, and the next commit leads.</summary>
    private void HandOver()
    {
        lock (_gate)
        {
            if (_waiting.Count == 0)
            {
                _writing = false;
                return;
            }

            var next = _waiting.GetRange(0, Math.Min(MaxRooms, _waiting.Count));
            _waiting.RemoveRange(0, next.Count);
            next[0].Turn.TrySetResult(next);
        }
    }

    private sealed class Commit(LocalEventRows.RoomRows rows)
    {
        public LocalEventRows.RoomRows Rows { get; } = rows;

        /// <summary>The group this commit is to lead, or null once another's command wrote it (<see cref="Failure"/> if that failed).</summary>
        public TaskCompletionSource<List<Commit>?> Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Exception? Failure { get; set; }
    }
}

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// The local sends waiting to be written into one room. One drainer at a time takes whatever has
/// queued up as one batch (group commit); senders arriving meanwhile join the next batch. The queue
/// retires when it runs empty, so idle rooms hold nothing.
/// </summary>
internal sealed class RoomSendQueue(string roomId)
{
    private readonly Lock _gate = new();
    private readonly List<Request> _pending = [];
    private bool _draining;
    private bool _retired;

    public string RoomId { get; } = roomId;

    /// <summary>
    /// The room's latest notification (sync wake-ups and listeners): each batch's runs after the
    /// previous one's, so listeners see a room's events in order. Touched by the drainer only.
    /// </summary>
    public Task Notified { get; set; } = Task.CompletedTask;

    /// <summary>Queues a send. Null when the queue has retired (use a fresh one); true when the caller must start the drainer.</summary>
    public bool? Enqueue(Request request)
    {
        lock (_gate)
        {
            if (_retired) return null;
            _pending.Add(request);
            if (_draining) return false;
            _draining = true;
            return true;
        }
    }

    /// <summary>Up to <paramref name="max"/> queued sends, oldest first; empty when none wait.</summary>
    public List<Request> TakeBatch(int max)
    {
        lock (_gate)
        {
            var batch = _pending.GetRange(0, Math.Min(max, _pending.Count));
            _pending.RemoveRange(0, batch.Count);
            return batch;
        }
    }

    /// <summary>Retires the queue unless a send arrived meanwhile.</summary>
    public bool TryRetire()
    {
        lock (_gate)
        {
            if (_pending.Count > 0) return false;
            _retired = true;
            return true;
        }
    }

    /// <summary>One caller's drafts, written together and atomically, and the caller's answer.</summary>
    public sealed class Request(IReadOnlyList<EventDraft> drafts)
    {
        public IReadOnlyList<EventDraft> Drafts { get; } = drafts;

        public TaskCompletionSource<IReadOnlyList<PersistedEvent>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

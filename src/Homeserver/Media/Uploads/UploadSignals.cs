using System.Collections.Concurrent;

namespace Matrix.Homeserver.Media.Uploads;

/// <summary>
/// Wakes downloads that wait for a pending async upload (timeout_ms). Only a hint: waiters re-read
/// the database after every wake-up or timeout slice, so a missed signal costs a delay, not a result.
/// </summary>
public sealed class UploadSignals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);

    /// <summary>A task that completes when <paramref name="mediaId"/> is uploaded; take it before re-reading the row.</summary>
    public Task Uploaded(string mediaId) =>
        _waiting.GetOrAdd(mediaId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Complete(string mediaId)
    {
        if (_waiting.TryRemove(mediaId, out var signal)) signal.TrySetResult();
    }

    /// <summary>Drops the entry of a media ID nobody uploaded (expired), so the table stays bounded.</summary>
    public void Forget(string mediaId) => _waiting.TryRemove(mediaId, out _);
}

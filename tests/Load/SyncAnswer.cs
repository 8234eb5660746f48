using System.Diagnostics;
using System.Text.Json;

namespace Matrix.Load;

/// <summary>
/// What the scenarios read from a /sync answer: its token, how many rooms it joins, and the bodies of its timeline
/// events. <see cref="ReceivedAt"/> is when the whole answer had arrived, before the client parsed it.
/// </summary>
public sealed record SyncAnswer(string NextBatch, int JoinedRooms, IReadOnlyList<string> Bodies, long ReceivedAt)
{
    /// <summary>
    /// Reads the answer with <see cref="JsonDocument"/> (pooled buffers, no tree of nodes): a thousand members' answers
    /// to one message are parsed on the same cores as the server that wrote them.
    /// </summary>
    public static SyncAnswer Parse(byte[] json, long receivedAt)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var bodies = new List<string>();
        var joined = 0;
        if (root.TryGetProperty("rooms", out var rooms) && rooms.TryGetProperty("join", out var join))
        {
            foreach (var room in join.EnumerateObject())
            {
                joined++;
                if (!room.Value.TryGetProperty("timeline", out var timeline) || !timeline.TryGetProperty("events", out var events)) continue;
                foreach (var e in events.EnumerateArray())
                {
                    if (e.TryGetProperty("content", out var content) && content.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.String)
                    {
                        bodies.Add(body.GetString()!);
                    }
                }
            }
        }

        return new SyncAnswer(root.GetProperty("next_batch").GetString()!, joined, bodies, receivedAt);
    }

    /// <summary>The time since the answer arrived, to date its arrival on a scenario's clock.</summary>
    public TimeSpan Age => Stopwatch.GetElapsedTime(ReceivedAt);
}

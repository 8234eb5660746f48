using System.Text.Json;

namespace Matrix.Homeserver.Sync;

/// <summary>
/// A computed /sync answer on its way to the response, written with a <see cref="Utf8JsonWriter"/> (no JSON tree is
/// built around the events) and dropped once written.
/// </summary>
/// <remarks>
/// Why dropped: a long-poll's async frames (endpoint, handler, <see cref="SyncService"/>) wait long enough to be promoted
/// by a collection, and when they finish they keep their result. Every frame holds this object, not the answer itself,
/// so releasing it leaves nothing of the answer reachable from those dead but promoted frames; otherwise the next
/// collection copies every answer of the last wake-up (a message into a room of a thousand long-polls) once more.
/// </remarks>
public sealed class SyncAnswer(SyncResponse response, string nextBatch, bool useStateAfter)
{
    private SyncResponse? _response = response;

    public void WriteTo(Utf8JsonWriter writer) =>
        (_response ?? throw new InvalidOperationException("The answer was written already.")).WriteTo(writer, nextBatch, useStateAfter);

    /// <summary>Lets the answer go once it is written (see the remarks).</summary>
    public void Release() => _response = null;
}

/// <summary>Writes a <see cref="SyncAnswer"/> as the response body, then releases it.</summary>
internal sealed class SyncAnswerResult(SyncAnswer answer) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.ContentType = "application/json; charset=utf-8";
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            answer.WriteTo(writer);
        }

        // Sent in one write, with its length, when the endpoint returns (BufferedResponses).
        answer.Release();
        return Task.CompletedTask;
    }
}

using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>
/// Tries an operation on each server in turn, as Synapse does: on to the next server when one cannot be reached,
/// fails (5xx), does not accept our request (401), does not know the room (404), cannot vouch for a restricted join (M_UNABLE_TO_AUTHORISE_JOIN,
/// M_UNABLE_TO_GRANT_JOIN) or gives an answer we refuse. Any other refusal (403, 400) is the room's answer and goes
/// to the client as given. When every server failed the client gets the last failure.
/// </summary>
public static class ServerAttempts
{
    public static async Task<T> TryEachAsync<T>(IReadOnlyList<string> servers, string what, ILogger logger, Func<string, Task<T>> attempt)
    {
        if (servers.Count == 0) throw MatrixException.NotFound("No known servers");
        MatrixException? last = null;
        foreach (var server in servers)
        {
            try
            {
                return await attempt(server);
            }
            catch (FederationHttpException e) when (!FailsOver(e))
            {
                logger.LogInformation("{Server} refused to {What}: {Status} {ErrCode}", server, what, e.StatusCode, e.ErrCode);
                throw ForClient(e);
            }
            catch (FederationHttpException e)
            {
                logger.LogInformation("{Server} could not {What}: {Status} {ErrCode}", server, what, e.StatusCode, e.ErrCode);
                last = e.StatusCode == 404 ? ForClient(e) : new MatrixException(502, ErrorCodes.Unknown, $"Failed to {what} via {server}");
            }
            catch (FederationException e)
            {
                logger.LogInformation("Could not {What} via {Server}: {Reason}", what, server, e.Message);
                last = new MatrixException(502, ErrorCodes.Unknown, $"Failed to {what} via {server}: it could not be reached");
            }
            catch (RemoteAnswerException e)
            {
                logger.LogWarning("Refused the answer of {Server} to {What}: {Reason}", server, what, e.Message);
                last = e.ForClient;
            }
        }

        throw last!;
    }

    /// <summary>A remote refusal as the client's error: the same status and errcode (and room_version, for an incompatible version).</summary>
    public static MatrixException ForClient(FederationHttpException e)
    {
        // A remote 401 is about our request signature, never about the client's token.
        var status = e.StatusCode is >= 400 and < 500 and not 401 ? e.StatusCode : 502;
        var extra = e.Body?["room_version"] is { } version ? new System.Text.Json.Nodes.JsonObject { ["room_version"] = version.DeepClone() } : null;
        return new MatrixException(status, e.ErrCode ?? ErrorCodes.Unknown, e.Error ?? $"{e.Destination} answered {e.StatusCode}", extra);
    }

    private static bool FailsOver(FederationHttpException e) =>
        e.StatusCode is >= 500 or 404 or 429 or 401
        || (e.StatusCode == 400 && e.ErrCode is ErrorCodes.UnableToAuthoriseJoin or ErrorCodes.UnableToGrantJoin);
}

using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Keys.Remote;

namespace Matrix.Homeserver.FederationApi.KeysRemote;

/// <summary>A failed request to a server as the client API's failures show it (Synapse's statuses: the server's own, 403 when we refuse to federate, 504 on timeout, 503 otherwise).</summary>
public static class RemoteFailures
{
    /// <summary>Null for exceptions that are not a server's failure (the caller's own cancellation among them).</summary>
    public static RemoteKeysException? Translate(Exception exception, CancellationToken callerToken) => exception switch
    {
        _ when callerToken.IsCancellationRequested => null,
        FederationHttpException http => new RemoteKeysException(http.StatusCode, http.Error ?? $"The server answered {http.StatusCode}"),
        FederationRefusedException => new RemoteKeysException(403, "Federation denied"),
        OperationCanceledException => new RemoteKeysException(504, "Timeout"),
        FederationUnreachableException unreachable => new RemoteKeysException(503, unreachable.Message),
        _ => null,
    };
}

namespace Matrix.Homeserver.FederationApi.Auth;

/// <summary>
/// Raised whenever another server makes an authenticated request to us: it is evidently up, so an outbound
/// queue backed off for it can retry at once. Handlers run inline on the request and must be quick.
/// </summary>
public sealed class ServerContactSignal(ILogger<ServerContactSignal> logger)
{
    public event Action<string>? Contacted;

    public void Report(string serverName)
    {
        if (Contacted is not { } handlers) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Action<string>>())
        {
            try
            {
                handler(serverName);
            }
            catch (Exception e)
            {
                // One listener's failure must not fail the request or starve the others.
                logger.LogError(e, "A server-contact listener failed");
            }
        }
    }
}

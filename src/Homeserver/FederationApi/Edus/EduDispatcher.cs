using System.Text.Json.Nodes;

namespace Matrix.Homeserver.FederationApi.Edus;

/// <summary>
/// Hands each EDU of a transaction to the handler registered for its type, in order. EDUs of unknown types and
/// malformed EDUs are ignored; a failing handler is logged and does not stop the others (EDUs are best effort:
/// the transaction is answered 200 regardless).
/// </summary>
public sealed class EduDispatcher(IEnumerable<IEduHandler> handlers, ILogger<EduDispatcher> logger)
{
    private readonly Dictionary<string, IEduHandler> _handlers = handlers.ToDictionary(h => h.Type, StringComparer.Ordinal);

    /// <summary>Returns how many EDUs reached a handler.</summary>
    public async Task<int> DispatchAsync(string origin, IEnumerable<JsonObject> edus, CancellationToken cancellationToken)
    {
        var handled = 0;
        foreach (var edu in edus)
        {
            if (edu["edu_type"] is not JsonValue typeValue || !typeValue.TryGetValue(out string? type) || edu["content"] is not JsonObject content)
            {
                logger.LogInformation("Ignored a malformed EDU from {Origin}", origin);
                continue;
            }

            if (!_handlers.TryGetValue(type, out var handler)) continue;
            try
            {
                await handler.HandleAsync(origin, content, cancellationToken);
                handled++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "The {EduType} handler failed on an EDU from {Origin}", type, origin);
            }
        }

        return handled;
    }
}

using System.Text.Json.Nodes;

namespace Matrix.Homeserver.FederationApi.Edus;

/// <summary>
/// Handles one type of EDU received in a transaction (m.typing, m.receipt, m.presence, m.direct_to_device, ...).
/// Features register theirs as <c>services.AddSingleton&lt;IEduHandler, TheirHandler&gt;()</c>. The origin is the
/// authenticated server that sent the transaction: a handler must check that what the EDU says is about that
/// server's users, and, for room-scoped EDUs (typing, receipts), that the room's ACL allows the origin
/// (ServerAclChecker), as the spec requires.
/// </summary>
public interface IEduHandler
{
    /// <summary>The edu_type handled.</summary>
    string Type { get; }

    Task HandleAsync(string origin, JsonObject content, CancellationToken cancellationToken);
}

using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Admin;

/// <summary>
/// The admin API's audit trail: every change an admin makes is one log line naming who, what and the
/// target. Callers pass names and IDs only, never passwords or tokens.
/// </summary>
public sealed class AdminAudit(ILogger<AdminAudit> logger)
{
    public void Record(Requester admin, string action, string target) =>
        logger.LogInformation("Admin {Admin} {Action} {Target}", admin.UserId, action, target);
}

using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Accounts.Uia;

/// <summary>m.login.dummy: always succeeds; offered where no real check is wanted (open registration).</summary>
public sealed class DummyStage : IUiaStage
{
    public string Type => UiaStageTypes.Dummy;

    public Task<string?> CheckAsync(UiaStageContext context, JsonObject auth, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}

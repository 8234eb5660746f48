using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>One measured situation. Returns its figures as JSON; must finish (or give up) by the deadline.</summary>
public interface IScenario
{
    string Name { get; }

    Task<JsonObject> RunAsync(LoadRun run, CancellationToken deadline);
}

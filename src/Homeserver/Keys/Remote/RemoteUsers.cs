using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;

namespace Matrix.Homeserver.Keys.Remote;

/// <summary>Splits a request's {user ID: ...} map into local users and per-server remote ones, and asks the remote servers in parallel.</summary>
public static class RemoteUsers
{
    public static (JsonObject Local, Dictionary<string, JsonObject> Remote) Split(JsonObject byUser, string localServer)
    {
        var local = new JsonObject();
        var remote = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (userId, value) in byUser)
        {
            if (!UserIds.TryParse(userId, out _, out var server)) continue;
            var target = server == localServer ? local : remote.TryGetValue(server, out var m) ? m : remote[server] = new JsonObject();
            target[userId] = value?.DeepClone();
        }

        return (local, remote);
    }

    /// <summary>Asks every server; answers by server, failures by server.</summary>
    public static async Task<(Dictionary<string, JsonObject> Answers, JsonObject Failures)> AskAsync(Dictionary<string, JsonObject> byServer,
        Func<string, JsonObject, Task<JsonObject>> ask)
    {
        var tasks = byServer.ToDictionary(s => s.Key, s => Ask(s.Key, s.Value), StringComparer.Ordinal);
        await Task.WhenAll(tasks.Values);
        var answers = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var failures = new JsonObject();
        foreach (var (server, task) in tasks)
        {
            var (answer, failure) = await task;
            if (answer is not null) answers[server] = answer;
            else failures[server] = failure;
        }

        return (answers, failures);

        async Task<(JsonObject?, JsonObject?)> Ask(string server, JsonObject request)
        {
            try
            {
                return (await ask(server, request), null);
            }
            catch (RemoteKeysException e)
            {
                return (null, e.ToFailure());
            }
        }
    }
}

using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationApi.Edus;
using Microsoft.Extensions.Logging.Abstractions;

namespace Matrix.Homeserver.Tests.Federation;

public sealed class EduDispatcherTests
{
    private sealed class Recording(string type, bool fail = false) : IEduHandler
    {
        public List<(string Origin, JsonObject Content)> Seen { get; } = [];
        public string Type { get; } = type;

        public Task HandleAsync(string origin, JsonObject content, CancellationToken cancellationToken)
        {
            Seen.Add((origin, content));
            return fail ? throw new InvalidOperationException("handler fault") : Task.CompletedTask;
        }
    }

    private static JsonObject Edu(string type, int n) => new() { ["edu_type"] = type, ["content"] = new JsonObject { ["n"] = n } };

    [Fact]
    public async Task Each_edu_reaches_the_handler_of_its_type_in_order_and_the_rest_are_ignored()
    {
        var typing = new Recording("m.typing");
        var failing = new Recording("m.receipt", fail: true);
        var dispatcher = new EduDispatcher([typing, failing], NullLogger<EduDispatcher>.Instance);

        var handled = await dispatcher.DispatchAsync("hs2.test",
        [
            Edu("m.typing", 1), Edu("m.unknown", 2), Edu("m.receipt", 3), new JsonObject { ["edu_type"] = "m.typing" },
            new JsonObject { ["content"] = new JsonObject() }, Edu("m.typing", 4),
        ], CancellationToken.None);

        Assert.Equal(2, handled);
        Assert.Equal([1, 4], typing.Seen.Select(s => s.Content["n"]!.GetValue<int>()));
        Assert.All(typing.Seen, s => Assert.Equal("hs2.test", s.Origin));
        Assert.Single(failing.Seen);
    }
}

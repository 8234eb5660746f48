using System.Collections.Concurrent;
using Matrix.Homeserver.Operations;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Matrix.Homeserver.Tests.Operations;

public sealed class LoggingTests
{
    [Fact]
    public async Task An_access_token_in_the_query_string_is_never_logged_and_request_lines_carry_the_request_id()
    {
        var capture = new CapturingLoggerProvider();
        await using var server = await TestHomeserver.StartAsync(s =>
        {
            s["Logging:LogLevel:Default"] = "Debug";
            // Asking for ASP.NET Core's own request lines (which hold the raw query string) does not bring them back.
            s["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace";
        }, services: s => s.AddSingleton<ILoggerProvider>(capture));
        var alice = await server.CreateUserAsync("alice");

        var whoami = await server.Http.GetAsync($"/_matrix/client/v3/account/whoami?access_token={alice.AccessToken}");
        whoami.EnsureSuccessStatusCode();
        var refused = await server.Http.GetAsync("/_matrix/client/v3/account/whoami?access_token=syt_wrong_secret_token");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);

        // The access log line follows the answer, which is sent as soon as the endpoint is done.
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(capture.Lines.Count(l => l.StartsWith(RequestLogging.Category, StringComparison.Ordinal)
            && l.Contains("whoami", StringComparison.Ordinal)) >= 2)), "both whoami requests are logged");
        var lines = capture.Lines.ToList();
        Assert.DoesNotContain(lines, l => l.Contains(alice.AccessToken, StringComparison.Ordinal) || l.Contains("syt_wrong_secret_token", StringComparison.Ordinal));
        var requestLine = Assert.Single(lines, l => l.StartsWith(RequestLogging.Category, StringComparison.Ordinal) && l.Contains(" 200 ", StringComparison.Ordinal)
            && l.Contains("whoami", StringComparison.Ordinal));
        Assert.Contains("GET /_matrix/client/v3/account/whoami?access_token=<redacted> 200", requestLine, StringComparison.Ordinal);
        Assert.Contains("RequestId=", requestLine, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("access_token=<redacted> 401", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Json_format_switches_the_console_to_json_lines_with_scopes()
    {
        await using var server = await TestHomeserver.StartAsync(s => s["Homeserver:Logging:Format"] = "Json");
        Assert.Equal(ConsoleFormatterNames.Json, server.Services.GetRequiredService<IOptions<ConsoleLoggerOptions>>().Value.FormatterName);
        Assert.True(server.Services.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>().CurrentValue.IncludeScopes);
    }

    /// <summary>Every entry as "category message {state} [scopes]": everything a console or JSON formatter could write.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = new System.Text.StringBuilder($"{category} {formatter(state, exception)} {Describe(state)}");
                provider._scopes.ForEachScope((scope, text) => text.Append(" [").Append(Describe(scope)).Append(']'), line);
                if (exception is not null) line.Append(' ').Append(exception);
                provider.Lines.Enqueue(line.ToString());
            }

            private static string Describe(object? state) => state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : state?.ToString() ?? "";
        }
    }
}

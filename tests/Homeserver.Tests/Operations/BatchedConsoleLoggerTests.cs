using Matrix.Homeserver.Operations;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Matrix.Homeserver.Tests.Operations;

/// <summary>The console log written in batches: every line, whole and in order, in the configured format, and none left behind at shutdown.</summary>
public sealed class BatchedConsoleLoggerTests
{
    [Fact]
    public async Task Lines_from_many_threads_arrive_whole_and_in_each_threads_order_with_their_scopes()
    {
        var output = new SignalingWriter();
        using var factory = Factory(output, ConsoleFormatterNames.Simple);
        var logger = factory.CreateLogger("Matrix.Test");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            using var scope = logger.BeginScope("thread {Thread}", t);
            for (var i = 0; i < 500; i++) logger.LogInformation("line {Thread}-{Index}", t, i);
        })));
        Assert.True(await output.WaitForAsync(text => Lines(text).Count(l => l.Contains("line ", StringComparison.Ordinal)) == 2000, TimeSpan.FromSeconds(10)));

        var lines = Lines(output.Text).Where(l => l.Contains("line ", StringComparison.Ordinal)).ToList();
        for (var t = 0; t < 4; t++)
        {
            var own = lines.Where(l => l.Contains($"=> thread {t} ", StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(0, 500).Select(i => $"line {t}-{i}"), own.Select(l => l[l.IndexOf("line ", StringComparison.Ordinal)..]));
            Assert.All(own, l => Assert.StartsWith("info: Matrix.Test[0]", l, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_line_after_a_quiet_spell_goes_out_at_once_and_the_json_format_is_kept()
    {
        var output = new SignalingWriter();
        using var factory = Factory(output, ConsoleFormatterNames.Json);
        var logger = factory.CreateLogger("Matrix.Test");
        await Task.Delay(BatchedConsoleLoggerProvider.FlushInterval * 3);

        logger.LogWarning("quiet {Thing}", "spell");
        // Far below the flush interval's multiples a busy machine could add; the writer was waiting, not sleeping.
        Assert.True(await output.WaitForAsync(text => text.Contains("quiet spell", StringComparison.Ordinal), TimeSpan.FromSeconds(5)));
        var line = Assert.Single(Lines(output.Text));
        using var json = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal("Warning", json.RootElement.GetProperty("LogLevel").GetString());
        Assert.Equal("spell", json.RootElement.GetProperty("State").GetProperty("Thing").GetString());
    }

    [Fact]
    public void Disposal_writes_the_lines_still_waiting()
    {
        var output = new SignalingWriter();
        var factory = Factory(output, ConsoleFormatterNames.Simple);
        var logger = factory.CreateLogger("Matrix.Test");
        for (var i = 0; i < 300; i++) logger.LogInformation("last words {Index}", i);
        factory.Dispose();
        Assert.Equal(300, Lines(output.Text).Count(l => l.Contains("last words", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_full_queue_drops_the_lines_past_its_bound_and_says_how_many()
    {
        var output = new HeldWriter();
        var formatters = new ServiceCollection().AddLogging(b => b.AddConsole().AddSimpleConsole(o => o.SingleLine = true))
            .BuildServiceProvider().GetServices<ConsoleFormatter>().ToList();
        var options = new ConsoleLoggerOptions { FormatterName = ConsoleFormatterNames.Simple, MaxQueueLength = 2, QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite };
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace));
        factory.AddProvider(new BatchedConsoleLoggerProvider(options, formatters, output));
        var logger = factory.CreateLogger("Matrix.Test");

        // The writer takes the first line and is held writing it: two more lines wait, the next three are dropped.
        logger.LogInformation("first");
        Assert.True(output.Writing.Wait(TimeSpan.FromSeconds(10)));
        for (var i = 0; i < 5; i++) logger.LogInformation("queued {Index}", i);
        output.Release.Set();
        factory.Dispose();

        var lines = Lines(output.ToString());
        Assert.Equal(["first", "queued 0", "queued 1"], lines.Where(l => !l.Contains("dropped", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(']') + 2)..]));
        Assert.Contains("3 log lines dropped: the console could not keep up", lines);
    }

    [Fact]
    public async Task The_server_logs_through_the_batched_provider_only()
    {
        await using var server = await TestHomeserver.StartAsync();
        var providers = server.Services.GetServices<ILoggerProvider>().Select(p => p.GetType()).ToList();
        Assert.Contains(typeof(BatchedConsoleLoggerProvider), providers);
        Assert.DoesNotContain(typeof(ConsoleLoggerProvider), providers);
    }

    private static ILoggerFactory Factory(TextWriter output, string formatterName)
    {
        var formatters = new ServiceCollection()
            .AddLogging(b => b.AddConsole().AddSimpleConsole(o => { o.IncludeScopes = true; o.SingleLine = true; }).AddJsonConsole(o => o.IncludeScopes = true))
            .BuildServiceProvider()
            .GetServices<ConsoleFormatter>()
            .ToList();
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace));
        factory.AddProvider(new BatchedConsoleLoggerProvider(new ConsoleLoggerOptions { FormatterName = formatterName }, formatters, output));
        return factory;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Holds the writer thread in its first write until released.</summary>
    private sealed class HeldWriter : StringWriter
    {
        public ManualResetEventSlim Writing { get; } = new();
        public ManualResetEventSlim Release { get; } = new();

        public override void Write(System.Text.StringBuilder? value)
        {
            Writing.Set();
            Release.Wait(TimeSpan.FromSeconds(10));
            base.Write(value);
        }
    }

    /// <summary>Collects what is written and lets a test wait for a condition on it.</summary>
    private sealed class SignalingWriter : StringWriter
    {
        private readonly Lock _gate = new();

        public string Text
        {
            get
            {
                lock (_gate) return ToString();
            }
        }

        public override void Write(string? value)
        {
            lock (_gate) base.Write(value);
        }

        public override void Write(char value)
        {
            lock (_gate) base.Write(value);
        }

        // The provider writes its waiting text as one builder.
        public override void Write(System.Text.StringBuilder? value)
        {
            lock (_gate) base.Write(value);
        }

        public async Task<bool> WaitForAsync(Func<string, bool> condition, TimeSpan timeout) =>
            await Eventually.HoldsAsync(() => Task.FromResult(condition(Text)), timeout);
    }
}

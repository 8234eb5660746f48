using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Matrix.Homeserver.Operations;

/// <summary>
/// The console log, written in batches. The stock console logger wakes its writer thread and makes one write system
/// call for every line: with an access-log line per request, that was a thread wake-up per request on top of the
/// request's own. Here a line is formatted by the configured console formatter (simple or JSON, scopes included) on
/// the logging thread, as the stock logger does, and appended to one buffer of waiting text (no string per line: the
/// access log writes a line per request); the writer thread writes what accumulated in one write, then sleeps
/// <see cref="FlushInterval"/> before the next: under load it wakes at most that often, and a quiet server's line goes
/// out at once. <see cref="ConsoleLoggerOptions.MaxQueueLength"/> and
/// <see cref="ConsoleLoggerOptions.QueueFullMode"/> bound the lines waiting, as they bound the stock logger's; every line
/// goes to standard output (the stock default: <see cref="ConsoleLoggerOptions.LogToStandardErrorThreshold"/> is not used).
/// </summary>
[ProviderAlias("Console")]
public sealed class BatchedConsoleLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>A waiting-text buffer grown larger than this by a burst is let go once written, not kept for good.</summary>
    private const int KeptBufferChars = 256 * 1024;

    /// <summary>How long disposal waits for the writer's last lines (a stuck standard output must not hold the shutdown).</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);

    [ThreadStatic] private static StringWriter? _formatBuffer;

    private readonly ConsoleFormatter _formatter;
    private readonly ConsoleLoggerOptions _options;
    private readonly TextWriter _output;

    /// <summary>A monitor, not a <see cref="Lock"/>: the writer and loggers on a full queue wait on it.</summary>
    private readonly object _gate = new();

    /// <summary>Held while lines are written: the writer thread and an exit's last write take turns.</summary>
    private readonly Lock _writeGate = new();
    private readonly Thread _writer;
    private StringBuilder _pending = new();
    private StringBuilder _writing = new();
    private int _pendingLines;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
    private bool _writerWaiting;
    private bool _stopping;
    private int _dropped;

    public BatchedConsoleLoggerProvider(IOptions<ConsoleLoggerOptions> options, IEnumerable<ConsoleFormatter> formatters)
        : this(options.Value, formatters, new StreamWriter(Console.OpenStandardOutput(), bufferSize: 32 * 1024) { AutoFlush = false })
    {
    }

    /// <summary>Writes to <paramref name="output"/> (tests), flushing it after every batch.</summary>
    public BatchedConsoleLoggerProvider(ConsoleLoggerOptions options, IEnumerable<ConsoleFormatter> formatters, TextWriter output)
    {
        _options = options;
        var all = formatters.ToList();
        _formatter = all.FirstOrDefault(f => f.Name == options.FormatterName) ?? all.First(f => f.Name == ConsoleFormatterNames.Simple);
        _output = output;
        _writer = new Thread(WriteBatches) { IsBackground = true, Name = "Console logger (batched)" };
        _writer.Start();
        AppDomain.CurrentDomain.UnhandledException += WritePendingAtExit;
        AppDomain.CurrentDomain.ProcessExit += WritePendingAtExit;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    private void Enqueue(StringBuilder line)
    {
        lock (_gate)
        {
            while (_pendingLines >= _options.MaxQueueLength && !_stopping)
            {
                if (_options.QueueFullMode == ConsoleLoggerQueueFullMode.DropWrite)
                {
                    _dropped++;
                    return;
                }

                Monitor.Wait(_gate);
            }

            _pending.Append(line);
            _pendingLines++;
            if (_writerWaiting) Monitor.PulseAll(_gate);
        }
    }

    private void WriteBatches()
    {
        while (true)
        {
            lock (_gate)
            {
                while (_pendingLines == 0 && !_stopping)
                {
                    _writerWaiting = true;
                    Monitor.Wait(_gate);
                    _writerWaiting = false;
                }

                if (_pendingLines == 0) return;
            }

            WritePending();
            if (!Volatile.Read(ref _stopping)) Thread.Sleep(FlushInterval);
        }
    }

    /// <summary>Writes the lines waiting, in one write. The writer thread, and a crash or exit that comes before it.</summary>
    private void WritePending()
    {
        lock (_writeGate)
        {
            int dropped;
            lock (_gate)
            {
                (_pending, _writing) = (_writing, _pending);
                _pendingLines = 0;
                (dropped, _dropped) = (_dropped, 0);
                // Loggers waiting on a full queue go on.
                Monitor.PulseAll(_gate);
            }

            try
            {
                _output.Write(_writing);
                if (dropped > 0) _output.WriteLine($"{dropped} log lines dropped: the console could not keep up");
                _output.Flush();
            }
            catch (IOException)
            {
                // Standard output closed or broken: the lines have nowhere to go.
            }

            if (_writing.Capacity > KeptBufferChars) _writing = new StringBuilder();
            else _writing.Clear();
        }
    }

    /// <summary>An unhandled exception or the process's exit: what was logged just before must not be lost with the writer's sleep.</summary>
    private void WritePendingAtExit(object? sender, EventArgs e) => WritePending();

    public void Dispose()
    {
        AppDomain.CurrentDomain.UnhandledException -= WritePendingAtExit;
        AppDomain.CurrentDomain.ProcessExit -= WritePendingAtExit;
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        _writer.Join(StopTimeout);
    }

    private sealed class Logger(BatchedConsoleLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var buffer = _formatBuffer ??= new StringWriter();
            provider._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), provider._scopes, buffer);
            var text = buffer.GetStringBuilder();
            if (text.Length == 0) return;
            provider.Enqueue(text);
            // A line that held a large exception would keep its buffer's capacity on this thread for good.
            if (text.Capacity > 4096) _formatBuffer = null;
            else text.Clear();
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>
/// Counts the SQL commands EF Core runs against one test server's database (matched by connection
/// string, since test classes run side by side), through EF Core's diagnostic events.
/// </summary>
public sealed class SqlCommandCounter : IDisposable, IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
{
    private readonly string _connectionString;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly ConcurrentQueue<string> _commands = new();

    public SqlCommandCounter(string connectionString)
    {
        _connectionString = connectionString;
        _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
    }

    public int Count => _commands.Count;

    /// <summary>The commands run since the last reset (for failure messages).</summary>
    public string Commands => string.Join("\n---\n", _commands);

    public void Reset() => _commands.Clear();

    public void OnNext(DiagnosticListener listener)
    {
        if (listener.Name == DbLoggerCategory.Name) lock (_subscriptions) _subscriptions.Add(listener.Subscribe(this));
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == RelationalEventId.CommandExecuted.Name && value.Value is CommandExecutedEventData data
            && data.Context?.Database.GetConnectionString() == _connectionString)
        {
            _commands.Enqueue(data.Command.CommandText);
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        lock (_subscriptions)
        {
            foreach (var s in _subscriptions) s.Dispose();
        }
    }
}

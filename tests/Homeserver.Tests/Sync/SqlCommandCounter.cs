using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>
/// Counts the SQL commands EF Core runs against one test server's database (matched by connection
/// string, since test classes run side by side), through EF Core's diagnostic events. Only commands run while serving a
/// request count: a background job's sweep (the account clean-up's first tick lands two seconds after start) is not
/// part of any answer. ASP.NET Core starts a request activity once something listens to its source, so this does.
/// </summary>
public sealed class SqlCommandCounter : IDisposable, IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
{
    private readonly string _connectionString;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly ConcurrentQueue<string> _commands = new();
    private readonly ActivityListener _requests = new()
    {
        ShouldListenTo = source => source.Name == RequestSource,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
    };

    private const string RequestSource = "Microsoft.AspNetCore";

    public SqlCommandCounter(string connectionString)
    {
        _connectionString = connectionString;
        ActivitySource.AddActivityListener(_requests);
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
            && data.Context?.Database.GetConnectionString() == _connectionString && InRequest())
        {
            _commands.Enqueue(data.Command.CommandText);
        }
    }

    private static bool InRequest()
    {
        for (var a = Activity.Current; a is not null; a = a.Parent)
        {
            if (a.Source.Name == RequestSource) return true;
        }

        return false;
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _requests.Dispose();
        lock (_subscriptions)
        {
            foreach (var s in _subscriptions) s.Dispose();
        }
    }
}

using System.Diagnostics;
using System.Globalization;

namespace Matrix.Load;

/// <summary>
/// CPU time (user and system) spent over a phase: by the load tool itself, or by a process given by its pid together with
/// its descendants (Linux, from /proc). On a machine whose cores the tool shares with the server and its database, each
/// one's CPU time per operation says what a send costs where, and is much steadier from run to run than throughput.
/// PostgreSQL runs a process per connection under its postmaster, hence the descendants.
/// </summary>
public readonly struct CpuTime
{
    private readonly int? _pid;
    private readonly double _startMs;

    private CpuTime(int? pid, double startMs) => (_pid, _startMs) = (pid, startMs);

    /// <summary>The load tool's own CPU time from now.</summary>
    public static CpuTime Start() => new(null, Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds);

    /// <summary>The process tree's CPU time from now; null without a pid or where /proc cannot tell.</summary>
    public static CpuTime? Start(int? pid) => pid is { } id && TreeMs(id) is { } ms ? new CpuTime(id, ms) : null;

    public double ElapsedMs => (_pid is { } pid ? TreeMs(pid) ?? _startMs : Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds) - _startMs;

    /// <summary>The CPU time of the process and every process below it that is still running.</summary>
    private static double? TreeMs(int root)
    {
        if (!Directory.Exists("/proc")) return null;
        var processes = new Dictionary<int, (int Parent, double Ms)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (ReadStat(pid) is { } stat) processes[pid] = stat;
        }

        if (!processes.ContainsKey(root)) return null;
        var total = 0.0;
        var below = new Queue<int>([root]);
        while (below.TryDequeue(out var pid))
        {
            total += processes[pid].Ms;
            foreach (var (child, stat) in processes)
            {
                if (stat.Parent == pid) below.Enqueue(child);
            }
        }

        return total;
    }

    /// <summary>
    /// Parent pid and utime + stime from /proc/PID/stat. The command name (field 2) may hold spaces and parentheses, so
    /// the fields are counted from its closing parenthesis: state, ppid, … utime and stime are the 12th and 13th after it.
    /// </summary>
    private static (int Parent, double Ms)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null; // exited meanwhile
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        if (fields.Length < 13) return null;
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        // The kernel reports clock ticks in USER_HZ, which is 100 on Linux whatever the kernel's own tick rate.
        return (int.Parse(fields[1], CultureInfo.InvariantCulture), ticks * 10.0);
    }
}

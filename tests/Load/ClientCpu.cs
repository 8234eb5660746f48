using System.Diagnostics;

namespace Matrix.Load;

/// <summary>
/// The load tool's own CPU time over a phase: on a machine shared with the server, what the client spends receiving and
/// parsing is taken from the server's cores, so the figures say how much that was.
/// </summary>
public readonly struct ClientCpu
{
    private readonly TimeSpan _start;

    private ClientCpu(TimeSpan start) => _start = start;

    public static ClientCpu Start() => new(Process.GetCurrentProcess().TotalProcessorTime);

    public double ElapsedMs => (Process.GetCurrentProcess().TotalProcessorTime - _start).TotalMilliseconds;
}

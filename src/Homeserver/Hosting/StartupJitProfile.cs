using System.Reflection;
using System.Runtime;

namespace Matrix.Homeserver.Hosting;

/// <summary>
/// The runtime's multi-core JIT for the start-up: a start records which methods it compiled until shortly after it
/// serves, in a profile beside the binary, and the next start compiles them on a background thread ahead of the threads
/// that need them (most of a start from the build output is the JIT's; docs/benchmarks.md, forty-fifth round). A
/// profile of another build is harmless: the runtime skips the modules whose identity changed. Where the directory is
/// not writable, or another server from the same binary is recording, the start goes without it.
/// </summary>
internal sealed class StartupJitProfile : IDisposable
{
    private const string ProfileName = "startup.jitprofile";

    /// <summary>
    /// How long after it starts serving a server records: a readiness probe's first request (whose routing is built then)
    /// is in the profile, and the profile is written before a harness that kills the process a second after it serves
    /// (as the load tool's cold-start scenario does) can lose it.
    /// </summary>
    internal static readonly TimeSpan RecordAfterStart = TimeSpan.FromMilliseconds(500);

    private readonly FileStream _lock;
    private int _stopped;

    private StartupJitProfile(FileStream lockFile) => _lock = lockFile;

    /// <summary>Starts the background compilation of the last profile and a new recording; null when it cannot.</summary>
    public static StartupJitProfile? Start()
    {
        // The profile is the process's: a server hosted by another program (a test runner) leaves its JIT alone.
        if (Assembly.GetEntryAssembly() != typeof(StartupJitProfile).Assembly) return null;
        var directory = AppContext.BaseDirectory;
        FileStream lockFile;
        try
        {
            // One recorder per profile: two servers writing the same file at once would leave neither's.
            lockFile = new FileStream(Path.Combine(directory, ProfileName + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        ProfileOptimization.SetProfileRoot(directory);
        ProfileOptimization.StartProfile(ProfileName);
        return new StartupJitProfile(lockFile);
    }

    /// <summary>Stops the recording once <see cref="RecordAfterStart"/> has passed since the server started serving.</summary>
    public void StopAfterStart(IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStarted.Register(() => _ = Task.Delay(RecordAfterStart, lifetime.ApplicationStopping)
            .ContinueWith(_ => Dispose(), TaskScheduler.Default));

    /// <summary>Stops the recording (the runtime writes the profile then) and lets another server record.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        ProfileOptimization.StartProfile(null);
        _lock.Dispose();
    }
}

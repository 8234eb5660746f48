using System.Diagnostics;
using System.Runtime.InteropServices;
using Matrix.Homeserver.Hosting;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Hosting;

/// <summary>The server processes started from the test's binaries (they share its directory, and so its JIT profile).</summary>
[CollectionDefinition(Name)]
public sealed class ServerProcessCollection
{
    public const string Name = "server processes";
}

[Collection(ServerProcessCollection.Name)]
public sealed partial class StartupJitProfileTests : IDisposable
{
    private readonly List<string> _dataDirectories = [];

    private static readonly string Directory = Path.GetDirectoryName(typeof(HomeserverHost).Assembly.Location)!;
    private static readonly string Profile = Path.Combine(Directory, "startup.jitprofile");

    [Fact]
    public async Task A_start_records_its_profile_shortly_after_it_serves_and_the_next_start_reads_it()
    {
        var before = DateTime.UtcNow.AddSeconds(-1);
        using (var first = await StartAsync())
        {
            // Written while the server runs: a harness that kills it a second after it serves keeps the profile. The
            // runtime creates the file before it writes it, so a check of its time alone can see it still empty.
            Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(WrittenAfter(before) && new FileInfo(Profile).Length > 0),
                TimeSpan.FromSeconds(10)), "the running server has written its profile");
            await StopAsync(first);
        }

        await using (new FileStream(Profile + ".lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            // The lock is free again for the next start.
        }

        using var next = await StartAsync();
        await StopAsync(next);
    }

    [Fact]
    public async Task A_server_starts_without_the_profile_while_another_one_records_it()
    {
        var written = File.Exists(Profile) ? File.GetLastWriteTimeUtc(Profile) : default;
        await using (new FileStream(Profile + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            using var server = await StartAsync();
            await Task.Delay(StartupJitProfile.RecordAfterStart * 3);
            await StopAsync(server);
        }

        Assert.Equal(written, File.Exists(Profile) ? File.GetLastWriteTimeUtc(Profile) : default);
    }

    private static bool WrittenAfter(DateTime time) => File.Exists(Profile) && File.GetLastWriteTimeUtc(Profile) > time;

    /// <summary>The server's process on a temporary SQLite database, once it answers.</summary>
    private async Task<Process> StartAsync()
    {
        var data = System.IO.Directory.CreateTempSubdirectory("hs-jit-").FullName;
        _dataDirectories.Add(data);
        var url = $"http://127.0.0.1:{TestFederation.FreePort()}";
        var start = new ProcessStartInfo("dotnet", [typeof(HomeserverHost).Assembly.Location, $"--Homeserver:Listeners:Client:Url={url}",
            "--Homeserver:Federation:Enabled=false", "--Homeserver:ServerName=jit.localhost"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = data,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var serving = await Eventually.HoldsAsync(async () =>
        {
            Assert.False(process.HasExited, "the server exited before it served");
            try
            {
                return (await http.GetAsync($"{url}/_matrix/client/versions")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false; // Not listening yet.
            }
        });
        if (serving) return process;
        process.Kill(entireProcessTree: true);
        throw new TimeoutException("the server did not serve within 30 s");
    }

    /// <summary>Stops the server as an operator does (SIGTERM), and waits for it.</summary>
    private static async Task StopAsync(Process process)
    {
        Assert.Equal(0, Kill(process.Id, Sigterm));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, process.ExitCode);
    }

    public void Dispose()
    {
        foreach (var directory in _dataDirectories) System.IO.Directory.Delete(directory, recursive: true);
    }

    private const int Sigterm = 15;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}

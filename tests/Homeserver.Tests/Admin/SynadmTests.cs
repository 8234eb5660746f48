using System.Diagnostics;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Admin;

/// <summary>A fact that runs only where Debian's synadm is installed (scripts/test installs it with apt when run as root).</summary>
public sealed class SynadmFactAttribute : FactAttribute
{
    public SynadmFactAttribute()
    {
        if (SynadmCli.Path is null) Skip = "synadm is not installed (apt-get install synadm; scripts/test does so when run as root)";
    }
}

/// <summary>Runs the synadm command line against a live test server, with a config file of its own.</summary>
public static class SynadmCli
{
    public static readonly string? Path = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => System.IO.Path.Combine(dir, "synadm"))
        .FirstOrDefault(File.Exists);

    /// <summary>Runs one synadm command with JSON output and returns what it printed, parsed (bounded: 60 s).</summary>
    public static async Task<JsonNode> RunAsync(TestHomeserver server, TestUser admin, params string[] arguments)
    {
        var config = System.IO.Path.Combine(server.DataDirectory, "synadm.yaml");
        await File.WriteAllTextAsync(config, $"""
            user: "{admin.UserId}"
            token: "{admin.AccessToken}"
            base_url: "{server.BaseUrl.ToString().TrimEnd('/')}"
            admin_path: /_synapse/admin
            matrix_path: /_matrix
            timeout: 30
            homeserver: {server.ServerName}
            format: json
            """);
        var start = new ProcessStartInfo(Path!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["--batch", "-o", "json", "-c", config, .. arguments]) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"synadm {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}");
        return JsonNode.Parse(output) ?? throw new InvalidOperationException($"synadm printed no JSON: {output} {await stderr}");
    }
}

/// <summary>synadm, the Synapse admin command line, drives this server: user list, user details, room list.</summary>
public sealed class SynadmTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    [SynadmFact]
    public async Task Synadm_lists_users_shows_details_and_lists_rooms()
    {
        var server = fixture.Server;
        var admin = await server.CreateUserAsync("synadmin", admin: true);
        var user = await server.RegisterAsync("synuser");
        var roomId = await server.CreateRoomAsync(user);

        var users = (await SynadmCli.RunAsync(server, admin, "user", "list")).AsObject();
        Assert.Contains(user.UserId, users["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()));

        var details = (await SynadmCli.RunAsync(server, admin, "user", "details", user.UserId)).AsObject();
        Assert.Equal(user.UserId, details["name"]!.GetValue<string>());
        Assert.Equal("synuser", details["displayname"]!.GetValue<string>());

        var rooms = (await SynadmCli.RunAsync(server, admin, "room", "list")).AsObject();
        Assert.Contains(roomId, rooms["rooms"]!.AsArray().Select(r => r!["room_id"]!.GetValue<string>()));
    }
}

using System.Text.Json.Nodes;
using Matrix.Homeserver.Cli;
using Matrix.Homeserver.Hosting;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Cli;

/// <summary>The executable's commands, run in-process against a temporary directory and a fresh database.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private string _directory = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _directory = Directory.CreateTempSubdirectory("hs-cli-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Help_lists_the_commands_and_an_unknown_command_is_a_usage_error()
    {
        var help = await RunAsync("--help");
        Assert.Equal(0, help.Code);
        foreach (var command in new[] { "generate-config", "check-config", "migrate", "register-user" }) Assert.Contains(command, help.Output, StringComparison.Ordinal);
        var unknown = await RunAsync("frobnicate");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("unknown command 'frobnicate'", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_config_writes_every_default_and_a_signing_key_and_check_config_accepts_the_file()
    {
        var file = Path.Combine(_directory, "homeserver.json");
        var data = Path.Combine(_directory, "data");
        var generated = await RunAsync("generate-config", "--server-name", "example.org", "--output", file, "--data-dir", data);
        Assert.Equal(0, generated.Code);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(file))!["Homeserver"]!;
        Assert.Equal("example.org", json["ServerName"]!.GetValue<string>());
        Assert.Equal("Sqlite", json["Database"]!["Provider"]!.GetValue<string>());
        Assert.False(json["Metrics"]!["Enabled"]!.GetValue<bool>());
        Assert.Equal("Text", json["Logging"]!["Format"]!.GetValue<string>());
        Assert.Equal(120000, json["Sync"]!["MaxTimeoutMs"]!.GetValue<int>());
        Assert.StartsWith("ed25519 a_", await File.ReadAllTextAsync(Path.Combine(data, "signing.key")), StringComparison.Ordinal);

        var again = await RunAsync("generate-config", "--output", file);
        Assert.Equal(1, again.Code);
        Assert.Contains("exists already", again.Error, StringComparison.Ordinal);

        var check = await RunAsync("check-config", "--config", file);
        Assert.Equal(0, check.Code);
        Assert.Contains("OK: example.org", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_config_prints_the_one_line_error_and_fails()
    {
        var bad = await RunAsync("check-config", "--Homeserver:Database:Provider=Mysql");
        Assert.Equal(1, bad.Code);
        Assert.Equal("Configuration error: Homeserver:Database:Provider: 'Mysql' is not one of Sqlite, Postgres", bad.Error.Trim());

        var version = await RunAsync("check-config", "--Homeserver:Rooms:DefaultRoomVersion=13");
        Assert.Equal(1, version.Code);
        Assert.Contains("'13' is not a room version this server supports", version.Error, StringComparison.Ordinal);

        var key = Path.Combine(_directory, "broken.key");
        await File.WriteAllTextAsync(key, "not a key\n");
        var brokenKey = await RunAsync("check-config", $"--Homeserver:SigningKeyPath={key}");
        Assert.Equal(1, brokenKey.Code);
        Assert.Contains("Homeserver:SigningKeyPath", brokenKey.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_applies_the_schema_once()
    {
        var first = await RunAsync(["migrate", .. DatabaseArguments()]);
        Assert.Equal(0, first.Code);
        Assert.Contains("Applied", first.Output, StringComparison.Ordinal);
        var second = await RunAsync(["migrate", .. DatabaseArguments()]);
        Assert.Equal(0, second.Code);
        Assert.Contains("up to date", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_database_is_one_line_naming_the_cause_for_the_server_and_its_commands()
    {
        string[] unreachable =
        [
            "--Homeserver:Database:Provider=Postgres", "--Homeserver:Database:ConnectionString=Host=127.0.0.1;Port=1;Username=hs;Password=s3cret-pw;Database=hs",
            "--Homeserver:Listeners:Client:Url=http://127.0.0.1:0", $"--Homeserver:SigningKeyPath={Path.Combine(_directory, "signing.key")}",
            $"--Homeserver:Media:StorePath={Path.Combine(_directory, "media")}",
        ];
        foreach (var run in new[] { await RunAsync(unreachable), await RunAsync(["migrate", .. unreachable]) })
        {
            Assert.Equal(1, run.Code);
            Assert.StartsWith("Database error: Failed to connect to 127.0.0.1:1", run.Error, StringComparison.Ordinal);
            Assert.Contains("Connection refused", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret-pw", run.Error, StringComparison.Ordinal);
            Assert.Single(run.Error.Trim().Split('\n'));
        }
    }

    [Fact]
    public async Task A_sqlite_directory_that_cannot_be_made_is_a_configuration_error()
    {
        var blocker = Path.Combine(_directory, "a-file");
        await File.WriteAllTextAsync(blocker, "");
        var run = await RunAsync("migrate", "--Homeserver:Database:Provider=Sqlite", $"--Homeserver:Database:ConnectionString=Data Source={blocker}/data/homeserver.db");
        Assert.Equal(1, run.Code);
        Assert.StartsWith($"Configuration error: Homeserver:Database:ConnectionString: the SQLite database's directory {blocker}/data cannot be created", run.Error,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_user_creates_an_account_that_can_log_in_and_refuses_a_taken_name()
    {
        var created = await RunAsync(["register-user", "--user", "Alice", "--password", "correct horse battery", "--admin", .. DatabaseArguments()]);
        Assert.Equal(0, created.Code);
        Assert.Contains("Created @alice:cli.example (server admin)", created.Output, StringComparison.Ordinal);

        // The password can come from standard input instead.
        var bob = await RunAsync(["register-user", "--user", "@bob:cli.example", .. DatabaseArguments()], input: "another good password\n");
        Assert.Equal(0, bob.Code);

        var taken = await RunAsync(["register-user", "--user", "alice", "--password", "whatever long", .. DatabaseArguments()]);
        Assert.Equal(1, taken.Code);
        Assert.Contains("User ID already taken", taken.Error, StringComparison.Ordinal);
        var weak = await RunAsync(["register-user", "--user", "carol", "--password", "short", .. DatabaseArguments()]);
        Assert.Equal(1, weak.Code);
        var noUser = await RunAsync(["register-user", "--password", "whatever long"]);
        Assert.Equal(2, noUser.Code);

        await using var app = HomeserverHost.Build(DatabaseArguments());
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        var users = await db.Users.OrderBy(u => u.UserId).Select(u => new { u.UserId, u.IsAdmin, u.PasswordHash }).ToListAsync();
        Assert.Equal(["@alice:cli.example", "@bob:cli.example"], users.Select(u => u.UserId));
        Assert.True(users[0].IsAdmin);
        Assert.False(users[1].IsAdmin);
        Assert.True(BCrypt.Net.BCrypt.Verify("another good password", users[1].PasswordHash));
    }

    private string[] DatabaseArguments() =>
    [
        "--Homeserver:ServerName=cli.example",
        $"--Homeserver:Database:Provider={_database.Provider}",
        $"--Homeserver:Database:ConnectionString={_database.ConnectionString}",
        $"--Homeserver:SigningKeyPath={Path.Combine(_directory, "signing.key")}",
        "--Homeserver:Auth:BcryptRounds=4",
        "--Logging:LogLevel:Default=Warning",
    ];

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => await RunAsync(args, input: "");

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string input)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await HomeserverCli.RunAsync(args, new StringReader(input), output, error);
        return (code, output.ToString(), error.ToString());
    }
}

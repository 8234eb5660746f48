using System.Net.Http.Headers;
using Matrix.Homeserver.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Infrastructure;

/// <summary>
/// The real server, started in this process on a free loopback port against a fresh database,
/// and talked to over real HTTP.
/// </summary>
public sealed class TestHomeserver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TestDatabase _database;
    private readonly string _dataDirectory;

    private TestHomeserver(WebApplication app, TestDatabase database, string dataDirectory, string serverName)
    {
        _app = app;
        _database = database;
        _dataDirectory = dataDirectory;
        ServerName = serverName;
        // The client listener is the plain http one (a federation listener, when configured, is https).
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var address = addresses.FirstOrDefault(a => a.StartsWith("http:", StringComparison.Ordinal)) ?? addresses.First();
        BaseUrl = new Uri(address);
        Http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public Uri BaseUrl { get; }
    public string ServerName { get; }
    public HttpClient Http { get; }
    public IServiceProvider Services => _app.Services;
    public string DataDirectory => _dataDirectory;
    public string DatabaseProvider => _database.Provider;

    /// <param name="services">Replaces or adds services after the server's own (e.g. a recording IPublisher).</param>
    /// <param name="mapTestEndpoints">Adds endpoints that exist only in the test (e.g. to drive a service over HTTP).</param>
    public static async Task<TestHomeserver> StartAsync(Action<IDictionary<string, string?>>? configure = null, string serverName = "localhost",
        Action<IServiceCollection>? services = null, Action<WebApplication>? mapTestEndpoints = null)
    {
        var database = await TestDatabase.CreateAsync();
        var dataDirectory = Directory.CreateTempSubdirectory("hs-test-data-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Homeserver:ServerName"] = serverName,
            ["Homeserver:Listeners:Client:Url"] = "http://127.0.0.1:0",
            ["Homeserver:Database:Provider"] = database.Provider,
            ["Homeserver:Database:ConnectionString"] = database.ConnectionString,
            ["Homeserver:SigningKeyPath"] = Path.Combine(dataDirectory, "signing.key"),
            ["Homeserver:Media:StorePath"] = Path.Combine(dataDirectory, "media"),
            ["Homeserver:Registration:Mode"] = "Open",
            // bcrypt's cheapest cost keeps registrations fast; rate limits are tested on servers that turn them on.
            ["Homeserver:Auth:BcryptRounds"] = "4",
            ["Homeserver:RateLimits:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (Environment.GetEnvironmentVariable("HOMESERVER_ROUTE_HITS_DIR") is { Length: > 0 } hitsDir)
        {
            settings["Homeserver:Diagnostics:RouteHitsFile"] = Path.Combine(hitsDir, $"homeserver-tests-{Guid.NewGuid():N}.txt");
        }

        configure?.Invoke(settings);
        var args = settings.Where(s => s.Value is not null).Select(s => $"--{s.Key}={s.Value}").ToArray();
        var app = HomeserverHost.Build(args, services);
        mapTestEndpoints?.Invoke(app);
        await StartupTasks.RunAsync(app.Services, CancellationToken.None);
        await app.StartAsync();
        return new TestHomeserver(app, database, dataDirectory, serverName);
    }

    /// <summary>Takes the server's database away under it (SQLite: its files; PostgreSQL: the database, dropped).</summary>
    public Task LoseDatabaseAsync() => _database.DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
    }
}

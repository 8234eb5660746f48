using System.Security.Cryptography.X509Certificates;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Admin;
using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Accounts.Admin;
using Matrix.Homeserver.Accounts.ThreePids;
using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Discovery;
using Matrix.Homeserver.Events;
using Matrix.Homeserver.FederationApi;
using Matrix.Homeserver.FederationApi.Ephemeral;
using Matrix.Homeserver.FederationApi.Hosting;
using Matrix.Homeserver.FederationApi.KeysRemote;
using Matrix.Homeserver.FederationApi.Media;
using Matrix.Homeserver.FederationApi.Presence;
using Matrix.Homeserver.FederationApi.Membership;
using Matrix.Homeserver.FederationApi.Queries;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Media;
using Matrix.Homeserver.OpenId;
using Matrix.Homeserver.Operations;
using Matrix.Homeserver.Push;
using Matrix.Homeserver.Reporting;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Rooms.Membership;
using Matrix.Homeserver.ServerKeys;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Sync;
using Matrix.Homeserver.ThirdParty;
using Matrix.Homeserver.UserDirectory;
using Matrix.Homeserver.Voip;

namespace Matrix.Homeserver.Hosting;

/// <summary>Builds and runs the server: configuration, services, listeners, middleware and routes.</summary>
public static class HomeserverHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var listRoutes = args.Contains("--list-routes");
        using var jitProfile = listRoutes ? null : StartupJitProfile.Start();
        WebApplication app;
        try
        {
            app = Build(args.Where(a => a != "--list-routes").ToArray());
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {e.Message}");
            return 2;
        }

        if (listRoutes)
        {
            Console.WriteLine(RouteDiagnostics.ToJson(RouteDiagnostics.ListRoutes(((IEndpointRouteBuilder)app).DataSources)));
            return 0;
        }

        try
        {
            await StartupTasks.RunAsync(app.Services, app.Lifetime.ApplicationStopping);
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {e.Message}");
            return 2;
        }

        jitProfile?.StopAfterStart(app.Lifetime);
        await app.RunAsync();
        return 0;
    }

    /// <param name="configureServices">Runs after the server's own registrations (tests replace services with it).</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        // Settings files are read beside the binary, so `dotnet run` works from any directory. The slim builder leaves out
        // what a homeserver never uses (IIS, HTTP/3, hosting-startup assemblies, the Debug and EventSource log providers,
        // regex route constraints): less to load at start and to keep resident; Kestrel's HTTPS support is added back.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelHttpsConfiguration();
        if (ConfigFileArgument(args) is { } configFile)
        {
            if (!File.Exists(configFile)) throw new ConfigurationException($"--config: file '{configFile}' does not exist");
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
            builder.Configuration.AddEnvironmentVariables();
            builder.Configuration.AddCommandLine(args);
        }

        var options = ConfigurationLoader.Load(builder.Configuration);
        builder.Services.AddSingleton(options);
        ConfigureListeners(builder.WebHost, options);
        builder.AddOperations(options);
        builder.Services.AddHomeserverServices(options);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseRequestLogging();
        app.UseMatrixErrors();
        app.UseBufferedResponses();
        app.UseCors();
        app.UseLegacyPaths();
        app.UseRouting();
        app.UseEscapedSlashes();
        app.UseListenerRouting(options);
        app.UseMetricsListenerRouting(options.Metrics);
        app.UseFederationAuthentication();
        app.UseRouteHitRecording(options.Diagnostics);
        app.MapHomeserverApis();
        app.MapMetricsEndpoint(options.Metrics);
        return app;
    }

    /// <summary>`--config path` or `--config=path`: an operator's JSON settings file, below env vars and flags.</summary>
    private static string? ConfigFileArgument(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length) return args[i + 1];
            if (args[i].StartsWith("--config=", StringComparison.Ordinal)) return args[i]["--config=".Length..];
        }

        return null;
    }

    public static IServiceCollection AddHomeserverServices(this IServiceCollection services, HomeserverOptions options)
    {
        // Element and other web clients run on another origin: every client endpoint answers CORS.
        services.AddCors(cors => cors.AddDefaultPolicy(p => p
            .AllowAnyOrigin()
            .WithMethods("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS")
            .WithHeaders("X-Requested-With", "Content-Type", "Authorization", "Date")));
        services.AddRequestValidators();
        services.AddHomeserverStorage(options.Database);
        services.AddSingleton(TimeProvider.System);
        services.AddMediator(o => o.ServiceLifetime = ServiceLifetime.Scoped);
        services.AddSingleton<AccessTokenService>();
        services.AddSingleton<StreamIdGenerator>();
        services.AddSingleton<StreamChanges>();
        services.AddSingleton(sp => ServerSigningKey.LoadOrCreate(options, sp.GetRequiredService<ILoggerFactory>().CreateLogger<ServerSigningKey>()));
        services.AddSingleton<SyncNotifier>();
        services.AddRoomEventServices();
        services.AddSync();
        services.AddFederationServices(options);
        services.AddFederationEventServices();
        services.AddFederationMembership(options);
        services.AddOpenId();
        services.AddFederationMedia();
        services.AddFederationEphemeral();
        services.AddFederationPresence();
        services.AddFederationKeys();
        services.AddRooms();
        services.AddAccounts(options);
        services.AddMedia();
        services.AddPushServices();
        services.AddKeys();
        services.AddAdmin();
        services.AddAppServices(options);
        return services;
    }

    public static IEndpointRouteBuilder MapHomeserverApis(this IEndpointRouteBuilder app)
    {
        app.MapDiscoveryApi();
        app.MapSyncApis();
        app.MapFederationApi();
        app.MapFederationEventsApi();
        app.MapFederationKeysApi();
        app.MapRoomApis();
        app.MapFederationMembershipApi();
        app.MapFederationQueriesApi();
        app.MapOpenIdApi();
        app.MapAccountsApi();
        app.MapMediaApis();
        app.MapRoomEventApis();
        app.MapPushApi();
        app.MapUserDirectoryApi();
        app.MapTurnServerApi();
        app.MapThirdPartyApi();
        app.MapThreePidApi();
        app.MapReportingApi();
        app.MapWhoisApi();
        app.MapMutualRoomsApi();
        app.MapKeysApis();
        app.MapAdminApi();
        app.MapAppServicesApi();
        return app;
    }

    private static void ConfigureListeners(IWebHostBuilder web, HomeserverOptions options) =>
        web.ConfigureKestrel(kestrel =>
        {
            var listeners = options.Listeners;
            kestrel.AddServerHeader = false;
            Listen(kestrel, new Uri(listeners.Client.Url), certificate: null, mark: null);
            if (listeners.Federation.Url is { } federationUrl)
            {
                var uri = new Uri(federationUrl);
                var certificate = uri.Scheme == Uri.UriSchemeHttps && !listeners.Federation.PlainHttp
                    ? X509Certificate2.CreateFromPemFile(listeners.Federation.CertificatePath!, listeners.Federation.CertificateKeyPath)
                    : null;
                Listen(kestrel, uri, certificate, ListenerRouting.MarkFederationListener);
            }

            if (options.Metrics is { Enabled: true, Listener: { Length: > 0 } metricsUrl })
            {
                Listen(kestrel, new Uri(metricsUrl), certificate: null, MetricsEndpoint.MarkMetricsListener);
            }
        });

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, Uri uri, X509Certificate2? certificate,
        Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions>? mark)
    {
        void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
        {
            mark?.Invoke(listen);
            if (certificate is not null) listen.UseHttps(certificate);
        }

        if (uri.Host is "localhost")
        {
            kestrel.ListenLocalhost(uri.Port, Configure);
        }
        else if (uri.Host is "0.0.0.0" or "*" or "+")
        {
            kestrel.ListenAnyIP(uri.Port, Configure);
        }
        else
        {
            kestrel.Listen(System.Net.IPAddress.Parse(uri.Host.Trim('[', ']')), uri.Port, Configure);
        }
    }
}

using System.Diagnostics;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Hosting;
using Microsoft.Extensions.Configuration;

namespace Matrix.Homeserver.Tests.Hosting;

[Collection(ServerProcessCollection.Name)]
public sealed class ConfigurationTests
{
    private static HomeserverOptions Load(params (string Key, string Value)[] settings) =>
        ConfigurationLoader.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    private static string Error(params (string Key, string Value)[] settings) =>
        Assert.Throws<ConfigurationException>(() => Load(settings)).Message;

    [Fact]
    public void Defaults_are_valid_and_use_embedded_sqlite()
    {
        var options = Load();
        Assert.Equal("localhost", options.ServerName);
        Assert.Equal(DatabaseProvider.Sqlite, options.Database.Provider);
        Assert.Equal("http://localhost:8008", options.Listeners.Client.Url);
        Assert.Equal(RegistrationMode.Closed, options.Registration.Mode);
    }

    [Fact]
    public void Settings_bind_case_insensitively()
    {
        var options = Load(("Homeserver:ServerName", "example.org:8448"), ("homeserver:database:provider", "postgres"),
            ("Homeserver:Database:ConnectionString", "Host=db"), ("Homeserver:Registration:Mode", "Token"));
        Assert.Equal("example.org:8448", options.ServerName);
        Assert.Equal(DatabaseProvider.Postgres, options.Database.Provider);
        Assert.Equal(RegistrationMode.Token, options.Registration.Mode);
    }

    [Theory]
    [InlineData("Homeserver:Database:Provider", "Mysql", "Homeserver:Database:Provider: 'Mysql' is not one of Sqlite, Postgres")]
    [InlineData("Homeserver:Registration:Mode", "7", "Homeserver:Registration:Mode: '7' is not one of Closed, Open, Token")]
    [InlineData("Homeserver:Media:MaxUploadBytes", "lots", "Homeserver:Media:MaxUploadBytes: 'lots' is not a valid whole number")]
    [InlineData("Homeserver:Media:MaxUploadBytes", "-5", "Homeserver:Media:MaxUploadBytes: -5 must be a positive number of bytes")]
    [InlineData("Homeserver:Federation:Enabled", "maybe", "Homeserver:Federation:Enabled: 'maybe' is not a valid boolean (true or false)")]
    [InlineData("Homeserver:ServrName", "x", "Homeserver:ServrName: unknown setting")]
    [InlineData("Homeserver:ServerName", "bad name!", "Homeserver:ServerName: 'bad name!' is not a valid server name (a DNS name or IP literal with an optional port)")]
    [InlineData("Homeserver:ServerName", "example.org:99999", "Homeserver:ServerName: 'example.org:99999' is not a valid server name (a DNS name or IP literal with an optional port)")]
    [InlineData("Homeserver:Listeners:Client:Url", "not a url", "Homeserver:Listeners:Client:Url: 'not a url' is not an absolute http(s) URL with a host")]
    public void A_bad_value_names_the_setting(string key, string value, string expected) =>
        Assert.Equal(expected, Error((key, value)));

    [Fact]
    public void Postgres_needs_a_connection_string() =>
        Assert.Equal("Homeserver:Database:ConnectionString: is required when Homeserver:Database:Provider is Postgres",
            Error(("Homeserver:Database:Provider", "Postgres")));

    [Fact]
    public void Https_federation_listener_needs_a_certificate() =>
        Assert.StartsWith("Homeserver:Listeners:Federation:CertificatePath: is required",
            Error(("Homeserver:Listeners:Federation:Url", "https://0.0.0.0:8448")));

    [Fact]
    public void IPv6_server_names_are_accepted() =>
        Assert.Equal("[::1]:8448", Load(("Homeserver:ServerName", "[::1]:8448")).ServerName);

    [Fact]
    public async Task The_server_process_stops_with_one_clear_line()
    {
        var dll = typeof(HomeserverHost).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = Directory.CreateTempSubdirectory("hs-config-").FullName,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--Homeserver:Database:Provider=Mysql");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Equal("Configuration error: Homeserver:Database:Provider: 'Mysql' is not one of Sqlite, Postgres", (await stderr).Trim());
        Assert.False(Directory.Exists(Path.Combine(start.WorkingDirectory, "data")), "nothing is created before the configuration is valid");
    }
}

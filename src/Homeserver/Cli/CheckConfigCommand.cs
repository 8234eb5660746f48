using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Hosting;
using Matrix.Homeserver.ServerKeys;
using Microsoft.Extensions.Logging.Abstractions;

namespace Matrix.Homeserver.Cli;

/// <summary>`check-config`: the start-up checks without starting: settings, then the signing key file if it exists.</summary>
public static class CheckConfigCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var parsed = CommandArguments.Parse(args, [], []);
        await using var app = HomeserverHost.Build(parsed.Rest);
        var options = app.Services.GetRequiredService<HomeserverOptions>();
        // An existing key must be readable; a missing one is fine, the server creates it.
        if (File.Exists(options.SigningKeyPath)) ServerSigningKey.LoadOrCreate(options, NullLogger.Instance).Dispose();
        await output.WriteLineAsync($"OK: {options.ServerName}, {options.Database.Provider} database");
        return 0;
    }
}

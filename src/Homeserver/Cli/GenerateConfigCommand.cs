using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.ServerKeys;
using Microsoft.Extensions.Logging.Abstractions;

namespace Matrix.Homeserver.Cli;

/// <summary>
/// `generate-config`: a settings file with every setting at its default (settings that are unset by default are left
/// out: docs/configuration.md lists them), for `--config`; and the signing key, when its file does not exist yet.
/// </summary>
public static class GenerateConfigCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var parsed = CommandArguments.Parse(args, ["--server-name", "--output", "--data-dir"], []);
        if (parsed.Rest.Length > 0) throw new UsageException($"generate-config does not take '{parsed.Rest[0]}'");
        var path = Path.GetFullPath(parsed.Value("--output") ?? "homeserver.json");
        if (File.Exists(path)) throw new CommandFailedException($"{path} exists already; it was left as it is.");

        var options = new HomeserverOptions();
        if (parsed.Value("--server-name") is { } serverName) options.ServerName = serverName;
        if (!ServerNames.IsValid(options.ServerName)) throw new UsageException($"'{options.ServerName}' is not a valid server name");
        if (parsed.Value("--data-dir") is { } dataDirectory)
        {
            // Everything the server writes goes under one directory (the SQLite database, media, the signing key).
            var data = Path.GetFullPath(dataDirectory);
            options.SigningKeyPath = Path.Combine(data, "signing.key");
            options.Media.StorePath = Path.Combine(data, "media");
            options.Database.ConnectionString = $"Data Source={Path.Combine(data, "homeserver.db")}";
        }

        await File.WriteAllTextAsync(path, Generate(options).ToJsonString(Json) + "\n");
        await output.WriteLineAsync($"Wrote {path}");
        if (!File.Exists(options.SigningKeyPath))
        {
            using var key = ServerSigningKey.LoadOrCreate(options, NullLogger.Instance);
            await output.WriteLineAsync($"Created the signing key {key.Key.KeyId} in {Path.GetFullPath(options.SigningKeyPath)}");
        }

        return 0;
    }

    /// <summary>The file's content: logging levels as shipped, and the Homeserver section from the options' defaults.</summary>
    public static JsonObject Generate(HomeserverOptions options) => new()
    {
        ["Logging"] = new JsonObject
        {
            ["LogLevel"] = new JsonObject
            {
                ["Default"] = "Information",
                ["Microsoft.AspNetCore"] = "Warning",
                ["Microsoft.EntityFrameworkCore"] = "Warning",
            },
        },
        [HomeserverOptions.Section] = JsonSerializer.SerializeToNode(options, Json),
    };
}

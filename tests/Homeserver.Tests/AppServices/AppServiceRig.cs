using System.Text;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.AppServices;

/// <summary>A registration as a test writes it into a YAML file.</summary>
public sealed record TestRegistration(string Id, string SenderLocalpart, string UsersRegex)
{
    public string AsToken { get; init; } = "as_" + Guid.NewGuid().ToString("N");
    public string HsToken { get; init; } = "hs_" + Guid.NewGuid().ToString("N");
    public string? Url { get; init; }
    public bool UsersExclusive { get; init; } = true;
    public string? AliasesRegex { get; init; }
    public string? RoomsRegex { get; init; }
    public bool RateLimited { get; init; }
    public IReadOnlyList<string> Protocols { get; init; } = [];
    public bool ReceiveEphemeral { get; init; }

    public string ToYaml()
    {
        var yaml = new StringBuilder();
        yaml.AppendLine($"id: {Id}");
        yaml.AppendLine($"url: {Url ?? "null"}");
        yaml.AppendLine($"as_token: {AsToken}");
        yaml.AppendLine($"hs_token: {HsToken}");
        yaml.AppendLine($"sender_localpart: {SenderLocalpart}");
        yaml.AppendLine($"rate_limited: {(RateLimited ? "true" : "false")}");
        if (ReceiveEphemeral) yaml.AppendLine("receive_ephemeral: true");
        if (Protocols.Count > 0) yaml.AppendLine($"protocols: [{string.Join(", ", Protocols)}]");
        yaml.AppendLine("namespaces:");
        yaml.AppendLine("  users:");
        yaml.AppendLine($"    - exclusive: {(UsersExclusive ? "true" : "false")}");
        yaml.AppendLine($"      regex: '{UsersRegex}'");
        if (AliasesRegex is not null) yaml.AppendLine($"  aliases:\n    - exclusive: true\n      regex: '{AliasesRegex}'");
        if (RoomsRegex is not null) yaml.AppendLine($"  rooms:\n    - exclusive: false\n      regex: '{RoomsRegex}'");
        return yaml.ToString();
    }

    /// <summary>A test user acting as the AS's sender, with the as_token as its access token.</summary>
    public TestUser Sender => new($"@{SenderLocalpart}:localhost", "", AsToken);

    /// <summary>The AS acting as one of its users (identity assertion): the as_token, plus ?user_id= on each path.</summary>
    public string As(string path, string userId) => path + (path.Contains('?') ? '&' : '?') + "user_id=" + Uri.EscapeDataString(userId);
}

/// <summary>Starts a test server with registration files written to a temporary directory.</summary>
public static class AppServiceRig
{
    public static Task<TestHomeserver> StartAsync(params TestRegistration[] registrations) => StartAsync(null, registrations);

    public static async Task<TestHomeserver> StartAsync(Action<IDictionary<string, string?>>? configure, params TestRegistration[] registrations)
    {
        var directory = Directory.CreateTempSubdirectory("hs-test-as-").FullName;
        var paths = new List<string>();
        foreach (var registration in registrations)
        {
            var path = Path.Combine(directory, registration.Id + ".yaml");
            await File.WriteAllTextAsync(path, registration.ToYaml());
            paths.Add(path);
        }

        return await TestHomeserver.StartAsync(settings =>
        {
            settings["Homeserver:Federation:Enabled"] = "false";
            for (var i = 0; i < paths.Count; i++) settings[$"Homeserver:AppServices:RegistrationFiles:{i}"] = paths[i];
            configure?.Invoke(settings);
        });
    }
}

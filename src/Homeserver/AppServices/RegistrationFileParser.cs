using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// Reads a Synapse-format registration file (YAML): id, url, as_token, hs_token, sender_localpart, namespaces,
/// rate_limited, protocols, receive_ephemeral (or MSC2409's de.sorunome.msc2409.push_ephemeral). Every problem is a
/// <see cref="ConfigurationException"/> naming the file, so a bad registration stops start-up with one line.
/// </summary>
public static class RegistrationFileParser
{
    private const string Key = "Homeserver:AppServices:RegistrationFiles";

    public static AppServiceRegistration Load(string path, string serverName)
    {
        if (!System.IO.File.Exists(path)) throw Error(path, "file does not exist");
        string text;
        try
        {
            text = System.IO.File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(path, $"cannot be read ({e.Message})");
        }

        return Parse(text, path, serverName);
    }

    public static AppServiceRegistration Parse(string yaml, string path, string serverName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw Error(path, $"is not valid YAML (line {e.Start.Line}: {e.Message})");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) throw Error(path, "must be a YAML mapping");

        var id = RequiredString(root, "id", path);
        var asToken = RequiredString(root, "as_token", path);
        var hsToken = RequiredString(root, "hs_token", path);
        var senderLocalpart = RequiredString(root, "sender_localpart", path);
        if (!UserIds.IsValidLocalpart(senderLocalpart)) throw Error(path, $"sender_localpart '{senderLocalpart}' is not a valid user ID localpart");
        if (asToken == hsToken) throw Error(path, "as_token and hs_token must differ");

        var url = OptionalString(root, "url", path);
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            throw Error(path, $"url '{url}' is not an absolute http(s) URL (or null)");
        }

        var namespaces = Child(root, "namespaces") switch
        {
            null or YamlScalarNode { Value: null or "" or "~" or "null" } => new AppServiceNamespaces([], [], []),
            YamlMappingNode map => new AppServiceNamespaces(Namespaces(map, "users", path), Namespaces(map, "aliases", path), Namespaces(map, "rooms", path)),
            _ => throw Error(path, "namespaces must be a mapping"),
        };

        var protocols = Child(root, "protocols") switch
        {
            null or YamlScalarNode { Value: null or "" or "~" or "null" } => [],
            YamlSequenceNode list => list.Children.Select(p => p is YamlScalarNode { Value: { Length: > 0 } v } ? v : throw Error(path, "protocols must be a list of strings")).ToList(),
            _ => throw Error(path, "protocols must be a list of strings"),
        };

        return new AppServiceRegistration
        {
            Id = id,
            Url = url?.TrimEnd('/'),
            AsToken = asToken,
            HsToken = hsToken,
            SenderLocalpart = senderLocalpart,
            SenderUserId = UserIds.Of(senderLocalpart, serverName),
            Namespaces = namespaces,
            RateLimited = OptionalBool(root, "rate_limited", path) ?? true,
            Protocols = protocols,
            ReceiveEphemeral = OptionalBool(root, "receive_ephemeral", path) ?? OptionalBool(root, "de.sorunome.msc2409.push_ephemeral", path) ?? false,
            File = path,
        };
    }

    private static List<AppServiceNamespace> Namespaces(YamlMappingNode map, string kind, string path)
    {
        var node = Child(map, kind);
        if (node is null or YamlScalarNode { Value: null or "" or "~" or "null" }) return [];
        if (node is not YamlSequenceNode list) throw Error(path, $"namespaces.{kind} must be a list");
        var result = new List<AppServiceNamespace>();
        foreach (var entry in list.Children)
        {
            if (entry is not YamlMappingNode item) throw Error(path, $"each entry of namespaces.{kind} must be a mapping with exclusive and regex");
            var regex = RequiredString(item, "regex", path, $"namespaces.{kind}[].regex");
            var exclusive = OptionalBool(item, "exclusive", path) ?? throw Error(path, $"namespaces.{kind}[].exclusive is required (true or false)");
            try
            {
                result.Add(new AppServiceNamespace(regex, exclusive));
            }
            catch (ArgumentException e)
            {
                throw Error(path, $"namespaces.{kind} regex '{regex}' is not a valid regular expression ({e.Message})");
            }
        }

        return result;
    }

    private static YamlNode? Child(YamlMappingNode map, string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    private static string RequiredString(YamlMappingNode map, string key, string path, string? name = null) =>
        OptionalString(map, key, path, name) is { Length: > 0 } value ? value : throw Error(path, $"{name ?? key} is required");

    private static string? OptionalString(YamlMappingNode map, string key, string path, string? name = null) => Child(map, key) switch
    {
        null => null,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" } => null,
        YamlScalarNode scalar => scalar.Value,
        _ => throw Error(path, $"{name ?? key} must be a string"),
    };

    private static bool? OptionalBool(YamlMappingNode map, string key, string path) => OptionalString(map, key, path) switch
    {
        null => null,
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        var other => throw Error(path, $"{key} must be true or false, not '{other}'"),
    };

    private static ConfigurationException Error(string path, string message) => new($"{Key}: '{path}': {message}");
}

namespace Matrix.Homeserver.Cli;

/// <summary>
/// A command's own flags, taken out of the arguments; what is left (--config, --Homeserver:…=…) is the server's
/// configuration, read the normal way. Flags are `--name value`, `--name=value`, or `--name` alone for switches.
/// </summary>
public sealed class CommandArguments
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    private CommandArguments(string[] rest) => Rest = rest;

    /// <summary>The arguments that are not the command's: handed to the configuration.</summary>
    public string[] Rest { get; }

    /// <exception cref="UsageException">A flag that takes a value has none.</exception>
    public static CommandArguments Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> valueFlags, IReadOnlyCollection<string> switches)
    {
        var rest = new List<string>();
        var parsed = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inline) = args[i].Split('=', 2) is [var n, var v] ? (n, v) : (args[i], null);
            if (switches.Contains(name) && inline is null)
            {
                parsed[name] = "true";
            }
            else if (valueFlags.Contains(name))
            {
                parsed[name] = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value"));
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        var result = new CommandArguments([.. rest]);
        foreach (var (k, v) in parsed) result._values[k] = v;
        return result;
    }

    public string? Value(string flag) => _values.GetValueOrDefault(flag);

    public bool Switch(string flag) => _values.ContainsKey(flag);
}

/// <summary>The command line is wrong; the message says how (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);

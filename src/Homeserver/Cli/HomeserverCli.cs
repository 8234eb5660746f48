using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Hosting;

namespace Matrix.Homeserver.Cli;

/// <summary>
/// The executable's commands, dispatched before any host starts. Without a command the server runs. Exit codes:
/// 0 done, 1 failed (bad configuration, user exists, the database unreachable...), 2 wrong command line.
/// </summary>
public static class HomeserverCli
{
    public const string Help = """
        Usage: Matrix.Homeserver [command] [options] [--config FILE] [--Homeserver:Key=Value ...]

        Without a command, runs the server.

        Commands:
          generate-config [--server-name NAME] [--output FILE] [--data-dir DIR]
                          Writes a settings file with every setting at its default (FILE defaults to
                          ./homeserver.json; an existing file is never overwritten), and creates the signing
                          key if it does not exist. With DIR, the SQLite database, media store and signing
                          key are placed there (default ./data).
          check-config    Loads and checks the configuration as the server does; prints OK or the error.
          migrate         Applies pending database migrations and exits.
          register-user --user NAME [--password PASSWORD] [--admin]
                          Creates a local account directly in the database. Without --password, reads the
                          password from the first line of standard input (keeps it out of the process list).
          --list-routes   Prints the route table as JSON.
          --help          Shows this text.

        Every command reads the configuration the server would (appsettings.json, --config FILE, environment
        variables Homeserver__…, flags --Homeserver:…=…).
        """;

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.In, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        var rest = args.Skip(1).ToArray();
        try
        {
            return args.FirstOrDefault() switch
            {
                "--help" or "-h" or "help" => await Done(output, Help),
                "generate-config" => await GenerateConfigCommand.RunAsync(rest, output),
                "check-config" => await CheckConfigCommand.RunAsync(rest, output),
                "migrate" => await MigrateCommand.RunAsync(rest, output),
                "register-user" => await RegisterUserCommand.RunAsync(rest, input, output),
                // A bare key=value is a configuration flag too (ASP.NET Core's command-line syntax).
                [not '-', ..] command when !command.Contains('=', StringComparison.Ordinal) => throw new UsageException($"unknown command '{command}' (see --help)"),
                _ => await HomeserverHost.RunAsync(args),
            };
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"Usage error: {e.Message}");
            return 2;
        }
        catch (ConfigurationException e)
        {
            await error.WriteLineAsync($"Configuration error: {e.Message}");
            return 1;
        }
        catch (CommandFailedException e)
        {
            await error.WriteLineAsync(e.Message);
            return 1;
        }
        catch (Exception e) when (DatabaseFailure(e) is { } failure)
        {
            // The commonest first-start mistake (PostgreSQL not running or not reachable, a wrong password, a data
            // directory that cannot be written) is one line naming the cause, not an unhandled exception's stack and a
            // core dump. The connection string is not printed: it may hold a password.
            await error.WriteLineAsync($"Database error: {failure}. Check Homeserver:Database (its provider and connection string) and that the database server is running.");
            return 1;
        }
    }

    /// <summary>The database driver's own error in an exception's chain (EF Core wraps it), with its cause; null when there is none.</summary>
    private static string? DatabaseFailure(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is System.Data.Common.DbException db)
            {
                var message = db.Message.TrimEnd('.');
                return db.InnerException is { } cause ? $"{message} ({cause.Message.TrimEnd('.')})" : message;
            }
        }

        return null;
    }

    private static async Task<int> Done(TextWriter output, string text)
    {
        await output.WriteLineAsync(text);
        return 0;
    }
}

/// <summary>A command could not do its work; the message is printed as is (exit code 1).</summary>
public sealed class CommandFailedException(string message) : Exception(message);

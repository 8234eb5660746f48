using Matrix.Homeserver.Accounts.Passwords;
using Matrix.Homeserver.Accounts.Registration;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Hosting;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Cli;

/// <summary>
/// `register-user`: creates a local account straight in the database, with the registration rules of the server
/// (username grammar, password length). No server needs to run and no shared secret is involved; with a running
/// server and Registration:SharedSecret set, Synapse's register_new_matrix_user works as well.
/// </summary>
public static class RegisterUserCommand
{
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output)
    {
        var parsed = CommandArguments.Parse(args, ["--user", "--password"], ["--admin"]);
        var username = parsed.Value("--user") ?? throw new UsageException("register-user needs --user NAME");
        var password = parsed.Value("--password") ?? await input.ReadLineAsync()
            ?? throw new UsageException("register-user needs --password or a password on standard input");

        await using var app = HomeserverHost.Build(parsed.Rest);
        var options = app.Services.GetRequiredService<HomeserverOptions>();
        if (password.Length < options.Auth.MinPasswordLength || password.Length > PasswordLimits.MaxLength)
        {
            throw new CommandFailedException($"The password must be {options.Auth.MinPasswordLength} to {PasswordLimits.MaxLength} characters long.");
        }

        await StorageSetup.MigrateAsync(app.Services, CancellationToken.None);
        await using var scope = app.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountCreator>();
        try
        {
            // A full user ID of this server is accepted too; one of another server fails the username check.
            var suffix = ":" + options.ServerName;
            var name = username.StartsWith('@') && username.EndsWith(suffix, StringComparison.Ordinal) ? username[1..^suffix.Length] : username;
            var localpart = await accounts.CheckUsernameAsync(name, CancellationToken.None);
            var hash = await scope.ServiceProvider.GetRequiredService<PasswordHasher>().HashAsync(password);
            var user = await accounts.CreateAsync(localpart, hash, isAdmin: parsed.Switch("--admin"));
            await output.WriteLineAsync($"Created {user.UserId}{(user.IsAdmin ? " (server admin)" : "")}");
            return 0;
        }
        catch (MatrixException e)
        {
            throw new CommandFailedException($"Cannot create the user: {e.Message}");
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Registration;

/// <summary>
/// Creates local accounts (client registration, guests, shared-secret registration) and checks the
/// usernames asked for, with Synapse's rules: lowercase localpart grammar, no leading underscore
/// (reserved for bridges), all-digit names reserved for generated IDs, 255 bytes for the whole user ID.
/// </summary>
public sealed class AccountCreator(HomeserverDbContext db, HomeserverOptions options, TimeProvider clock, AppServiceRegistry appServices)
{
    /// <summary>The localpart a requested username maps to (lowercased), once it is valid and free.</summary>
    /// <exception cref="MatrixException">400 M_INVALID_USERNAME or M_USER_IN_USE.</exception>
    public async Task<string> CheckUsernameAsync(string username, CancellationToken cancellationToken)
    {
        var localpart = username.ToLowerInvariant();
        if (localpart.Length == 0) throw InvalidUsername("User ID cannot be empty");
        if (!UserIds.IsValidLocalpart(localpart)) throw InvalidUsername("User ID can only contain characters a-z, 0-9, or '=_-./+'");
        if (localpart[0] == '_') throw InvalidUsername("User ID may not begin with _");
        if (localpart.All(char.IsAsciiDigit)) throw InvalidUsername("Numeric user IDs are reserved for guest users.");
        if (Encoding.UTF8.GetByteCount(UserIds.Of(localpart, options.ServerName)) > UserIds.MaxBytes)
        {
            throw InvalidUsername($"User ID may not be longer than {UserIds.MaxBytes} bytes");
        }

        // Bridges own their exclusive namespaces: nobody else may take a name there (spec: M_EXCLUSIVE).
        if (appServices.ExclusiveOwnerOfUser(UserIds.Of(localpart, options.ServerName)) is not null)
        {
            throw new MatrixException(400, ErrorCodes.Exclusive, "This user ID is reserved by an application service.");
        }

        if (await IsTakenAsync(localpart, cancellationToken)) throw UserInUse();
        return localpart;
    }

    /// <summary>
    /// The localpart an application service asks to register: any valid localpart (a leading underscore or digits
    /// included: bridges use them) in the AS's users namespace and in no other AS's exclusive one, not yet taken.
    /// </summary>
    /// <exception cref="MatrixException">400 M_INVALID_USERNAME, M_EXCLUSIVE or M_USER_IN_USE.</exception>
    public async Task<string> CheckAppServiceUsernameAsync(string username, AppServiceRegistration appService, CancellationToken cancellationToken)
    {
        var localpart = username.StartsWith('@') && username.EndsWith(":" + options.ServerName, StringComparison.Ordinal)
            ? username[1..^(options.ServerName.Length + 1)]
            : username;
        localpart = localpart.ToLowerInvariant();
        if (localpart.Length == 0 || !UserIds.IsValidLocalpart(localpart)) throw InvalidUsername("User ID can only contain characters a-z, 0-9, or '=_-./+'");
        var userId = UserIds.Of(localpart, options.ServerName);
        if (Encoding.UTF8.GetByteCount(userId) > UserIds.MaxBytes) throw InvalidUsername($"User ID may not be longer than {UserIds.MaxBytes} bytes");
        if (!appService.IsInterestedInUser(userId) || (appServices.ExclusiveOwnerOfUser(userId) is { } owner && owner != appService))
        {
            throw new MatrixException(400, ErrorCodes.Exclusive, "Invalid user localpart for this application service.");
        }

        if (await IsTakenAsync(localpart, cancellationToken)) throw UserInUse();
        return localpart;
    }

    /// <summary>
    /// Adds the account (saved in the caller's transaction). Without a localpart one is generated: all
    /// digits, as Synapse makes them for guests and nameless registrations. The display name starts as
    /// the localpart.
    /// </summary>
    /// <exception cref="MatrixException">400 M_USER_IN_USE when the name was taken meanwhile.</exception>
    public async Task<User> CreateAsync(string? localpart, string? passwordHash, bool isGuest = false, bool isAdmin = false,
        string? displayName = null, string? userType = null, string? appServiceId = null, CancellationToken cancellationToken = default)
    {
        localpart ??= await GenerateLocalpartAsync(cancellationToken);
        var user = new User
        {
            UserId = UserIds.Of(localpart, options.ServerName),
            Localpart = localpart,
            PasswordHash = passwordHash,
            DisplayName = displayName ?? localpart,
            IsGuest = isGuest,
            IsAdmin = isAdmin,
            UserType = userType,
            AppServiceId = appServiceId,
            CreatedTs = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.Users.Entry(user).State = EntityState.Detached;
            throw UserInUse();
        }

        return user;
    }

    // Names differing only in case are one name (Synapse-imported IDs may hold capitals). ToLower is
    // what EF translates to SQL; StringComparison overloads are not translated.
#pragma warning disable CA1862
    private Task<bool> IsTakenAsync(string localpart, CancellationToken cancellationToken) =>
        db.Users.AnyAsync(u => u.Localpart == localpart || u.Localpart.ToLower() == localpart, cancellationToken);
#pragma warning restore CA1862

    private async Task<string> GenerateLocalpartAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var candidate = RandomNumberGenerator.GetInt32(1, int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!await IsTakenAsync(candidate, cancellationToken)) return candidate;
        }
    }

    private static MatrixException InvalidUsername(string message) => new(400, ErrorCodes.InvalidUsername, message);

    private static MatrixException UserInUse() => new(400, ErrorCodes.UserInUse, "User ID already taken.");
}

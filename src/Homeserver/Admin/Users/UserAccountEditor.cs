using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.Management;
using Matrix.Homeserver.Accounts.Passwords;
using Matrix.Homeserver.Accounts.Profiles;
using Matrix.Homeserver.Accounts.Registration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Users;

/// <summary>
/// PUT /_synapse/admin/v2/users/{userId}: creates the account or changes it, through the accounts
/// feature's own paths (account creation, profile, password, deactivation), so every side effect
/// (member events, logged-out devices, leaving rooms) is theirs.
/// </summary>
public sealed class UserAccountEditor(
    HomeserverDbContext db,
    AccountCreator creator,
    PasswordHasher hasher,
    PasswordSetter passwords,
    ProfileService profiles,
    AccountDeactivator deactivator,
    AccountRestrictions restrictions,
    AdminAudit audit)
{
    private const int MaxPasswordLength = 512;
    private static readonly string[] UserTypes = ["support", "bot"];

    /// <summary>The body's fields, each null when absent.</summary>
    private sealed record Changes(string? Password, bool LogoutDevices, string? DisplayName, bool HasDisplayName, string? AvatarUrl, bool HasAvatarUrl,
        bool? Admin, bool? Deactivated, string? UserType, bool HasUserType, bool? Locked);

    /// <returns>Whether the account was created (201) rather than changed (200).</returns>
    public async Task<bool> PutAsync(Requester admin, string userId, JsonObject body, CancellationToken cancellationToken)
    {
        var changes = Parse(body);
        var user = await db.Users.FirstOrDefaultAsync(u => u.UserId == userId, cancellationToken);
        if (user is null)
        {
            await CreateAsync(userId, changes, cancellationToken);
            audit.Record(admin, "created user", userId);
            return true;
        }

        await ModifyAsync(admin, user, changes, cancellationToken);
        audit.Record(admin, "modified user", userId);
        return false;
    }

    private static Changes Parse(JsonObject body)
    {
        var password = body["password"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var text) && text.Length <= MaxPasswordLength => text,
            _ => throw MatrixException.InvalidParam("Invalid password"),
        };
        RefuseIdentifiers(body, "threepids");
        RefuseIdentifiers(body, "external_ids");
        var userType = AdminParams.BodyString(body, "user_type");
        if (userType is not null && !UserTypes.Contains(userType)) throw MatrixException.InvalidParam("Invalid user type");
        return new Changes(
            password,
            AdminParams.BodyBool(body, "logout_devices") ?? true,
            AdminParams.BodyString(body, "displayname"), body.ContainsKey("displayname"),
            AdminParams.BodyString(body, "avatar_url"), body.ContainsKey("avatar_url"),
            AdminParams.BodyBool(body, "admin"),
            AdminParams.BodyBool(body, "deactivated"),
            userType, body.ContainsKey("user_type"),
            AdminParams.BodyBool(body, "locked"));
    }

    /// <summary>This server keeps no third-party or SSO identifiers: an empty list is accepted, anything else refused rather than dropped.</summary>
    private static void RefuseIdentifiers(JsonObject body, string name)
    {
        if (body[name] is null or JsonArray { Count: 0 }) return;
        throw MatrixException.InvalidParam($"'{name}' are not supported by this server");
    }

    private async Task CreateAsync(string userId, Changes changes, CancellationToken cancellationToken)
    {
        var localpart = userId[1..userId.IndexOf(':', StringComparison.Ordinal)];
        if (await creator.CheckUsernameAsync(localpart, cancellationToken) != localpart)
        {
            throw new MatrixException(400, ErrorCodes.InvalidUsername, "User ID can only contain characters a-z, 0-9, or '=_-./+'");
        }

        var hash = changes.Password is null ? null : await hasher.HashAsync(changes.Password);
        await creator.CreateAsync(localpart, hash, isAdmin: changes.Admin ?? false, displayName: changes.DisplayName,
            userType: changes.UserType, cancellationToken: cancellationToken);
        if (changes.AvatarUrl is not null) await profiles.SetAsync(userId, ProfileKeys.AvatarUrl, changes.AvatarUrl, cancellationToken);
        if (changes.Deactivated == true) await deactivator.DeactivateAsync(userId, erase: false, cancellationToken);
        else if (changes.Locked == true) await restrictions.SetAsync(userId, AccountRestriction.Lock, true, cancellationToken);
    }

    private async Task ModifyAsync(Requester admin, User user, Changes changes, CancellationToken cancellationToken)
    {
        if (changes.Admin == false && user.UserId == admin.UserId && user.IsAdmin) throw new MatrixException(400, ErrorCodes.Unknown, "You may not demote yourself.");
        if (changes.Admin is { } isAdmin) user.IsAdmin = isAdmin;
        if (changes.HasUserType) user.UserType = changes.UserType;

        if (changes.Deactivated == true && !user.Deactivated)
        {
            await db.SaveChangesAsync(cancellationToken);
            await deactivator.DeactivateAsync(user.UserId, erase: false, cancellationToken);
            return;
        }

        if (changes.Deactivated == false && user.Deactivated)
        {
            // As Synapse: a reactivated account needs a way back in.
            if (changes.Password is null) throw new MatrixException(400, ErrorCodes.Unknown, "Must provide a password to re-activate an account.");
            user.Deactivated = false;
        }

        await db.SaveChangesAsync(cancellationToken);
        if (changes.Password is not null) await passwords.SetAsync(user.UserId, changes.Password, changes.LogoutDevices, keepDeviceId: null, cancellationToken);
        if (changes.HasDisplayName) await profiles.SetAsync(user.UserId, ProfileKeys.DisplayName, changes.DisplayName, cancellationToken);
        if (changes.HasAvatarUrl) await profiles.SetAsync(user.UserId, ProfileKeys.AvatarUrl, changes.AvatarUrl, cancellationToken);
        if (changes.Locked is { } locked) await restrictions.SetAsync(user.UserId, AccountRestriction.Lock, locked, cancellationToken);
    }
}

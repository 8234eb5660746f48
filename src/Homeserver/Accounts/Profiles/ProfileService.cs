using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Profiles;

/// <summary>The profile keys with a meaning of their own.</summary>
public static class ProfileKeys
{
    public const string DisplayName = "displayname";
    public const string AvatarUrl = "avatar_url";
    public const string TimeZone = "m.tz";
}

/// <summary>
/// Profiles of local users (spec: Profiles, v1.16 extended fields): displayname and avatar_url on the
/// user row, other fields as JSON. Display name and avatar changes publish <see cref="ProfileChanged"/>.
/// </summary>
public sealed partial class ProfileService(HomeserverDbContext db, IPublisher publisher)
{
    public const int MaxDisplayNameLength = 256;
    public const int MaxAvatarUrlLength = 1000;
    public const int MaxKeyBytes = 255;
    public const int MaxProfileBytes = 64 * 1024;

    /// <summary>The profile of an active local user as its JSON object, or null when there is no such user.</summary>
    public async Task<JsonObject?> GetAsync(string userId, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.UserId == userId && !u.Deactivated)
            .Select(u => new { u.DisplayName, u.AvatarUrl }).FirstOrDefaultAsync(cancellationToken);
        if (user is null) return null;
        var profile = new JsonObject();
        if (user.DisplayName is not null) profile[ProfileKeys.DisplayName] = user.DisplayName;
        if (user.AvatarUrl is not null) profile[ProfileKeys.AvatarUrl] = user.AvatarUrl;
        foreach (var field in await db.ProfileFields.AsNoTracking().Where(f => f.UserId == userId).OrderBy(f => f.Key).ToListAsync(cancellationToken))
        {
            profile[field.Key] = JsonNode.Parse(field.Value);
        }

        return profile;
    }

    /// <summary>Whether a key follows the spec's grammar (the two historical names, m.tz, or a namespaced identifier).</summary>
    public static bool IsValidKey(string key) => KeyGrammar().IsMatch(key);

    /// <exception cref="MatrixException">400 for a bad key or value, M_KEY_TOO_LARGE, M_PROFILE_TOO_LARGE.</exception>
    public async Task SetAsync(string userId, string key, JsonNode? value, CancellationToken cancellationToken)
    {
        CheckKey(key);
        var current = await GetAsync(userId, cancellationToken) ?? throw MatrixException.NotFound("Profile not found");
        var node = Normalize(key, value);
        var updated = current.DeepClone().AsObject();
        updated[key] = node?.DeepClone();
        if (Encoding.UTF8.GetByteCount(updated.ToJsonString()) > MaxProfileBytes)
        {
            throw new MatrixException(400, ProfileErrors.ProfileTooLarge, $"The profile may not exceed {MaxProfileBytes} bytes");
        }

        if (key is ProfileKeys.DisplayName or ProfileKeys.AvatarUrl)
        {
            await SetStandardAsync(userId, key, node?.GetValue<string>(), current, cancellationToken);
            return;
        }

        var json = node?.ToJsonString() ?? "null";
        var row = await db.ProfileFields.FirstOrDefaultAsync(f => f.UserId == userId && f.Key == key, cancellationToken);
        if (row is null) db.ProfileFields.Add(new ProfileField { UserId = userId, Key = key, Value = json });
        else row.Value = json;
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task DeleteAsync(string userId, string key, CancellationToken cancellationToken)
    {
        CheckKey(key);
        if (key is ProfileKeys.DisplayName or ProfileKeys.AvatarUrl)
        {
            var current = await GetAsync(userId, cancellationToken) ?? throw MatrixException.NotFound("Profile not found");
            await SetStandardAsync(userId, key, null, current, cancellationToken);
            return;
        }

        await db.ProfileFields.Where(f => f.UserId == userId && f.Key == key).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task SetStandardAsync(string userId, string key, string? value, JsonObject current, CancellationToken cancellationToken)
    {
        var displayName = key == ProfileKeys.DisplayName ? value : current[ProfileKeys.DisplayName]?.GetValue<string>();
        var avatarUrl = key == ProfileKeys.AvatarUrl ? value : current[ProfileKeys.AvatarUrl]?.GetValue<string>();
        if (displayName == current[ProfileKeys.DisplayName]?.GetValue<string>() && avatarUrl == current[ProfileKeys.AvatarUrl]?.GetValue<string>()) return;
        await db.Users.Where(u => u.UserId == userId).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.DisplayName, displayName)
            .SetProperty(u => u.AvatarUrl, avatarUrl), cancellationToken);
        await publisher.Publish(new ProfileChanged(userId, displayName, avatarUrl), cancellationToken);
    }

    private static void CheckKey(string key)
    {
        if (Encoding.UTF8.GetByteCount(key) > MaxKeyBytes) throw new MatrixException(400, ProfileErrors.KeyTooLarge, $"Profile keys may not exceed {MaxKeyBytes} bytes");
        if (!IsValidKey(key)) throw MatrixException.InvalidParam("Invalid profile key");
    }

    /// <summary>
    /// The value to store: the standard fields take strings, and an empty string or null clears them
    /// (what clients send to remove an avatar); m.tz is a string; custom fields take any JSON.
    /// </summary>
    private static JsonNode? Normalize(string key, JsonNode? value)
    {
        var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        switch (key)
        {
            case ProfileKeys.DisplayName or ProfileKeys.AvatarUrl:
                if (value is not null && text is null) throw MatrixException.InvalidParam($"{key} must be a string");
                if (string.IsNullOrEmpty(text)) return null;
                if (key == ProfileKeys.DisplayName && text.Length > MaxDisplayNameLength) throw MatrixException.InvalidParam($"displayname is too long (max {MaxDisplayNameLength})");
                if (key == ProfileKeys.AvatarUrl && text.Length > MaxAvatarUrlLength) throw MatrixException.InvalidParam($"avatar_url is too long (max {MaxAvatarUrlLength})");
                if (key == ProfileKeys.AvatarUrl && !text.StartsWith("mxc://", StringComparison.Ordinal)) throw MatrixException.InvalidParam("avatar_url must be an mxc:// URI");
                return JsonValue.Create(text);
            case ProfileKeys.TimeZone:
                return text is null ? throw MatrixException.InvalidParam("m.tz must be a string") : JsonValue.Create(text);
            default:
                return value;
        }
    }

    [GeneratedRegex(@"^(avatar_url|displayname|m\.tz|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$")]
    private static partial Regex KeyGrammar();
}

/// <summary>The profile-specific error codes (spec v1.16).</summary>
public static class ProfileErrors
{
    public const string ProfileTooLarge = "M_PROFILE_TOO_LARGE";
    public const string KeyTooLarge = "M_KEY_TOO_LARGE";
}

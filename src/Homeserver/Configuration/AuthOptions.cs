namespace Matrix.Homeserver.Configuration;

/// <summary>Passwords, token lifetimes and user-interactive auth sessions (Homeserver:Auth).</summary>
public sealed class AuthOptions
{
    /// <summary>bcrypt work factor (log2 rounds) for new password hashes; Synapse's default is 12.</summary>
    public int BcryptRounds { get; set; } = 12;

    /// <summary>Secret appended to every password before hashing; must equal Synapse's password_config.pepper when migrating.</summary>
    public string PasswordPepper { get; set; } = "";

    /// <summary>Shortest password accepted at registration and password change (M_WEAK_PASSWORD below it).</summary>
    public int MinPasswordLength { get; set; } = 8;

    /// <summary>Lifetime of access tokens issued with a refresh token (clients that sent refresh_token: true).</summary>
    public long RefreshableAccessTokenLifetimeMs { get; set; } = 5 * 60 * 1000;

    /// <summary>Whether POST /login/get_token may issue single-use login tokens.</summary>
    public bool LoginTokensEnabled { get; set; } = true;

    /// <summary>How long a token from POST /login/get_token stays usable.</summary>
    public long LoginTokenLifetimeMs { get; set; } = 2 * 60 * 1000;

    /// <summary>How long a user-interactive auth session lives after it starts.</summary>
    public long UiaSessionLifetimeMs { get; set; } = 60 * 60 * 1000;

    /// <summary>Most user-interactive auth sessions kept at once; beyond it the oldest are dropped.</summary>
    public int MaxUiaSessions { get; set; } = 10_000;
}

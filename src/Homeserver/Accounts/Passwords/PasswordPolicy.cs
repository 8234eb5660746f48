using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Accounts.Passwords;

/// <summary>What a new password must satisfy: at most 512 characters, at least the configured minimum.</summary>
public sealed class PasswordPolicy(AuthOptions options)
{
    /// <exception cref="MatrixException">400 M_INVALID_PARAM when too long, M_WEAK_PASSWORD when too short.</exception>
    public void Check(string password)
    {
        if (password.Length > PasswordLimits.MaxLength) throw MatrixException.InvalidParam($"Password is longer than {PasswordLimits.MaxLength} characters");
        if (password.Length < options.MinPasswordLength)
        {
            throw new MatrixException(400, ErrorCodes.WeakPassword, $"Password must be at least {options.MinPasswordLength} characters long");
        }
    }
}

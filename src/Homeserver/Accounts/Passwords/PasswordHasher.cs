using System.Runtime.CompilerServices;
using System.Text;
using ICU4N.Text;
using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.Accounts.Passwords;

/// <summary>
/// bcrypt password hashes in Synapse's format: the password is NFKC-normalised, the pepper appended,
/// and the result hashed with a $2b$ salt. So a Synapse users table can be imported unchanged.
/// </summary>
public sealed class PasswordHasher(AuthOptions options)
{
    // A fixed hash to compare against when the user is unknown, so a miss costs as much as a hit.
    private readonly Lazy<string> _decoy = new(() => BCrypt.Net.BCrypt.HashPassword("decoy", BCrypt.Net.BCrypt.GenerateSalt(options.BcryptRounds, 'b')));

    /// <summary>Hashes on the thread pool: a work factor of 12 takes a few hundred milliseconds.</summary>
    public Task<string> HashAsync(string password) =>
        Task.Run(() => BCrypt.Net.BCrypt.HashPassword(Prepare(password), BCrypt.Net.BCrypt.GenerateSalt(options.BcryptRounds, 'b')));

    /// <summary>Checks a password; a null hash (no password set) never matches but takes the same time.</summary>
    public Task<bool> VerifyAsync(string password, string? hash) => Task.Run(() =>
    {
        if (hash is null)
        {
            BCrypt.Net.BCrypt.Verify(Prepare(password), _decoy.Value);
            return false;
        }

        try
        {
            return BCrypt.Net.BCrypt.Verify(Prepare(password), hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            // A hash of another scheme (imported data) simply does not match.
            return false;
        }
    });

    // bcrypt reads at most 72 bytes of key; BCrypt.Net cycles the key the same way OpenBSD's does. NFKC leaves ASCII
    // as it is: ICU's tables (megabytes, kept for good once read) are loaded by the first password outside it.
    private string Prepare(string password) => (Ascii.IsValid(password) ? password : Nfkc.Normalize(password)) + options.PasswordPepper;

    /// <summary>ICU's NFKC, not string.Normalize: the server runs in invariant globalization mode, where that does nothing.</summary>
    private static class Nfkc
    {
        private static readonly Normalizer2 Instance = Normalizer2.GetInstance(null, "nfkc", Normalizer2Mode.Compose);

        // Not inlined: compiling the caller does not load ICU.
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static string Normalize(string text) => Instance.Normalize(text);
    }
}

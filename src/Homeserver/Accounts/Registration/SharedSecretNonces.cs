using System.Collections.Concurrent;
using System.Security.Cryptography;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Accounts.Registration;

/// <summary>
/// Nonces for shared-secret registration: random, single use, valid for a minute, and bounded in
/// number so that asking for nonces cannot fill the memory.
/// </summary>
public sealed class SharedSecretNonces(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);
    public const int MaxOutstanding = 1_000;

    private readonly ConcurrentDictionary<string, long> _issued = new(StringComparer.Ordinal);

    /// <exception cref="MatrixException">429 when too many unused nonces are outstanding.</exception>
    public string Issue()
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (_issued.Count >= MaxOutstanding)
        {
            foreach (var (nonce, expires) in _issued)
            {
                if (expires <= now) _issued.TryRemove(nonce, out _);
            }

            if (_issued.Count >= MaxOutstanding) throw MatrixException.LimitExceeded((long)Lifetime.TotalMilliseconds);
        }

        var issued = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        _issued[issued] = now + (long)Lifetime.TotalMilliseconds;
        return issued;
    }

    /// <summary>Uses the nonce up; true when it was issued here and has not expired.</summary>
    public bool TryConsume(string nonce) =>
        _issued.TryRemove(nonce, out var expires) && expires > clock.GetUtcNow().ToUnixTimeMilliseconds();
}

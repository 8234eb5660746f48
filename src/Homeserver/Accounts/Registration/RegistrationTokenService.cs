using System.Security.Cryptography;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Registration;

/// <summary>
/// Registration tokens: validity, the use counting done by the auth stage, and the admin operations
/// (Synapse's /_synapse/admin/v1/registration_tokens semantics: pending + completed never exceed uses_allowed).
/// </summary>
public sealed class RegistrationTokenService(TimeProvider clock)
{
    /// <summary>The characters a token may hold (the spec's opaque identifier grammar), at most 64 of them.</summary>
    public const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";
    public const int MaxLength = 64;

    public static bool IsWellFormed(string token) => token.Length is > 0 and <= MaxLength && token.All(Alphabet.Contains);

    public static string Generate(int length) => RandomNumberGenerator.GetString(Alphabet, length);

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Whether a registration with this token would be accepted now.</summary>
    public async Task<bool> IsValidAsync(HomeserverDbContext db, string token, CancellationToken cancellationToken)
    {
        var now = Now;
        return await db.RegistrationTokens.AnyAsync(t => t.Token == token
            && (t.UsesAllowed == null || t.Pending + t.Completed < t.UsesAllowed)
            && (t.ExpiryTime == null || t.ExpiryTime > now), cancellationToken);
    }

    /// <summary>Takes one pending use if the token is valid; one conditional UPDATE, so parallel sessions cannot overspend.</summary>
    public async Task<bool> ReserveAsync(HomeserverDbContext db, string token, CancellationToken cancellationToken)
    {
        if (!IsWellFormed(token)) return false;
        var now = Now;
        var updated = await db.RegistrationTokens
            .Where(t => t.Token == token
                && (t.UsesAllowed == null || t.Pending + t.Completed < t.UsesAllowed)
                && (t.ExpiryTime == null || t.ExpiryTime > now))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Pending, t => t.Pending + 1), cancellationToken);
        return updated == 1;
    }

    /// <summary>Ends a reservation: a completed use when the registration ran, else the use is given back.</summary>
    public Task EndReservationAsync(HomeserverDbContext db, string token, bool completed, CancellationToken cancellationToken)
    {
        var reserved = db.RegistrationTokens.Where(t => t.Token == token && t.Pending > 0);
        return completed
            ? reserved.ExecuteUpdateAsync(s => s.SetProperty(t => t.Pending, t => t.Pending - 1).SetProperty(t => t.Completed, t => t.Completed + 1), cancellationToken)
            : reserved.ExecuteUpdateAsync(s => s.SetProperty(t => t.Pending, t => t.Pending - 1), cancellationToken);
    }

    /// <summary>Every token, or only the valid (or only the invalid) ones.</summary>
    public async Task<List<RegistrationToken>> ListAsync(HomeserverDbContext db, bool? valid, CancellationToken cancellationToken)
    {
        var now = Now;
        var query = db.RegistrationTokens.AsNoTracking();
        if (valid is { } wanted)
        {
            query = query.Where(t => ((t.UsesAllowed == null || t.Pending + t.Completed < t.UsesAllowed) && (t.ExpiryTime == null || t.ExpiryTime > now)) == wanted);
        }

        return await query.OrderBy(t => t.Token).ToListAsync(cancellationToken);
    }

    /// <exception cref="MatrixException">400 M_INVALID_PARAM when the token exists already.</exception>
    public async Task<RegistrationToken> CreateAsync(HomeserverDbContext db, string token, int? usesAllowed, long? expiryTime, CancellationToken cancellationToken)
    {
        if (await db.RegistrationTokens.AnyAsync(t => t.Token == token, cancellationToken)) throw MatrixException.InvalidParam($"Token already exists: {token}");
        var row = new RegistrationToken { Token = token, UsesAllowed = usesAllowed, ExpiryTime = expiryTime };
        db.RegistrationTokens.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw MatrixException.InvalidParam($"Token already exists: {token}");
        }

        return row;
    }

    /// <summary>A generated token of <paramref name="length"/> characters, drawn again on the rare clash.</summary>
    public async Task<RegistrationToken> CreateRandomAsync(HomeserverDbContext db, int length, int? usesAllowed, long? expiryTime, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var token = Generate(length);
            if (!await db.RegistrationTokens.AnyAsync(t => t.Token == token, cancellationToken)) return await CreateAsync(db, token, usesAllowed, expiryTime, cancellationToken);
        }

        throw MatrixException.InvalidParam($"No unused token of length {length} was found");
    }
}

using Matrix.Homeserver.Identity;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.ThreePids;

/// <summary>
/// A user's 3PIDs bound to identity servers through this server, as Synapse keeps them: bound with the identity
/// server's validated session, remembered, and unbound again (from the server named, else from each server it was
/// bound through) when the user removes the 3PID or deactivates the account. Results are the spec's
/// <c>id_server_unbind_result</c>: "success", or "no-support" when a server could not unbind or none is known.
/// </summary>
public sealed class IdentityServerBindings(IDbContextFactory<HomeserverDbContext> dbFactory, IdentityServerClient identity)
{
    public const string Success = "success";
    public const string NoSupport = "no-support";

    public async Task BindAsync(string userId, string idServer, string accessToken, string sid, string clientSecret, CancellationToken cancellationToken)
    {
        var (medium, address) = await identity.BindAsync(idServer, accessToken, sid, clientSecret, userId, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var bindings = db.Set<ThreePidBinding>();
        if (!await bindings.AnyAsync(b => b.UserId == userId && b.Medium == medium && b.Address == address && b.IdServer == idServer, cancellationToken))
        {
            bindings.Add(new ThreePidBinding { UserId = userId, Medium = medium, Address = address, IdServer = idServer });
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>Unbinds one 3PID from <paramref name="idServer"/>, or from every server it was bound through here.</summary>
    public async Task<string> UnbindAsync(string userId, string medium, string address, string? idServer, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = db.Set<ThreePidBinding>().Where(b => b.UserId == userId && b.Medium == medium && b.Address == address);
        List<string> servers = idServer is not null ? [idServer] : await rows.Select(b => b.IdServer).ToListAsync(cancellationToken);
        if (servers.Count == 0) return NoSupport;
        var result = Success;
        foreach (var server in servers)
        {
            if (!await identity.UnbindAsync(server, userId, medium, address, cancellationToken)) result = NoSupport;
            await rows.Where(b => b.IdServer == server).ExecuteDeleteAsync(cancellationToken);
        }

        return result;
    }

    /// <summary>Account deactivation (<see cref="Management.AccountDeactivator"/>): every 3PID bound through this server, from <paramref name="idServer"/> if given.</summary>
    public async Task<string> UnbindAllAsync(string userId, string? idServer, CancellationToken cancellationToken)
    {
        List<(string Medium, string Address)> bound;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            bound = (await db.Set<ThreePidBinding>().Where(b => b.UserId == userId).Select(b => new { b.Medium, b.Address }).Distinct()
                .ToListAsync(cancellationToken)).Select(b => (b.Medium, b.Address)).ToList();
        }

        var result = Success;
        foreach (var (medium, address) in bound)
        {
            try
            {
                if (await UnbindAsync(userId, medium, address, idServer, cancellationToken) != Success) result = NoSupport;
            }
            catch (Http.MatrixException)
            {
                // The account is gone whatever an identity server answers.
                result = NoSupport;
            }
        }

        return result;
    }
}

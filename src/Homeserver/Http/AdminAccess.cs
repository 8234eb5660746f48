using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Http;

/// <summary>Admin-only endpoints (the Synapse-compatible /_synapse/admin API) say so with <see cref="RequireAdmin{TBuilder}"/>.</summary>
public static class AdminAccess
{
    /// <summary>Whether <paramref name="userId"/> is a server admin (users.is_admin): the one place that asks.</summary>
    public static Task<bool> IsServerAdminAsync(HomeserverDbContext db, string userId, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().AnyAsync(u => u.UserId == userId && u.IsAdmin, cancellationToken);

    /// <summary>403 M_FORBIDDEN unless the authenticated caller is a server admin (users.is_admin).</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var requester = http.Items[typeof(Requester)] as Requester
                ?? throw new InvalidOperationException("RequireAdmin needs a handler that takes a Requester");
            var db = http.RequestServices.GetRequiredService<HomeserverDbContext>();
            if (!await IsServerAdminAsync(db, requester.UserId, http.RequestAborted))
            {
                throw MatrixException.Forbidden("You are not a server admin");
            }

            return await next(context);
        });
}

using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Http;

/// <summary>
/// What a locked or suspended account gets (spec: Account moderation; applied by Admin/Users/AccountRestrictions).
/// A locked caller is refused when its Requester is bound; endpoints closed to suspended callers say so with
/// <see cref="DenySuspended{TBuilder}"/>, and handlers whose answer depends on the request check <see cref="ThrowIfSuspended"/>.
/// </summary>
public static class RestrictedAccess
{
    public static MatrixException LockedError() =>
        new(401, ErrorCodes.UserLocked, "This account has been locked", new JsonObject { ["soft_logout"] = true });

    public static MatrixException SuspendedError() =>
        new(403, ErrorCodes.UserSuspended, "You cannot perform this action while suspended.");

    public static void ThrowIfSuspended(Requester requester)
    {
        if (requester.Suspended) throw SuspendedError();
    }

    /// <summary>403 M_USER_SUSPENDED for suspended callers; runs after the Requester is bound.</summary>
    public static TBuilder DenySuspended<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            if (context.HttpContext.Items[typeof(Requester)] is Requester requester) ThrowIfSuspended(requester);
            return await next(context);
        });
}

namespace Matrix.Homeserver.Http;

/// <summary>
/// Guest accounts may use only what the spec and Synapse allow them (sync, reading rooms they may see,
/// their devices, display name...). Endpoints or groups closed to guests say so with <see cref="DenyGuests{TBuilder}"/>.
/// </summary>
public static class GuestAccess
{
    /// <summary>403 M_GUEST_ACCESS_FORBIDDEN for guest callers; runs after the Requester is bound.</summary>
    public static TBuilder DenyGuests<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            if (context.HttpContext.Items[typeof(Requester)] is Requester { IsGuest: true })
            {
                throw new MatrixException(403, ErrorCodes.GuestAccessForbidden, "Guest access not allowed");
            }

            return await next(context);
        });
}

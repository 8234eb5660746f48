using Matrix.Homeserver.Admin.Rooms;
using Matrix.Homeserver.Admin.Server;
using Matrix.Homeserver.Admin.Users;

namespace Matrix.Homeserver.Admin;

/// <summary>
/// Synapse's admin API for users, rooms and the server (what synadm and synapse-admin drive). Every
/// endpoint is admin-only (<see cref="Http.AdminAccess.RequireAdmin{TBuilder}"/>) and every change is
/// recorded by <see cref="AdminAudit"/>. The work is the other features' own services: accounts for
/// passwords, devices and deactivation, rooms for memberships.
/// </summary>
public static class AdminApi
{
    public static IServiceCollection AddAdmin(this IServiceCollection services)
    {
        services.AddSingleton<AdminAudit>();
        services.AddScoped<AdminTargets>();
        services.AddScoped<UserAccountEditor>();
        services.AddScoped<AccountRestrictions>();
        services.AddScoped<AdminLogin>();
        services.AddSingleton<RoomShutdown>();
        services.AddSingleton<RoomBlocks>();
        services.AddSingleton<RoomPurger>();
        services.AddSingleton<RoomDeletions>();
        return services;
    }

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapServerVersionApi();
        app.MapUserAdminApi();
        app.MapAccountModerationApi();
        app.MapRoomAdminApi();
        app.MapServerNoticeApi();
        return app;
    }
}

using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Storage;

/// <summary>The sync feature's tables, as properties of the context (kept beside it, like <see cref="AccountTables"/>).</summary>
public static class SyncTables
{
    extension(HomeserverDbContext db)
    {
        public DbSet<Receipt> Receipts => db.Set<Receipt>();
        public DbSet<PresenceStatus> PresenceStatuses => db.Set<PresenceStatus>();
    }
}

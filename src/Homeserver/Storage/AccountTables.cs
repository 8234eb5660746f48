using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Storage;

/// <summary>
/// The accounts feature's tables, as properties of the context. Kept beside the context rather than in
/// it, so features add tables without editing one shared file.
/// </summary>
public static class AccountTables
{
    extension(HomeserverDbContext db)
    {
        public DbSet<LoginToken> LoginTokens => db.Set<LoginToken>();
        public DbSet<RegistrationToken> RegistrationTokens => db.Set<RegistrationToken>();
        public DbSet<ProfileField> ProfileFields => db.Set<ProfileField>();
        public DbSet<UiaSession> UiaSessions => db.Set<UiaSession>();
        public DbSet<UiaSessionStage> UiaSessionStages => db.Set<UiaSessionStage>();
        public DbSet<AccountDataEntry> AccountData => db.Set<AccountDataEntry>();
        public DbSet<UserFilter> UserFilters => db.Set<UserFilter>();
    }
}

using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Storage;

/// <summary>The end-to-end encryption feature's tables, as properties of the context.</summary>
public static class E2eeTables
{
    extension(HomeserverDbContext db)
    {
        public DbSet<DeviceKeys> DeviceKeys => db.Set<DeviceKeys>();
        public DbSet<OneTimeKey> OneTimeKeys => db.Set<OneTimeKey>();
        public DbSet<FallbackKey> FallbackKeys => db.Set<FallbackKey>();
        public DbSet<CrossSigningKey> CrossSigningKeys => db.Set<CrossSigningKey>();
        public DbSet<CrossSigningSignature> CrossSigningSignatures => db.Set<CrossSigningSignature>();
        public DbSet<DeviceListChange> DeviceListChanges => db.Set<DeviceListChange>();
        public DbSet<PrivateDeviceListChange> PrivateDeviceListChanges => db.Set<PrivateDeviceListChange>();
        public DbSet<ToDeviceMessage> ToDeviceMessages => db.Set<ToDeviceMessage>();
        public DbSet<ToDeviceTransaction> ToDeviceTransactions => db.Set<ToDeviceTransaction>();
        public DbSet<RoomKeyBackupVersion> RoomKeyBackupVersions => db.Set<RoomKeyBackupVersion>();
        public DbSet<RoomKeyBackup> RoomKeyBackups => db.Set<RoomKeyBackup>();
        public DbSet<DehydratedDevice> DehydratedDevices => db.Set<DehydratedDevice>();
    }
}

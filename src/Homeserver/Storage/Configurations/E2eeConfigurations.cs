using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class DeviceKeysConfiguration : IEntityTypeConfiguration<DeviceKeys>
{
    public void Configure(EntityTypeBuilder<DeviceKeys> b)
    {
        b.ToTable("e2e_device_keys");
        b.HasKey(k => new { k.UserId, k.DeviceId });
    }
}

internal sealed class OneTimeKeyConfiguration : IEntityTypeConfiguration<OneTimeKey>
{
    public void Configure(EntityTypeBuilder<OneTimeKey> b)
    {
        b.ToTable("e2e_one_time_keys");
        b.HasKey(k => new { k.UserId, k.DeviceId, k.Algorithm, k.KeyId });
    }
}

internal sealed class FallbackKeyConfiguration : IEntityTypeConfiguration<FallbackKey>
{
    public void Configure(EntityTypeBuilder<FallbackKey> b)
    {
        b.ToTable("e2e_fallback_keys");
        b.HasKey(k => new { k.UserId, k.DeviceId, k.Algorithm });
    }
}

internal sealed class CrossSigningKeyConfiguration : IEntityTypeConfiguration<CrossSigningKey>
{
    public void Configure(EntityTypeBuilder<CrossSigningKey> b)
    {
        b.ToTable("e2e_cross_signing_keys");
        b.HasKey(k => new { k.UserId, k.KeyType });
    }
}

internal sealed class CrossSigningSignatureConfiguration : IEntityTypeConfiguration<CrossSigningSignature>
{
    public void Configure(EntityTypeBuilder<CrossSigningSignature> b)
    {
        b.ToTable("e2e_cross_signing_signatures");
        b.HasKey(s => new { s.TargetUserId, s.TargetKeyId, s.SignerUserId, s.SignerKeyId });
    }
}

internal sealed class DeviceListChangeConfiguration : IEntityTypeConfiguration<DeviceListChange>
{
    public void Configure(EntityTypeBuilder<DeviceListChange> b)
    {
        b.ToTable("device_list_changes");
        b.HasKey(c => c.UserId);
        b.HasIndex(c => c.StreamPosition);
    }
}

internal sealed class PrivateDeviceListChangeConfiguration : IEntityTypeConfiguration<PrivateDeviceListChange>
{
    public void Configure(EntityTypeBuilder<PrivateDeviceListChange> b)
    {
        b.ToTable("private_device_list_changes");
        b.HasKey(c => new { c.ViewerUserId, c.UserId });
        b.HasIndex(c => c.StreamPosition);
    }
}

internal sealed class ToDeviceMessageConfiguration : IEntityTypeConfiguration<ToDeviceMessage>
{
    public void Configure(EntityTypeBuilder<ToDeviceMessage> b)
    {
        b.ToTable("to_device_messages");
        b.HasKey(m => m.Id);
        b.HasIndex(m => new { m.UserId, m.DeviceId, m.StreamPosition });
        b.HasIndex(m => m.StreamPosition);
    }
}

internal sealed class ToDeviceTransactionConfiguration : IEntityTypeConfiguration<ToDeviceTransaction>
{
    public void Configure(EntityTypeBuilder<ToDeviceTransaction> b)
    {
        b.ToTable("to_device_transactions");
        b.HasKey(t => new { t.UserId, t.DeviceId, t.TxnId });
        b.HasIndex(t => t.CreatedTs);
    }
}

internal sealed class RoomKeyBackupVersionConfiguration : IEntityTypeConfiguration<RoomKeyBackupVersion>
{
    public void Configure(EntityTypeBuilder<RoomKeyBackupVersion> b)
    {
        b.ToTable("e2e_room_key_versions");
        b.HasKey(v => new { v.UserId, v.Version });
    }
}

internal sealed class RoomKeyBackupConfiguration : IEntityTypeConfiguration<RoomKeyBackup>
{
    public void Configure(EntityTypeBuilder<RoomKeyBackup> b)
    {
        b.ToTable("e2e_room_keys");
        b.HasKey(k => new { k.UserId, k.Version, k.RoomId, k.SessionId });
    }
}

internal sealed class DehydratedDeviceConfiguration : IEntityTypeConfiguration<DehydratedDevice>
{
    public void Configure(EntityTypeBuilder<DehydratedDevice> b)
    {
        b.ToTable("dehydrated_devices");
        b.HasKey(d => d.UserId);
    }
}

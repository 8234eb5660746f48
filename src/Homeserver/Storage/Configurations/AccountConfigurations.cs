using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> b)
    {
        b.HasKey(u => u.UserId);
        b.HasIndex(u => u.Localpart).IsUnique();
    }
}

internal sealed class DeviceConfiguration : IEntityTypeConfiguration<Device>
{
    public void Configure(EntityTypeBuilder<Device> b) => b.HasKey(d => new { d.UserId, d.DeviceId });
}

internal sealed class AccessTokenConfiguration : IEntityTypeConfiguration<AccessToken>
{
    public void Configure(EntityTypeBuilder<AccessToken> b)
    {
        b.HasKey(t => t.Id);
        b.HasIndex(t => t.TokenHash).IsUnique();
        b.HasIndex(t => new { t.UserId, t.DeviceId });
    }
}

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> b)
    {
        b.HasKey(t => t.Id);
        b.HasIndex(t => t.TokenHash).IsUnique();
        b.HasIndex(t => new { t.UserId, t.DeviceId });
    }
}

internal sealed class LoginTokenConfiguration : IEntityTypeConfiguration<LoginToken>
{
    public void Configure(EntityTypeBuilder<LoginToken> b)
    {
        b.HasKey(t => t.TokenHash);
        b.HasIndex(t => t.ExpiresTs);
    }
}

internal sealed class RegistrationTokenConfiguration : IEntityTypeConfiguration<RegistrationToken>
{
    public void Configure(EntityTypeBuilder<RegistrationToken> b)
    {
        b.HasKey(t => t.Token);
        b.Property(t => t.Token).HasMaxLength(64);
    }
}

internal sealed class ProfileFieldConfiguration : IEntityTypeConfiguration<ProfileField>
{
    public void Configure(EntityTypeBuilder<ProfileField> b) => b.HasKey(f => new { f.UserId, f.Key });
}

internal sealed class UiaSessionConfiguration : IEntityTypeConfiguration<UiaSession>
{
    public void Configure(EntityTypeBuilder<UiaSession> b)
    {
        b.HasKey(s => s.SessionId);
        b.HasIndex(s => s.ExpiresTs);
    }
}

internal sealed class UiaSessionStageConfiguration : IEntityTypeConfiguration<UiaSessionStage>
{
    public void Configure(EntityTypeBuilder<UiaSessionStage> b) => b.HasKey(s => new { s.SessionId, s.Stage });
}

internal sealed class AccountDataEntryConfiguration : IEntityTypeConfiguration<AccountDataEntry>
{
    public void Configure(EntityTypeBuilder<AccountDataEntry> b)
    {
        b.ToTable("account_data");
        b.HasKey(a => new { a.UserId, a.RoomId, a.Type });
        // Read-modify-write (tags) retries when another write moved the row meanwhile.
        b.Property(a => a.StreamPosition).IsConcurrencyToken();
        // Sync reads one user's changes between two stream positions.
        b.HasIndex(a => new { a.UserId, a.StreamPosition });
        b.HasIndex(a => a.StreamPosition);
    }
}

internal sealed class UserFilterConfiguration : IEntityTypeConfiguration<UserFilter>
{
    public void Configure(EntityTypeBuilder<UserFilter> b)
    {
        b.HasKey(f => new { f.UserId, f.FilterId });
        b.HasIndex(f => new { f.UserId, f.JsonHash });
    }
}

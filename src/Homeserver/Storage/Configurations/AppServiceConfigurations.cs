using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class AppServiceOutboxItemConfiguration : IEntityTypeConfiguration<AppServiceOutboxItem>
{
    public void Configure(EntityTypeBuilder<AppServiceOutboxItem> b)
    {
        b.ToTable("appservice_outbox");
        b.HasKey(i => i.Id);
        b.HasIndex(i => new { i.AppServiceId, i.Id });
    }
}

internal sealed class AppServiceStateConfiguration : IEntityTypeConfiguration<AppServiceState>
{
    public void Configure(EntityTypeBuilder<AppServiceState> b)
    {
        b.ToTable("appservice_states");
        b.HasKey(s => s.AppServiceId);
    }
}

internal sealed class AppServiceRoomListEntryConfiguration : IEntityTypeConfiguration<AppServiceRoomListEntry>
{
    public void Configure(EntityTypeBuilder<AppServiceRoomListEntry> b)
    {
        b.ToTable("appservice_room_list");
        b.HasKey(e => new { e.AppServiceId, e.NetworkId, e.RoomId });
        b.HasIndex(e => e.RoomId);
    }
}

using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class BlockedRoomConfiguration : IEntityTypeConfiguration<BlockedRoom>
{
    public void Configure(EntityTypeBuilder<BlockedRoom> b)
    {
        b.ToTable("blocked_rooms");
        b.HasKey(r => r.RoomId);
    }
}

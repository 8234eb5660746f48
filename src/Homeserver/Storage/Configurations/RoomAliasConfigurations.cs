using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class RoomAliasMappingConfiguration : IEntityTypeConfiguration<RoomAliasMapping>
{
    public void Configure(EntityTypeBuilder<RoomAliasMapping> b)
    {
        // No DbSet names this table (features use Set<T>()), so name it like the others: plural.
        b.ToTable("room_aliases");
        b.HasKey(a => a.Alias);
        // GET /rooms/{roomId}/aliases and upgrades read a room's aliases.
        b.HasIndex(a => a.RoomId);
    }
}

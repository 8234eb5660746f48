using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class RoomAliasMappingConfiguration : IEntityTypeConfiguration<RoomAliasMapping>
{
    public void Configure(EntityTypeBuilder<RoomAliasMapping> b)
    {
        b.HasKey(a => a.Alias);
        // GET /rooms/{roomId}/aliases and upgrades read a room's aliases.
        b.HasIndex(a => a.RoomId);
    }
}

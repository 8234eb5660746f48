using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class EventRelationConfiguration : IEntityTypeConfiguration<EventRelation>
{
    public void Configure(EntityTypeBuilder<EventRelation> b)
    {
        b.ToTable("event_relations");
        b.HasKey(r => r.EventId);
        // Children of a parent (relations API, bundled aggregations), newest first.
        b.HasIndex(r => new { r.RelatesToId, r.RelType, r.StreamOrdering });
        // A room's threads, ordered by their latest reply.
        b.HasIndex(r => new { r.RoomId, r.RelType, r.StreamOrdering });
    }
}

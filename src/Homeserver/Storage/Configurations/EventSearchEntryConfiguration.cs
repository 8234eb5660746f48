using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class EventSearchEntryConfiguration : IEntityTypeConfiguration<EventSearchEntry>
{
    public void Configure(EntityTypeBuilder<EventSearchEntry> b)
    {
        b.ToTable("event_search");
        b.HasKey(e => e.Id);
        b.HasIndex(e => e.EventId).IsUnique();
        b.HasIndex(e => new { e.RoomId, e.StreamOrdering });
    }
}

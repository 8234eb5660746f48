using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class ReceiptConfiguration : IEntityTypeConfiguration<Receipt>
{
    public void Configure(EntityTypeBuilder<Receipt> b)
    {
        b.ToTable("receipts");
        b.HasKey(r => new { r.RoomId, r.ReceiptType, r.UserId, r.ThreadId });
        // Sync reads receipts after a position; unread counts read a user's receipts.
        b.HasIndex(r => r.StreamPosition);
        b.HasIndex(r => new { r.UserId, r.RoomId });
    }
}

internal sealed class PresenceStatusConfiguration : IEntityTypeConfiguration<PresenceStatus>
{
    public void Configure(EntityTypeBuilder<PresenceStatus> b)
    {
        b.ToTable("presence");
        b.HasKey(p => p.UserId);
    }
}

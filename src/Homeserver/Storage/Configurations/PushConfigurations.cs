using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class PushRuleEntryConfiguration : IEntityTypeConfiguration<PushRuleEntry>
{
    public void Configure(EntityTypeBuilder<PushRuleEntry> b)
    {
        b.ToTable("push_rules");
        b.HasKey(r => new { r.UserId, r.Kind, r.RuleId });
    }
}

internal sealed class EventPushActionConfiguration : IEntityTypeConfiguration<EventPushAction>
{
    public void Configure(EntityTypeBuilder<EventPushAction> b)
    {
        b.ToTable("event_push_actions");
        b.HasKey(a => new { a.UserId, a.EventId });
        // Unread counts read a user's notifications per room after a receipt; /notifications and
        // pushers read them in stream order; sync looks for rooms with notifications written after a token.
        b.HasIndex(a => new { a.UserId, a.RoomId, a.StreamOrdering });
        b.HasIndex(a => new { a.UserId, a.StreamOrdering });
        b.HasIndex(a => new { a.UserId, a.WrittenAt });
        b.HasIndex(a => a.WrittenAt);
    }
}

internal sealed class PusherConfiguration : IEntityTypeConfiguration<Pusher>
{
    public void Configure(EntityTypeBuilder<Pusher> b)
    {
        b.ToTable("pushers");
        b.HasKey(p => p.Id);
        b.HasIndex(p => new { p.AppId, p.PushKey, p.UserId }).IsUnique();
        b.HasIndex(p => new { p.UserId, p.DeviceId });
    }
}

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
        // One row per user and event, keyed by the event's stream position (unique, as the event is): a user's
        // rows then go in at the end of their key range, where a key holding the random event ID put each row on
        // a random page (a third of the insert's cost). The key also serves /notifications and pushers, which
        // read a user's notifications in stream order. Unread counts read them per room after a receipt; sync
        // looks for rooms with notifications written after a token. Every index costs a fanout's send (a row per
        // member): the start-up's highest write position comes from the user's index (PushStreamSource), not one of its own.
        b.HasKey(a => new { a.UserId, a.StreamOrdering });
        b.HasIndex(a => new { a.UserId, a.RoomId, a.StreamOrdering });
        b.HasIndex(a => new { a.UserId, a.WrittenAt });
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

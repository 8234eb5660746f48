using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Storage.ViewMigrations;
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
        // Queries read these rows and the rooms' shared ones through one view (NotificationsView).
        b.ToView(NotificationsView.Name);
        // One row per user and event, keyed by the event's stream position (unique, as the event is): a user's
        // rows then go in at the end of their key range, where a key holding the random event ID put each row on
        // a random page (a third of the insert's cost). The key also serves /notifications and pushers, which
        // read a user's notifications in stream order. Unread counts read them per room after a receipt; sync
        // looks for rooms with notifications written after a token. Every index costs each member whose outcome differs from
        // the room's shared row: the start-up's highest write position comes from the user's index (PushStreamSource), not one of its own.
        b.HasKey(a => new { a.UserId, a.StreamOrdering });
        b.HasIndex(a => new { a.UserId, a.RoomId, a.StreamOrdering });
        b.HasIndex(a => new { a.UserId, a.WrittenAt });
    }
}

internal sealed class RoomPushActionConfiguration : IEntityTypeConfiguration<RoomPushAction>
{
    public void Configure(EntityTypeBuilder<RoomPushAction> b)
    {
        b.ToTable("room_push_actions");
        // The view joins a member's rooms to their rows in stream order; sync's "written after a token" reads the other.
        b.HasKey(a => new { a.RoomId, a.StreamOrdering });
        b.HasIndex(a => new { a.RoomId, a.WrittenAt });
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

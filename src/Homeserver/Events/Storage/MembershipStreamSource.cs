using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Events.Storage;

/// <summary>room_memberships rows of out-of-band memberships hold positions no event row holds.</summary>
internal sealed class MembershipStreamSource : IStreamSource
{
    public StreamColumn Positions { get; } = new(typeof(RoomMembership), nameof(RoomMembership.StreamOrdering));
}

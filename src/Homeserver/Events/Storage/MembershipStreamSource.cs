using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Storage;

/// <summary>room_memberships rows of out-of-band memberships hold positions no event row holds.</summary>
internal sealed class MembershipStreamSource : IStreamSource
{
    public async Task<long> MaxPositionAsync(HomeserverDbContext db, CancellationToken cancellationToken) =>
        await db.RoomMemberships.MaxAsync(m => (long?)m.StreamOrdering, cancellationToken) ?? 0;
}

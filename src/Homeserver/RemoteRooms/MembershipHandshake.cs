using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.ServerKeys;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>Our membership event, built and signed by us from a resident server's template, in the room's version.</summary>
public sealed record RemoteMembershipEvent(RoomVersion Version, Pdu Pdu);

/// <summary>
/// The first half of joining, leaving or knocking through another server: GET make_join/make_leave/make_knock
/// (v1, which Synapse still serves and calls) with the room versions we support, check the template
/// (<see cref="MembershipTemplate"/>), and build and sign our event from it with our own builder.
/// </summary>
public sealed class MembershipHandshake(FederationClient client, ServerSigningKey signingKey, HomeserverOptions options, TimeProvider clock)
{
    private static readonly KeyValuePair<string, string?>[] SupportedVersions = [.. RoomVersions.All.Select(v => new KeyValuePair<string, string?>("ver", v.Id))];

    private readonly EventBuilder _builder = new(ServerName.Parse(options.ServerName), signingKey.Key);

    /// <exception cref="FederationException">The server did not answer the template.</exception>
    /// <exception cref="RemoteAnswerException">The template is refused.</exception>
    public async Task<RemoteMembershipEvent> MakeAsync(string server, string roomId, string userId, string membership, JsonObject content, CancellationToken cancellationToken)
    {
        var path = $"/_matrix/federation/v1/make_{membership}/{FederationPath.Segment(roomId)}/{FederationPath.Segment(userId)}";
        if (membership != Memberships.Leave) path = FederationPath.WithQuery(path, SupportedVersions);
        var answer = await client.GetJsonAsync(server, path, cancellationToken: cancellationToken);
        var template = MembershipTemplate.Check(answer, server, roomId, userId, membership, content, clock.GetUtcNow().ToUnixTimeMilliseconds());
        try
        {
            return new RemoteMembershipEvent(template.Version, _builder.Build(template.Version, template.Event, template.References));
        }
        catch (Exception e) when (e is PduValidationException or ArgumentException or InvalidOperationException)
        {
            throw new RemoteAnswerException(server, $"no valid event can be built from the template: {e.Message}");
        }
    }
}

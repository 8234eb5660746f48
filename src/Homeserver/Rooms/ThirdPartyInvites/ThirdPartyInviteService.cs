using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Identity;
using Matrix.Homeserver.Rooms.Membership;
using Matrix.Homeserver.Rooms.Remote;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.ThirdPartyInvites;

/// <summary>
/// Third-party invites (spec: the Client-Server "Third-party invites" module and the federation's exchange). The
/// inviter's server asks the identity server for the Matrix ID bound to the 3PID and invites it, or stores the invite
/// there and puts an m.room.third_party_invite into the room. Once the 3PID is bound, the invitee's server (told by
/// /3pid/onbind, or by the invitee's /join with third_party_signed) has the inviter's server turn the identity
/// server's signed token into the member invite, which the room's auth rules check against the room's public keys
/// and this server also checks against the identity server's key_validity_url.
/// </summary>
public sealed class ThirdPartyInviteService(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    IdentityServerClient identity,
    RoomMembershipService membership,
    RoomEventWriter writer,
    RoomStateReader state,
    IRemoteRooms remote,
    HomeserverOptions options)
{
    /// <summary>POST /rooms/{roomId}/invite with a 3PID (and createRoom's invite_3pid).</summary>
    public async Task InviteAsync(string roomId, string sender, ThirdPartyInvitee invitee, CancellationToken cancellationToken)
    {
        // Nothing goes to the identity server for a user who could not invite anyway.
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (await state.GetMembershipAsync(db, roomId, sender, cancellationToken) != Memberships.Join)
            {
                throw MatrixException.Forbidden($"{sender} is not in the room");
            }
        }

        var userId = await identity.LookupAsync(invitee.IdServer, invitee.IdAccessToken, invitee.Medium, invitee.Address, cancellationToken);
        if (userId is not null)
        {
            await membership.ApplyAsync(new MembershipChange(roomId, sender, userId, MembershipAction.Invite), cancellationToken);
            return;
        }

        JsonObject storeBody;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            storeBody = await StoreBodyAsync(db, roomId, sender, invitee, cancellationToken);
        }

        var stored = await identity.StoreInviteAsync(invitee.IdServer, invitee.IdAccessToken, storeBody, cancellationToken);
        var first = (JsonObject)stored.PublicKeys[0]!;
        var content = new JsonObject
        {
            ["display_name"] = stored.DisplayName,
            ["key_validity_url"] = JsonFields.String(first, "key_validity_url") ?? IdentityServerClient.KeyValidityUrlOf(invitee.IdServer),
            ["public_key"] = JsonFields.String(first, "public_key"),
            ["public_keys"] = stored.PublicKeys.DeepClone(),
        };
        await writer.SendAsync(roomId, [EventDraft.State(EventTypes.ThirdPartyInvite, stored.Token, sender, content)], cancellationToken);
    }

    /// <summary>
    /// The invitee's side: <paramref name="target"/> proved the 3PID (the identity server's <paramref name="signed"/>
    /// token). The inviter's server makes the invite: this one when the inviter is ours, else it is asked over federation.
    /// </summary>
    public async Task ExchangeAsync(string sender, string target, string roomId, JsonObject signed, CancellationToken cancellationToken)
    {
        if (RequestIds.IsLocal(sender, options.ServerName))
        {
            await InviteFromSignedAsync(roomId, sender, target, signed, cancellationToken);
            return;
        }

        var invite = new JsonObject
        {
            ["type"] = EventTypes.Member,
            ["room_id"] = roomId,
            ["sender"] = sender,
            ["state_key"] = target,
            ["content"] = new JsonObject
            {
                ["membership"] = Memberships.Invite,
                ["third_party_invite"] = new JsonObject { ["signed"] = signed.DeepClone() },
            },
        };
        await remote.ExchangeThirdPartyInviteAsync(RequestIds.ServerOf(sender), roomId, invite, cancellationToken);
    }

    /// <summary>
    /// The inviter's side: the member invite for <paramref name="target"/>, sent as <paramref name="sender"/> (who sent
    /// the room's m.room.third_party_invite, even if they left since), once the identity server's signature holds with
    /// one of its keys and that key was not revoked (its key_validity_url, as the spec asks of the room's server).
    /// </summary>
    public async Task InviteFromSignedAsync(string roomId, string sender, string target, JsonObject signed, CancellationToken cancellationToken)
    {
        if (JsonFields.String(signed, "mxid") != target) throw MatrixException.Forbidden("The signed third-party invite is for another user");
        var token = JsonFields.String(signed, "token") ?? throw MatrixException.MissingParam("The signed third-party invite has no token");
        Pdu? invite;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            invite = await state.GetStateEventAsync(db, roomId, EventTypes.ThirdPartyInvite, token, cancellationToken);
        }

        if (invite is null || invite.Content.Count == 0) throw MatrixException.Forbidden("The room has no third-party invite with that token");
        if (invite.Sender != sender) throw MatrixException.Forbidden($"{sender} did not send that third-party invite");
        var key = ThirdPartyInviteKeys.SigningKeyOf(signed, ThirdPartyInviteKeys.Of(invite.Content))
            ?? throw MatrixException.Forbidden("The third-party invite is not signed with any of the room's keys for it");
        if (key.KeyValidityUrl is { } url && !await identity.IsKeyValidAsync(url, key.PublicKey, cancellationToken))
        {
            throw MatrixException.Forbidden("The identity server's key for this invite was revoked or could not be checked");
        }

        var thirdParty = new JsonObject { ["display_name"] = JsonFields.String(invite, "display_name") ?? "", ["signed"] = signed.DeepClone() };
        await membership.ApplyAsync(new MembershipChange(roomId, sender, target, MembershipAction.Invite)
        {
            Content = new JsonObject { ["third_party_invite"] = thirdParty },
        }, cancellationToken);
    }

    /// <summary>What the identity server may tell the invitee in its message (POST /store-invite), as Synapse sends it.</summary>
    private async Task<JsonObject> StoreBodyAsync(HomeserverDbContext db, string roomId, string sender, ThirdPartyInvitee invitee,
        CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["medium"] = invitee.Medium,
            ["address"] = invitee.Address,
            ["room_id"] = roomId,
            ["sender"] = sender,
        };
        var create = await state.GetStateEventAsync(db, roomId, EventTypes.Create, "", cancellationToken);
        Add(body, "room_type", JsonFields.String(create, "type"));
        Add(body, "room_alias", JsonFields.String(await state.GetStateEventAsync(db, roomId, EventTypes.CanonicalAlias, "", cancellationToken), "alias"));
        Add(body, "room_name", JsonFields.String(await state.GetStateEventAsync(db, roomId, EventTypes.Name, "", cancellationToken), "name"));
        Add(body, "room_avatar_url", JsonFields.String(await state.GetStateEventAsync(db, roomId, EventTypes.Avatar, "", cancellationToken), "url"));
        Add(body, "room_join_rules", JsonFields.String(await state.GetStateEventAsync(db, roomId, EventTypes.JoinRules, "", cancellationToken), "join_rule"));
        var member = await state.GetStateEventAsync(db, roomId, EventTypes.Member, sender, cancellationToken);
        Add(body, "sender_display_name", JsonFields.String(member, "displayname"));
        Add(body, "sender_avatar_url", JsonFields.String(member, "avatar_url"));
        return body;
    }

    private static void Add(JsonObject body, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value)) body[key] = value;
    }
}

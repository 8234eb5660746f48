// Room helpers over synced matrix-js-sdk clients; every wait is bounded (see wait.mjs).
import { newUser, startAll } from "./clients.mjs";
import { eventually } from "./wait.mjs";

export const membership = (client, roomId, userId) =>
    client.getRoom(roomId)?.getMember(userId)?.membership;

/** Waits until client's synced view has userId in roomId with the given membership. */
export function waitForMembership(client, roomId, userId, expected) {
    return eventually(() => membership(client, roomId, userId) === expected,
        `${client.getUserId()} to see ${userId} as ${expected} in ${roomId}`);
}

/** Waits until client's synced view has its own membership in roomId equal to expected. */
export function waitForMyMembership(client, roomId, expected) {
    return eventually(() => client.getRoom(roomId)?.getMyMembership() === expected,
        `${client.getUserId()} to be ${expected} in ${roomId}`);
}

/** Waits until an event with this ID reached client through sync (main or thread timeline). */
export function waitForEvent(client, roomId, eventId, { timeoutMs } = {}) {
    return eventually(() => client.getRoom(roomId)?.findEventById(eventId),
        `${client.getUserId()} to receive ${eventId}`, { timeoutMs });
}

/** Waits for an invite to reach guest, joins, and waits until the owner sees the join. */
export async function joinInvited(owner, guest, roomId) {
    await waitForMyMembership(guest.client, roomId, "invite");
    await guest.client.joinRoom(roomId);
    await waitForMembership(owner.client, roomId, guest.userId, "join");
}

export async function inviteAndJoin(owner, guest, roomId) {
    await owner.client.invite(roomId, guest.userId);
    await joinInvited(owner, guest, roomId);
}

/**
 * owner creates a private room and the others join it; all clients must be syncing. direct: the
 * invites go out with createRoom's is_direct, as a DM is made.
 */
export async function sharedRoom(owner, others, { direct = false, ...createOptions } = {}) {
    const dm = direct ? { is_direct: true, invite: others.map((u) => u.userId) } : {};
    const { room_id: roomId } = await owner.client.createRoom({ preset: "private_chat", ...dm, ...createOptions });
    await waitForMyMembership(owner.client, roomId, "join");
    for (const guest of others) {
        if (direct) await joinInvited(owner, guest, roomId);
        else await inviteAndJoin(owner, guest, roomId);
    }
    return roomId;
}

/** The common start of a scenario: alice and bob, both syncing, joined to a room alice made. */
export async function aliceAndBobInRoom(ctx, { crypto = false, createOptions = {} } = {}) {
    const alice = await newUser(ctx, { prefix: "alice", crypto });
    const bob = await newUser(ctx, { prefix: "bob", crypto });
    await startAll(alice.client, bob.client);
    const roomId = await sharedRoom(alice, [bob], createOptions);
    return { alice, bob, roomId };
}

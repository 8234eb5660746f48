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

/** Invites someone who is syncing, waits for the invite to reach them, joins, and waits until the inviter sees the join. */
export async function inviteAndJoin(owner, guest, roomId) {
    await owner.client.invite(roomId, guest.userId);
    await waitForMyMembership(guest.client, roomId, "invite");
    await guest.client.joinRoom(roomId);
    await waitForMembership(owner.client, roomId, guest.userId, "join");
}

/** owner creates a private room, the others are invited and join; all clients must be syncing. */
export async function sharedRoom(owner, others, createOptions = {}) {
    const { room_id: roomId } = await owner.client.createRoom({ preset: "private_chat", ...createOptions });
    await waitForMyMembership(owner.client, roomId, "join");
    for (const guest of others) await inviteAndJoin(owner, guest, roomId);
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

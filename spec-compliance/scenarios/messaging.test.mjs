// Messages: delivery through sync, idempotent transactions, history pagination (scrollback).
import assert from "node:assert/strict";
import { Method } from "matrix-js-sdk";
import { rejectsWith } from "../lib/assertions.mjs";
import { newDevice, newUser, startSyncing } from "../lib/clients.mjs";
import { Features } from "../lib/features.mjs";
import { aliceAndBobInRoom, waitForEvent } from "../lib/rooms.mjs";
import { scenario } from "../lib/scenario.mjs";
import { eventually } from "../lib/wait.mjs";

const base = [Features.registration, Features.sync, Features.createRoom, Features.invite, Features.join, Features.send];

scenario("the other member receives a message through sync with its content", { needs: base }, async (ctx) => {
    const { alice, bob, roomId } = await aliceAndBobInRoom(ctx);

    const content = { msgtype: "m.text", body: "hello bob", format: "org.matrix.custom.html", formatted_body: "<b>hello</b> bob" };
    const { event_id: eventId } = await alice.client.sendMessage(roomId, content);
    assert.match(eventId, /^\$/);

    const received = await waitForEvent(bob.client, roomId, eventId);
    assert.equal(received.getType(), "m.room.message");
    assert.equal(received.getSender(), alice.userId);
    assert.equal(received.getRoomId(), roomId);
    assert.deepEqual(received.getContent(), content);
    assert.ok(Math.abs(received.getTs() - Date.now()) < 60_000, "origin_server_ts is about now");
});

scenario("resending with the same transaction ID does not duplicate the event", { needs: base }, async (ctx) => {
    const { alice, bob, roomId } = await aliceAndBobInRoom(ctx);

    const path = `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/spec-txn-1`;
    const content = { msgtype: "m.text", body: "only once" };
    const first = await alice.client.http.authedRequest(Method.Put, path, undefined, content);
    const second = await alice.client.http.authedRequest(Method.Put, path, undefined, content);
    assert.equal(second.event_id, first.event_id, "the retry answers with the first event's ID");

    const marker = await alice.client.sendTextMessage(roomId, "after the retry");
    await waitForEvent(bob.client, roomId, marker.event_id);
    const copies = bob.client.getRoom(roomId).getLiveTimeline().getEvents()
        .filter((e) => e.getContent().body === "only once");
    assert.equal(copies.length, 1);
});

scenario("scrollback pages through the whole history in order", { needs: [...base, Features.messages], timeoutMs: 120_000 }, async (ctx) => {
    const { alice, bob, roomId } = await aliceAndBobInRoom(ctx);
    const count = 25;
    for (let i = 0; i < count; i++) await alice.client.sendTextMessage(roomId, `history ${i}`);

    // A new device of bob starts with a short timeline and must page back for the rest.
    const bob2 = await newDevice(ctx, bob);
    await startSyncing(bob2.client, { initialSyncLimit: 5 });
    const room = await eventually(() => bob2.client.getRoom(roomId), "bob's second device to see the room");
    const bodies = () => room.getLiveTimeline().getEvents()
        .filter((e) => e.getType() === "m.room.message").map((e) => e.getContent().body);
    assert.ok(bodies().length < count, "the initial sync is limited");

    for (let page = 0; page < 20 && room.oldState.paginationToken !== null; page++) {
        await bob2.client.scrollback(room, 10);
    }
    assert.equal(room.oldState.paginationToken, null, "paging back reaches the start of the room");
    assert.deepEqual(bodies(), Array.from({ length: count }, (_, i) => `history ${i}`));
    assert.equal(room.getLiveTimeline().getEvents()[0].getType(), "m.room.create", "the oldest event is the create event");
});

scenario("a non-member cannot read a room's messages", { needs: [...base, Features.messages] }, async (ctx) => {
    const alice = await newUser(ctx, { prefix: "alice" });
    const eve = await newUser(ctx, { prefix: "eve" });
    const { room_id: roomId } = await alice.client.createRoom({ preset: "private_chat" });
    await alice.client.sendTextMessage(roomId, "members only");
    await rejectsWith(eve.client.createMessagesRequest(roomId, null, 10, "b"), 403, "M_FORBIDDEN");
});

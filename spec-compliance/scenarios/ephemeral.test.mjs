// Ephemeral room data through sync: typing notifications and read receipts.
import assert from "node:assert/strict";
import { Features } from "../lib/features.mjs";
import { aliceAndBobInRoom, waitForEvent } from "../lib/rooms.mjs";
import { scenario } from "../lib/scenario.mjs";
import { eventually } from "../lib/wait.mjs";

const base = [Features.registration, Features.sync, Features.createRoom, Features.invite, Features.join];
const isTyping = (client, roomId, userId) => client.getRoom(roomId)?.getMember(userId)?.typing === true;

scenario("typing starts and stops for the other member", { needs: [...base, Features.typing] }, async (ctx) => {
    const { alice, bob, roomId } = await aliceAndBobInRoom(ctx);
    await alice.client.sendTyping(roomId, true, 30_000);
    await eventually(() => isTyping(bob.client, roomId, alice.userId), "bob to see alice typing");
    await alice.client.sendTyping(roomId, false, 0);
    await eventually(() => !isTyping(bob.client, roomId, alice.userId), "bob to see alice stop typing");
});

scenario("typing ends by itself when its timeout runs out", { needs: [...base, Features.typing] }, async (ctx) => {
    const { alice, bob, roomId } = await aliceAndBobInRoom(ctx);
    await alice.client.sendTyping(roomId, true, 2_000);
    await eventually(() => isTyping(bob.client, roomId, alice.userId), "bob to see alice typing");
    await eventually(() => !isTyping(bob.client, roomId, alice.userId), "alice's typing to time out",
        { timeoutMs: 15_000 });
});

scenario("a read receipt reaches the sender", { needs: [...base, Features.send, Features.receipts] }, async (ctx) => {
    const { alice, bob, roomId } = await aliceAndBobInRoom(ctx);
    const { event_id: eventId } = await alice.client.sendTextMessage(roomId, "did you read this?");
    const event = await waitForEvent(bob.client, roomId, eventId);
    await bob.client.sendReadReceipt(event);

    const room = alice.client.getRoom(roomId);
    const receipt = await eventually(() => room.getReceiptsForEvent(event)
        .find((r) => r.userId === bob.userId && r.type === "m.read"), "alice to see bob's read receipt");
    assert.ok(Math.abs(receipt.data.ts - Date.now()) < 60_000, "the receipt carries a current ts");
    assert.equal(room.getEventReadUpTo(bob.userId, true), eventId);
});

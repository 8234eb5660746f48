// An encrypted DM with matrix-js-sdk's Rust crypto: the recipient decrypts, the server only ever
// holds ciphertext, and a device the recipient adds later is found through device-list updates
// in sync and decrypts what is sent after it appeared.
import assert from "node:assert/strict";
import { newDevice, startSyncing } from "../lib/clients.mjs";
import { waitForDevice, waitForEncryptedRoom, waitForPlaintext } from "../lib/crypto.mjs";
import { Features } from "../lib/features.mjs";
import { aliceAndBobInRoom, waitForEvent } from "../lib/rooms.mjs";
import { scenario } from "../lib/scenario.mjs";

const needs = [Features.registration, Features.login, Features.sync, Features.createRoom, Features.invite,
    Features.join, Features.send, Features.getEvent, Features.e2eeKeys, Features.toDevice];

const encryptedDm = {
    direct: true,
    preset: "trusted_private_chat",
    initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
};

async function sendAndDecrypt(sender, roomId, body, recipients) {
    const { event_id: eventId } = await sender.client.sendTextMessage(roomId, body);
    for (const recipient of recipients) {
        const event = await waitForEvent(recipient.client, roomId, eventId, { timeoutMs: 30_000 });
        assert.equal(event.getWireType(), "m.room.encrypted", "the event travelled encrypted");
        await waitForPlaintext(event, body);
        assert.equal(event.getSender(), sender.userId);
    }
    return eventId;
}

scenario("an encrypted DM is decrypted by the recipient and by a device added later", { needs, timeoutMs: 150_000 }, async (ctx) => {
    const { alice, bob, roomId } = await aliceAndBobInRoom(ctx, { crypto: true, createOptions: encryptedDm });
    await waitForEncryptedRoom(alice.client, roomId);
    await waitForDevice(alice.client, bob.userId, bob.deviceId);

    const firstId = await sendAndDecrypt(alice, roomId, "the cake is in the fridge", [bob]);
    const stored = await bob.client.fetchRoomEvent(roomId, firstId);
    assert.equal(stored.type, "m.room.encrypted", "the server stores the encrypted form");
    assert.equal(stored.content.algorithm, "m.megolm.v1.aes-sha2");
    assert.ok(stored.content.ciphertext, "the server has the ciphertext");
    assert.equal(JSON.stringify(stored).includes("fridge"), false, "no plaintext on the server");

    // bob signs in on a second device; alice must learn of it through sync's device_lists.
    const bob2 = await newDevice(ctx, bob, { crypto: true });
    await startSyncing(bob2.client);
    await waitForDevice(alice.client, bob.userId, bob2.deviceId, { download: false });
    await sendAndDecrypt(alice, roomId, "second helping", [bob, bob2]);
});

scenario("the recipient's reply is decrypted by the sender", { needs, timeoutMs: 120_000 }, async (ctx) => {
    const { alice, bob, roomId } = await aliceAndBobInRoom(ctx, { crypto: true, createOptions: encryptedDm });
    await waitForEncryptedRoom(bob.client, roomId);
    await waitForDevice(bob.client, alice.userId, alice.deviceId);
    await sendAndDecrypt(bob, roomId, "thanks for the cake", [alice]);
});

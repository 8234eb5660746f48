// The second, independent client: matrix-nio (Python, libolm) runs the same basic flows, and an
// encrypted message sent by nio must be decrypted by matrix-js-sdk's Rust crypto.
import assert from "node:assert/strict";
import { newUser, startSyncing } from "../lib/clients.mjs";
import { waitForOwnKeysOnServer, waitForPlaintext } from "../lib/crypto.mjs";
import { Features } from "../lib/features.mjs";
import { nioPython, nioStep, settle, startNio } from "../lib/nio.mjs";
import { waitForEvent, waitForMyMembership } from "../lib/rooms.mjs";
import { scenario } from "../lib/scenario.mjs";

const base = [Features.registration, Features.login, Features.sync];

/** Runs body unless nio is missing on this machine (the runner installs it when it can). */
function withNio(body) {
    return async (ctx) => {
        if (!nioPython) {
            ctx.t.skip("matrix-nio is not installed (Debian packages python3-matrix-nio, python3-olm)");
            return;
        }
        await body(ctx);
    };
}

const runScript = (script) => withNio(async (ctx) => {
    settle(ctx.t, script, await startNio(script).done);
});

scenario("nio: register, log in and log out", { needs: [...base, Features.whoami, Features.logout], timeoutMs: 160_000 },
    runScript("register_login.py"));

scenario("nio: a message reaches the invited member", { needs: [...base, Features.createRoom, Features.invite,
    Features.join, Features.send], timeoutMs: 160_000 }, runScript("room_message.py"));

scenario("an encrypted message sent by nio is decrypted by matrix-js-sdk", {
    needs: [...base, Features.createRoom, Features.invite, Features.join, Features.joinedMembers, Features.send,
        Features.e2eeKeys, Features.toDevice],
    timeoutMs: 160_000,
}, withNio(async (ctx) => {
    const bob = await newUser(ctx, { prefix: "bob", crypto: true });
    await startSyncing(bob.client);
    await waitForOwnKeysOnServer(bob); // nio must find bob's device when it shares the room key

    const body = "sent by nio, read by matrix-js-sdk";
    const script = "send_encrypted.py";
    const nio = startNio(script, [bob.userId, body]);
    ctx.defer(() => nio.kill());
    const room = await nioStep(ctx.t, script, nio, "room_id");
    if (!room) return;
    await waitForMyMembership(bob.client, room.room_id, "invite");
    await bob.client.joinRoom(room.room_id);

    const sent = await nioStep(ctx.t, script, nio, "event_id");
    if (!sent || !settle(ctx.t, script, await nio.done)) return;
    const event = await waitForEvent(bob.client, room.room_id, sent.event_id, { timeoutMs: 30_000 });
    assert.equal(event.getWireType(), "m.room.encrypted", "nio encrypted the message");
    await waitForPlaintext(event, body);
    assert.equal(event.getSender(), sent.sender);
}));

// The second, independent client: matrix-nio (Python, libolm) runs the same basic flows, and an
// encrypted message sent by nio must be decrypted by matrix-js-sdk's Rust crypto.
import { newUser, startSyncing } from "../lib/clients.mjs";
import { waitForOwnKeysOnServer, waitForPlaintext } from "../lib/crypto.mjs";
import { Features } from "../lib/features.mjs";
import { nioPython, settle, startNio } from "../lib/nio.mjs";
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
    const nio = startNio("send_encrypted.py", [bob.userId, body]);
    ctx.defer(() => nio.kill());
    const { room_id: roomId } = await nio.next("room_id");
    await waitForMyMembership(bob.client, roomId, "invite");
    await bob.client.joinRoom(roomId);

    const { event_id: eventId } = await nio.next("event_id");
    if (!settle(ctx.t, "send_encrypted.py", await nio.done)) return;
    const event = await waitForEvent(bob.client, roomId, eventId, { timeoutMs: 30_000 });
    await waitForPlaintext(event, body);
}));

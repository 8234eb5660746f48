// Two homeservers on loopback: a user of the second joins a room on the first over federation and
// both sides hear each other. The peer server is started here, only once the first one answers
// GET /_matrix/federation/v1/version on its federation listener.
import assert from "node:assert/strict";
import { startHomeserver } from "../harness/homeserver.mjs";
import { newUser, startAll } from "../lib/clients.mjs";
import { peerLaunch } from "../lib/env.mjs";
import { Features } from "../lib/features.mjs";
import { sharedRoom, waitForEvent } from "../lib/rooms.mjs";
import { scenario } from "../lib/scenario.mjs";
import { eventually } from "../lib/wait.mjs";

const needs = [Features.federation, Features.registration, Features.sync, Features.createRoom, Features.invite,
    Features.join, Features.send, Features.profile];

scenario("a user of another server joins over federation and both sides hear each other", { needs, timeoutMs: 240_000 }, async (ctx) => {
    assert.ok(peerLaunch, "SPEC_HS2_LAUNCH is set by the runner");
    const peer = await startHomeserver(peerLaunch);
    ctx.defer(() => peer.stop());

    const alice = await newUser(ctx, { prefix: "alice" });
    const bob = await newUser(ctx, { prefix: "bob", server: peer });
    assert.ok(bob.userId.endsWith(`:${peer.serverName}`), "bob lives on the second server");
    await startAll(alice.client, bob.client);
    await bob.client.setDisplayName("Bob from afar");

    const roomId = await sharedRoom(alice, [bob], { name: "Across servers" });
    await eventually(() => bob.client.getRoom(roomId)?.name === "Across servers", "the room state to reach bob over federation");

    const { event_id: hello } = await alice.client.sendTextMessage(roomId, "hello from hs1");
    assert.equal((await waitForEvent(bob.client, roomId, hello, { timeoutMs: 30_000 })).getContent().body, "hello from hs1");
    const { event_id: answer } = await bob.client.sendTextMessage(roomId, "hello from hs2");
    const received = await waitForEvent(alice.client, roomId, answer, { timeoutMs: 30_000 });
    assert.equal(received.getSender(), bob.userId);
    assert.equal(received.getContent().body, "hello from hs2");

    assert.equal((await alice.client.getProfileInfo(bob.userId)).displayname, "Bob from afar", "profile query over federation");
});

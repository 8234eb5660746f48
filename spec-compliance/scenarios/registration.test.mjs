// Registration, login and logout with matrix-js-sdk's own requests.
import assert from "node:assert/strict";
import { newUser, passwordLogin, register } from "../lib/clients.mjs";
import { homeserver } from "../lib/env.mjs";
import { Features } from "../lib/features.mjs";
import { scenario } from "../lib/scenario.mjs";

scenario("register a user and see it in whoami", { needs: [Features.registration, Features.whoami] }, async (ctx) => {
    const alice = await newUser(ctx, { prefix: "alice" });
    assert.match(alice.userId, new RegExp(`^@alice-[0-9a-f]+:${homeserver.serverName.replace(/\./g, "\\.")}$`));
    assert.ok(alice.deviceId, "registration returns a device_id");
    const me = await alice.client.whoami();
    assert.equal(me.user_id, alice.userId);
    assert.equal(me.device_id, alice.deviceId);
});

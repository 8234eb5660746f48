// Registration, login and logout with matrix-js-sdk's own requests.
import assert from "node:assert/strict";
import { createClient } from "matrix-js-sdk";
import { rejectsWith } from "../lib/assertions.mjs";
import { newUser, passwordLogin, register } from "../lib/clients.mjs";
import { homeserver } from "../lib/env.mjs";
import { Features } from "../lib/features.mjs";
import { scenario } from "../lib/scenario.mjs";

const clientFor = (session) => createClient({ baseUrl: homeserver.url, ...session });
const localpart = (userId) => userId.slice(1).split(":")[0];

scenario("register a user and see it in whoami", { needs: [Features.registration, Features.whoami] }, async (ctx) => {
    const alice = await newUser(ctx, { prefix: "alice" });
    assert.equal(alice.userId.split(":").slice(1).join(":"), homeserver.serverName, "user ID carries the server name");
    assert.match(localpart(alice.userId), /^alice-[0-9a-f]+$/);
    assert.ok(alice.deviceId, "registration returns a device_id");
    const me = await alice.client.whoami();
    assert.equal(me.user_id, alice.userId);
    assert.equal(me.device_id, alice.deviceId);
});

scenario("a taken username is refused with M_USER_IN_USE", { needs: [Features.registration] }, async (ctx) => {
    const alice = await newUser(ctx, { prefix: "taken" });
    await rejectsWith(register(homeserver.url, localpart(alice.userId), "another-password"), 400, "M_USER_IN_USE");
});

scenario("logout invalidates the access token", { needs: [Features.registration, Features.logout, Features.whoami] }, async (ctx) => {
    const alice = await newUser(ctx, { prefix: "alice" });
    await alice.client.logout(true);
    await rejectsWith(clientFor({ accessToken: alice.accessToken }).whoami(), 401, "M_UNKNOWN_TOKEN");
});

scenario("password login opens a new device; a wrong password is refused",
    { needs: [Features.registration, Features.login, Features.whoami] }, async (ctx) => {
        const alice = await newUser(ctx, { prefix: "alice" });
        const flows = await clientFor({}).loginFlows();
        assert.ok(flows.flows.some((f) => f.type === "m.login.password"), "m.login.password is offered");

        const login = await passwordLogin(homeserver.url, alice.userId, alice.password);
        assert.equal(login.user_id, alice.userId);
        assert.notEqual(login.device_id, alice.deviceId, "a login without device_id makes a new device");
        const me = await clientFor({ accessToken: login.access_token }).whoami();
        assert.equal(me.device_id, login.device_id);

        await rejectsWith(passwordLogin(homeserver.url, alice.userId, "wrong-password"), 403, "M_FORBIDDEN");
    });

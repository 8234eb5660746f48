// matrix-js-sdk clients for scenarios: registration through the SDK's own requests (with the
// m.login.dummy user-interactive step), password login for extra devices, and a bounded wait for
// the first sync.
import "./quiet.mjs";
import { randomBytes } from "node:crypto";
import { ClientEvent, createClient, SyncState } from "matrix-js-sdk";
import { homeserver } from "./env.mjs";
import { eventually } from "./wait.mjs";

const randomId = () => randomBytes(5).toString("hex");

function sdkClient(baseUrl, session = {}) {
    return createClient({ baseUrl, timelineSupport: true, ...session });
}

async function withCrypto(client, crypto) {
    if (crypto) await client.initRustCrypto({ useIndexedDB: false });
    return client;
}

/** Registers a new user; answers 401 with a session and m.login.dummy the way Synapse does. */
export async function register(baseUrl, username, password) {
    const anon = sdkClient(baseUrl);
    const request = { username, password, initial_device_display_name: "spec-compliance" };
    try {
        return await anon.registerRequest(request);
    } catch (err) {
        const flows = err.data?.flows;
        if (err.httpStatus !== 401 || !flows) throw err;
        const dummy = flows.some((f) => f.stages?.length === 1 && f.stages[0] === "m.login.dummy");
        if (!dummy) throw new Error(`no m.login.dummy registration flow offered: ${JSON.stringify(flows)}`);
        return anon.registerRequest({ ...request, auth: { type: "m.login.dummy", session: err.data.session } });
    }
}

export async function passwordLogin(baseUrl, userId, password) {
    return sdkClient(baseUrl).loginRequest({
        type: "m.login.password",
        identifier: { type: "m.id.user", user: userId },
        password,
        initial_device_display_name: "spec-compliance",
    });
}

/**
 * A user on the server under test with one logged-in device: { userId, password, deviceId,
 * accessToken, client }. The client is tracked by ctx and stopped when the scenario ends.
 */
export async function newUser(ctx, { prefix = "user", crypto = false, server = homeserver, clientOptions = {} } = {}) {
    const password = `pw-${randomBytes(12).toString("hex")}`;
    const res = await register(server.url, `${prefix}-${randomId()}`, password);
    const client = sdkClient(server.url,
        { ...clientOptions, userId: res.user_id, accessToken: res.access_token, deviceId: res.device_id });
    ctx.track(client);
    await withCrypto(client, crypto);
    return { userId: res.user_id, password, deviceId: res.device_id, accessToken: res.access_token, client, server };
}

/** Logs the same user in again: a second device with its own client. */
export async function newDevice(ctx, user, { crypto = false, clientOptions = {} } = {}) {
    const res = await passwordLogin(user.server.url, user.userId, user.password);
    const client = sdkClient(user.server.url,
        { ...clientOptions, userId: res.user_id, accessToken: res.access_token, deviceId: res.device_id });
    ctx.track(client);
    await withCrypto(client, crypto);
    return { ...user, deviceId: res.device_id, accessToken: res.access_token, client };
}

/** startClient and wait (bounded) until the first sync has been processed. */
export async function startSyncing(client, { timeoutMs = 30_000, initialSyncLimit = 20 } = {}) {
    let lastError = null;
    client.on(ClientEvent.Sync, (state, _prev, data) => {
        if (state === SyncState.Error) lastError = data?.error;
    });
    await client.startClient({ initialSyncLimit, threadSupport: true });
    try {
        await eventually(() => [SyncState.Prepared, SyncState.Syncing].includes(client.getSyncState()),
            `the first sync of ${client.getUserId()}`, { timeoutMs });
    } catch (err) {
        // js-sdk retries a failing sync forever; surface why it never got ready.
        if (lastError) err.message += ` (last sync error: ${lastError.message})`;
        throw err;
    }
}

/** Sync every given client. */
export function startAll(...clients) {
    return Promise.all(clients.map((c) => startSyncing(c)));
}

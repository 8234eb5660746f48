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

/** A client for a login/register answer, stopped when the scenario ends, with Rust crypto if asked. */
async function device(ctx, server, login, { crypto = false, clientOptions = {} }) {
    const client = sdkClient(server.url,
        { ...clientOptions, userId: login.user_id, accessToken: login.access_token, deviceId: login.device_id });
    ctx.track(client);
    if (crypto) await client.initRustCrypto({ useIndexedDB: false });
    return { deviceId: login.device_id, accessToken: login.access_token, client };
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
 * A user on the server under test with one logged-in device: { userId, password, server,
 * deviceId, accessToken, client }. Options: prefix (of the random user name), server,
 * crypto (Rust crypto, in-memory store), clientOptions (extra createClient options).
 */
export async function newUser(ctx, { prefix = "user", server = homeserver, ...options } = {}) {
    const password = `pw-${randomBytes(12).toString("hex")}`;
    const res = await register(server.url, `${prefix}-${randomId()}`, password);
    return { userId: res.user_id, password, server, ...(await device(ctx, server, res, options)) };
}

/** Logs the same user in again: a second device with its own client (options as for newUser). */
export async function newDevice(ctx, user, options = {}) {
    const res = await passwordLogin(user.server.url, user.userId, user.password);
    return { ...user, ...(await device(ctx, user.server, res, options)) };
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

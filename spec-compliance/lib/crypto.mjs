// End-to-end encryption helpers over matrix-js-sdk's Rust crypto; every wait is bounded.
import { Method } from "matrix-js-sdk";
import { eventually } from "./wait.mjs";

/** POST /keys/query for all devices of userId, as client sees them (raw server answer). */
export const queryKeys = (client, userId) =>
    client.http.authedRequest(Method.Post, "/keys/query", undefined, { device_keys: { [userId]: [] } });

/** Waits until the server publishes this device's keys (the SDK uploads them after its first sync). */
export function waitForOwnKeysOnServer(user) {
    return eventually(async () => (await queryKeys(user.client, user.userId)).device_keys?.[user.userId]?.[user.deviceId],
        `the device keys of ${user.deviceId} on the server`);
}

/** Waits until the client's crypto knows the room is encrypted (it saw m.room.encryption in sync). */
export function waitForEncryptedRoom(client, roomId) {
    return eventually(() => client.getCrypto().isEncryptionEnabledInRoom(roomId),
        `${client.getUserId()} to see ${roomId} as encrypted`);
}

/**
 * Waits until observer's crypto lists deviceId of userId. With download: false it relies on the
 * device list tracking that sync's device_lists.changed drives.
 */
export function waitForDevice(observer, userId, deviceId, { download = true } = {}) {
    return eventually(async () => {
        const devices = await observer.getCrypto().getUserDeviceInfo([userId], download);
        return devices.get(userId)?.has(deviceId);
    }, `${observer.getUserId()} to know device ${deviceId} of ${userId}`, { timeoutMs: 30_000 });
}

/** Waits until a received m.room.encrypted event decrypts to a message with this body. */
export async function waitForPlaintext(event, body) {
    try {
        await eventually(() => event.getType() === "m.room.message" && event.getContent().body === body,
            `${event.getId()} to decrypt`, { timeoutMs: 30_000 });
    } catch (err) {
        if (event.decryptionFailureReason) err.message += ` (decryption failure: ${event.decryptionFailureReason})`;
        throw err;
    }
}

/** Crypto callbacks that unlock secret storage with a recovery key, as a user typing it in would. */
export function recoveryKeyCallbacks(recoveryKey) {
    return {
        getSecretStorageKey: async ({ keys }) => {
            const keyId = Object.keys(keys)[0];
            return keyId ? [keyId, recoveryKey.privateKey] : null;
        },
    };
}

/**
 * A UIA callback for uploading cross-signing keys: tries without auth first, then answers a
 * 401 challenge with the user's password. challenges.count tells how often the server asked.
 */
export function passwordAuth(user) {
    const challenges = { count: 0 };
    const callback = async (makeRequest) => {
        try {
            return await makeRequest(null);
        } catch (err) {
            if (err.httpStatus !== 401 || !err.data?.flows) throw err;
            challenges.count++;
            return makeRequest({
                type: "m.login.password",
                identifier: { type: "m.id.user", user: user.userId },
                password: user.password,
                session: err.data.session,
            });
        }
    };
    return { callback, challenges };
}

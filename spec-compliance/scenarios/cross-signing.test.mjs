// Cross-signing bootstrap, secret storage and server-side key backup, as Element sets them up.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Method } from "matrix-js-sdk";
import { newDevice, newUser, startAll, startSyncing } from "../lib/clients.mjs";
import { passwordAuth, queryKeys, recoveryKeyCallbacks, waitForEncryptedRoom, waitForPlaintext } from "../lib/crypto.mjs";
import { Features } from "../lib/features.mjs";
import { waitForEvent } from "../lib/rooms.mjs";
import { scenario } from "../lib/scenario.mjs";
import { eventually } from "../lib/wait.mjs";

const base = [Features.registration, Features.login, Features.sync, Features.e2eeKeys, Features.crossSigning];

const keyId = (crossSigningKey) => Object.keys(crossSigningKey.keys)[0];

async function bootstrapCrossSigning(user) {
    const auth = passwordAuth(user);
    await user.client.getCrypto().bootstrapCrossSigning({ setupNewCrossSigning: true, authUploadDeviceSigningKeys: auth.callback });
    return auth.challenges.count;
}

scenario("the first cross-signing upload needs no UIA and others see a cross-signed device",
    { needs: base, timeoutMs: 90_000 }, async (ctx) => {
        const alice = await newUser(ctx, { prefix: "alice", crypto: true });
        const bob = await newUser(ctx, { prefix: "bob", crypto: true });
        await startAll(alice.client, bob.client);

        assert.equal(await bootstrapCrossSigning(alice), 0, "no UIA for the first upload (spec v1.11)");
        const status = await alice.client.getCrypto().getCrossSigningStatus();
        assert.ok(status.publicKeysOnDevice);
        assert.deepEqual(status.privateKeysCachedLocally, { masterKey: true, selfSigningKey: true, userSigningKey: true });

        const seen = await queryKeys(bob.client, alice.userId);
        const master = seen.master_keys?.[alice.userId];
        const selfSigning = seen.self_signing_keys?.[alice.userId];
        assert.deepEqual(master?.usage, ["master"]);
        assert.deepEqual(selfSigning?.usage, ["self_signing"]);
        assert.ok(selfSigning.signatures?.[alice.userId]?.[keyId(master)], "the self-signing key is signed by the master key");
        const device = seen.device_keys?.[alice.userId]?.[alice.deviceId];
        assert.ok(device?.signatures?.[alice.userId]?.[keyId(selfSigning)], "the device keys carry the self-signing signature");
        assert.equal(seen.user_signing_keys?.[alice.userId], undefined, "only the owner sees the user-signing key");
        assert.deepEqual((await queryKeys(alice.client, alice.userId)).user_signing_keys?.[alice.userId]?.usage, ["user_signing"]);

        assert.ok(await bob.client.getCrypto().userHasCrossSigningKeys(alice.userId, true));
    });

scenario("replacing cross-signing keys requires user-interactive auth", { needs: base, timeoutMs: 90_000 }, async (ctx) => {
    const alice = await newUser(ctx, { prefix: "alice", crypto: true });
    await startSyncing(alice.client);
    await bootstrapCrossSigning(alice);
    const before = keyId((await queryKeys(alice.client, alice.userId)).master_keys[alice.userId]);

    assert.equal(await bootstrapCrossSigning(alice), 1, "the server challenges a new master key once");
    const after = keyId((await queryKeys(alice.client, alice.userId)).master_keys[alice.userId]);
    assert.notEqual(after, before, "the new master key replaced the old one");
});

scenario("a new device restores room keys from the key backup through secret storage",
    { needs: [...base, Features.accountData, Features.keyBackup, Features.createRoom, Features.send], timeoutMs: 150_000 },
    async (ctx) => {
        const recoveryKey = { privateKey: new Uint8Array(randomBytes(32)) };
        const clientOptions = { cryptoCallbacks: recoveryKeyCallbacks(recoveryKey) };
        const alice = await newUser(ctx, { prefix: "alice", crypto: true, clientOptions });
        await startSyncing(alice.client);
        const crypto = alice.client.getCrypto();
        await bootstrapCrossSigning(alice);
        await crypto.bootstrapSecretStorage({
            createSecretStorageKey: async () => recoveryKey,
            setupNewSecretStorage: true,
            setupNewKeyBackup: true,
        });
        assert.ok(await crypto.isSecretStorageReady(), "cross-signing and backup keys are in secret storage");
        const version = await eventually(() => crypto.getActiveSessionBackupVersion(), "the key backup to be active");

        const { room_id: roomId } = await alice.client.createRoom({
            preset: "private_chat",
            initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
        });
        await waitForEncryptedRoom(alice.client, roomId);
        const { event_id: eventId } = await alice.client.sendTextMessage(roomId, "remember this");
        await eventually(async () => {
            const backup = await alice.client.http.authedRequest(Method.Get, "/room_keys/keys", { version });
            return Object.keys(backup.rooms?.[roomId]?.sessions ?? {}).length > 0;
        }, "the room key to reach the server's backup", { timeoutMs: 30_000 });

        const alice2 = await newDevice(ctx, alice, { crypto: true, clientOptions });
        await startSyncing(alice2.client);
        const crypto2 = alice2.client.getCrypto();
        // As Element does before restoring: fetch our own public cross-signing keys first, since
        // importing the private keys silently fails until the new device knows them.
        assert.ok(await crypto2.userHasCrossSigningKeys(alice.userId, true), "the new device sees the cross-signing keys");
        await crypto2.bootstrapCrossSigning({}); // takes the cross-signing keys from secret storage
        await crypto2.loadSessionBackupPrivateKeyFromSecretStorage();
        const restored = await crypto2.restoreKeyBackup();
        assert.ok(restored.imported >= 1, `imported ${restored.imported} of ${restored.total} keys`);
        await waitForPlaintext(await waitForEvent(alice2.client, roomId, eventId), "remember this");

        // The first device learns through device lists that the new one is now cross-signed.
        await eventually(async () => (await crypto.getDeviceVerificationStatus(alice.userId, alice2.deviceId))?.crossSigningVerified,
            "the first device to see the second as cross-signed", { timeoutMs: 30_000 });
    });

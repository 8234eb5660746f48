// Profiles: display name and avatar, read back directly and seen by room members through sync.
import assert from "node:assert/strict";
import { rejectsWith } from "../lib/assertions.mjs";
import { newUser } from "../lib/clients.mjs";
import { homeserver } from "../lib/env.mjs";
import { Features } from "../lib/features.mjs";
import { aliceAndBobInRoom } from "../lib/rooms.mjs";
import { scenario } from "../lib/scenario.mjs";
import { eventually } from "../lib/wait.mjs";

const base = [Features.registration, Features.profile];

scenario("display name and avatar are stored and readable by others", { needs: base }, async (ctx) => {
    const alice = await newUser(ctx, { prefix: "alice" });
    const bob = await newUser(ctx, { prefix: "bob" });
    const avatar = `mxc://${homeserver.serverName}/spec-avatar`;
    await alice.client.setDisplayName("Alice Liddell");
    await alice.client.setAvatarUrl(avatar);

    assert.deepEqual(await alice.client.getProfileInfo(alice.userId, "displayname"), { displayname: "Alice Liddell" });
    const seenByBob = await bob.client.getProfileInfo(alice.userId);
    assert.equal(seenByBob.displayname, "Alice Liddell");
    assert.equal(seenByBob.avatar_url, avatar);
});

scenario("an unknown user has no profile", { needs: base }, async (ctx) => {
    const alice = await newUser(ctx, { prefix: "alice" });
    await rejectsWith(alice.client.getProfileInfo(`@nobody-here:${homeserver.serverName}`), 404, "M_NOT_FOUND");
});

scenario("a new display name reaches the rooms the user is in",
    { needs: [...base, Features.sync, Features.createRoom, Features.invite, Features.join] }, async (ctx) => {
        const { alice, bob, roomId } = await aliceAndBobInRoom(ctx);
        await alice.client.setDisplayName("Queen of Hearts");
        await eventually(() => bob.client.getRoom(roomId)?.getMember(alice.userId)?.rawDisplayName === "Queen of Hearts",
            "bob to see alice's new name in the room");
        const member = await bob.client.getStateEvent(roomId, "m.room.member", alice.userId);
        assert.equal(member.displayname, "Queen of Hearts");
        assert.equal(member.membership, "join");
    });

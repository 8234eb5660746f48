// Relations: edits (m.replace), replies (m.in_reply_to), reactions (m.annotation), threads (m.thread).
import assert from "node:assert/strict";
import { Features } from "../lib/features.mjs";
import { aliceAndBobInRoom, waitForEvent } from "../lib/rooms.mjs";
import { scenario } from "../lib/scenario.mjs";
import { eventually } from "../lib/wait.mjs";

const base = [Features.registration, Features.sync, Features.createRoom, Features.invite, Features.join, Features.send];
const text = (body) => ({ msgtype: "m.text", body });

scenario("an edit replaces the message for the other member and is bundled by the server",
    { needs: [...base, Features.relations, Features.getEvent] }, async (ctx) => {
        const { alice, bob, roomId } = await aliceAndBobInRoom(ctx);
        const { event_id: originalId } = await alice.client.sendMessage(roomId, text("tpyo"));
        const { event_id: editId } = await alice.client.sendMessage(roomId, {
            ...text("* typo"),
            "m.new_content": text("typo"),
            "m.relates_to": { rel_type: "m.replace", event_id: originalId },
        });

        const original = await waitForEvent(bob.client, roomId, originalId);
        await waitForEvent(bob.client, roomId, editId);
        await eventually(() => original.replacingEventId() === editId, "bob's client to apply the edit");
        assert.equal(original.getContent().body, "typo");

        const { events } = await bob.client.relations(roomId, originalId, "m.replace", "m.room.message");
        assert.deepEqual(events.map((e) => e.getId()), [editId]);
        const raw = await bob.client.fetchRoomEvent(roomId, originalId);
        assert.equal(raw.unsigned?.["m.relations"]?.["m.replace"]?.event_id, editId,
            "the original carries the latest edit in its bundled aggregations");
    });

scenario("a reply points at the message it answers", { needs: base }, async (ctx) => {
    const { alice, bob, roomId } = await aliceAndBobInRoom(ctx);
    const { event_id: questionId } = await alice.client.sendMessage(roomId, text("lunch?"));
    await waitForEvent(bob.client, roomId, questionId);
    const { event_id: replyId } = await bob.client.sendMessage(roomId, {
        ...text("yes"),
        "m.relates_to": { "m.in_reply_to": { event_id: questionId } },
    });
    const reply = await waitForEvent(alice.client, roomId, replyId);
    assert.equal(reply.replyEventId, questionId);
    assert.equal(reply.getSender(), bob.userId);
});

scenario("a reaction is delivered and listed by the relations API", { needs: [...base, Features.relations] }, async (ctx) => {
    const { alice, bob, roomId } = await aliceAndBobInRoom(ctx);
    const { event_id: messageId } = await alice.client.sendMessage(roomId, text("react to me"));
    await waitForEvent(bob.client, roomId, messageId);
    const relatesTo = { rel_type: "m.annotation", event_id: messageId, key: "👍" };
    const { event_id: reactionId } = await bob.client.sendEvent(roomId, "m.reaction", { "m.relates_to": relatesTo });

    const reaction = await waitForEvent(alice.client, roomId, reactionId);
    assert.deepEqual(reaction.getRelation(), relatesTo);
    const { events } = await alice.client.relations(roomId, messageId, "m.annotation", "m.reaction");
    assert.deepEqual(events.map((e) => [e.getId(), e.getRelation()?.key]), [[reactionId, "👍"]]);
});

scenario("a thread reply lands in the thread, the thread list and the root's summary",
    { needs: [...base, Features.relations, Features.threads, Features.getEvent] }, async (ctx) => {
        const { alice, bob, roomId } = await aliceAndBobInRoom(ctx);
        const { event_id: rootId } = await alice.client.sendMessage(roomId, text("thread root"));
        await waitForEvent(bob.client, roomId, rootId);
        const { event_id: replyId } = await bob.client.sendMessage(roomId, {
            ...text("in the thread"),
            "m.relates_to": { rel_type: "m.thread", event_id: rootId, is_falling_back: true, "m.in_reply_to": { event_id: rootId } },
        });

        const reply = await waitForEvent(alice.client, roomId, replyId);
        assert.equal(reply.threadRootId, rootId);

        const { events } = await alice.client.relations(roomId, rootId, "m.thread", "m.room.message");
        assert.deepEqual(events.map((e) => e.getId()), [replyId]);
        const threads = await alice.client.createThreadListMessagesRequest(roomId, null, 10);
        assert.ok(threads.chunk.some((e) => e.event_id === rootId), "GET /threads lists the root");
        const summary = (await alice.client.fetchRoomEvent(roomId, rootId)).unsigned?.["m.relations"]?.["m.thread"];
        assert.equal(summary?.count, 1, "thread summary count");
        assert.equal(summary?.latest_event?.event_id, replyId, "thread summary latest_event");
        assert.equal(summary?.current_user_participated, true, "sending the root counts as participating");
    });

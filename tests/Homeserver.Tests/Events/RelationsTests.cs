using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>Bundled aggregations and GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]].</summary>
public sealed class RelationsTests(EventsServer fixture) : IClassFixture<EventsServer>
{
    private readonly TestHomeserver _server = fixture.Server;

    private Task<MatrixResponse> RelationsAsync(TestUser user, string roomId, string path, params (string, string)[] query) =>
        _server.Http.GetJsonAsync($"{EventsHttp.RoomV1(roomId)}/relations/{path}{EventsHttp.Query(query)}", user.AccessToken);

    [Fact]
    public async Task The_latest_valid_edit_is_bundled_and_edits_by_others_or_without_new_content_are_ignored()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var original = await _server.SayAsync(fixture.Alice, roomId, "first");
        await _server.SendOkAsync(fixture.Alice, roomId, "m.room.message", EventsHttp.Edit(original, "second"));
        var latest = await _server.SendOkAsync(fixture.Alice, roomId, "m.room.message", EventsHttp.Edit(original, "third"));
        await _server.SendOkAsync(fixture.Bob, roomId, "m.room.message", EventsHttp.Edit(original, "bob's edit"));
        var noNewContent = EventsHttp.Edit(original, "broken");
        noNewContent.Remove("m.new_content");
        await _server.SendOkAsync(fixture.Alice, roomId, "m.room.message", noNewContent);
        await _server.SendOkAsync(fixture.Alice, roomId, "org.example.other", EventsHttp.Edit(original, "other type"));

        var served = (await _server.GetEventAsync(fixture.Bob, roomId, original)).Ok();
        var replace = served["unsigned"]!["m.relations"]!["m.replace"]!;
        Assert.Equal(latest, replace["event_id"]!.GetValue<string>());
        Assert.Equal("third", replace["content"]!["m.new_content"]!["body"]!.GetValue<string>());
        // The original's content is left as it was.
        Assert.Equal("first", served["content"]!["body"]!.GetValue<string>());

        // Redacting the latest edit falls back to the one before.
        (await _server.RedactAsync(fixture.Alice, roomId, latest)).Ok();
        var afterRedaction = (await _server.GetEventAsync(fixture.Bob, roomId, original)).Ok();
        Assert.Equal("second", afterRedaction["unsigned"]!["m.relations"]!["m.replace"]!["content"]!["m.new_content"]!["body"]!.GetValue<string>());

        // A redacted original bundles no edit.
        (await _server.RedactAsync(fixture.Alice, roomId, original)).Ok();
        Assert.Null((await _server.GetEventAsync(fixture.Bob, roomId, original)).Ok()["unsigned"]!["m.relations"]);
    }

    [Fact]
    public async Task Edits_are_bundled_in_messages_and_context_too()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var original = await _server.SayAsync(fixture.Alice, roomId, "typo");
        var edit = await _server.SendOkAsync(fixture.Alice, roomId, "m.room.message", EventsHttp.Edit(original, "fixed"));

        var page = (await _server.MessagesAsync(fixture.Bob, roomId, ("dir", "b"), ("limit", "2"))).Ok();
        var inPage = page["chunk"]!.AsArray().Single(e => e!["event_id"]!.GetValue<string>() == original)!;
        Assert.Equal(edit, inPage["unsigned"]!["m.relations"]!["m.replace"]!["event_id"]!.GetValue<string>());
        // An edit gets no aggregations of its own.
        Assert.Null(page["chunk"]![0]!["unsigned"]!["m.relations"]);

        var context = (await _server.Http.GetJsonAsync($"{EventsHttp.Room(roomId)}/context/{Uri.EscapeDataString(original)}", fixture.Bob.AccessToken)).Ok();
        Assert.Equal(edit, context["event"]!["unsigned"]!["m.relations"]!["m.replace"]!["event_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_thread_root_carries_its_summary_with_the_latest_reply_its_count_and_participation()
    {
        var roomId = await fixture.RoomWithBobAsync();
        await _server.JoinAsync(roomId, fixture.Carol);
        var root = await _server.SayAsync(fixture.Alice, roomId, "root");
        await _server.SayAsync(fixture.Bob, roomId, "reply 1", EventsHttp.Thread(root));
        var last = await _server.SayAsync(fixture.Bob, roomId, "reply 2", EventsHttp.Thread(root));
        var lastEdit = await _server.SendOkAsync(fixture.Bob, roomId, "m.room.message", EventsHttp.Edit(last, "reply 2, edited"));

        var forBob = (await _server.GetEventAsync(fixture.Bob, roomId, root)).Ok()["unsigned"]!["m.relations"]!["m.thread"]!;
        Assert.Equal(2, forBob["count"]!.GetValue<int>());
        Assert.True(forBob["current_user_participated"]!.GetValue<bool>());
        var latest = forBob["latest_event"]!;
        Assert.Equal(last, latest["event_id"]!.GetValue<string>());
        Assert.Equal(lastEdit, latest["unsigned"]!["m.relations"]!["m.replace"]!["event_id"]!.GetValue<string>());

        var forAlice = (await _server.GetEventAsync(fixture.Alice, roomId, root)).Ok()["unsigned"]!["m.relations"]!["m.thread"]!;
        Assert.True(forAlice["current_user_participated"]!.GetValue<bool>());
        var forCarol = (await _server.GetEventAsync(fixture.Carol, roomId, root)).Ok()["unsigned"]!["m.relations"]!["m.thread"]!;
        Assert.False(forCarol["current_user_participated"]!.GetValue<bool>());
    }

    [Fact]
    public async Task References_are_bundled_as_a_chunk_of_event_IDs_and_annotations_are_not_bundled()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var parent = await _server.SayAsync(fixture.Alice, roomId, "parent");
        var one = await _server.SendOkAsync(fixture.Bob, roomId, "org.example.ref", EventsHttp.Reference(parent));
        var two = await _server.SendOkAsync(fixture.Alice, roomId, "org.example.ref", EventsHttp.Reference(parent));
        await _server.SendOkAsync(fixture.Bob, roomId, "m.reaction", EventsHttp.Reaction(parent, "🎉"));

        var relations = (await _server.GetEventAsync(fixture.Bob, roomId, parent)).Ok()["unsigned"]!["m.relations"]!.AsObject();
        Assert.Equal([one, two], EventsHttp.EventIds(relations["m.reference"]!["chunk"]));
        Assert.Equal(["m.reference"], relations.Select(r => r.Key));
    }

    [Fact]
    public async Task Children_are_listed_newest_first_filtered_by_rel_type_and_event_type_and_paginated()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var parent = await _server.SayAsync(fixture.Alice, roomId, "parent");
        var replies = new List<string>();
        for (var i = 0; i < 5; i++) replies.Add(await _server.SayAsync(fixture.Bob, roomId, $"reply {i}", EventsHttp.Thread(parent)));
        var reference = await _server.SendOkAsync(fixture.Bob, roomId, "org.example.ref", EventsHttp.Reference(parent));

        var all = (await RelationsAsync(fixture.Alice, roomId, Uri.EscapeDataString(parent), ("limit", "10"))).Ok();
        Assert.Equal([reference, .. Enumerable.Reverse(replies)], EventsHttp.EventIds(all["chunk"]));
        Assert.Null(all["next_batch"]);
        Assert.Null(all["recursion_depth"]);

        var byType = (await RelationsAsync(fixture.Alice, roomId, $"{Uri.EscapeDataString(parent)}/m.reference/org.example.ref")).Ok();
        Assert.Equal([reference], EventsHttp.EventIds(byType["chunk"]));
        var wrongType = (await RelationsAsync(fixture.Alice, roomId, $"{Uri.EscapeDataString(parent)}/m.thread/org.example.ref")).Ok();
        Assert.Empty(wrongType["chunk"]!.AsArray());

        var page1 = (await RelationsAsync(fixture.Alice, roomId, $"{Uri.EscapeDataString(parent)}/m.thread", ("limit", "2"))).Ok();
        Assert.Equal([replies[4], replies[3]], EventsHttp.EventIds(page1["chunk"]));
        Assert.Null(page1["prev_batch"]);
        var from = page1["next_batch"]!.GetValue<string>();
        var page2 = (await RelationsAsync(fixture.Alice, roomId, $"{Uri.EscapeDataString(parent)}/m.thread", ("limit", "2"), ("from", from))).Ok();
        Assert.Equal([replies[2], replies[1]], EventsHttp.EventIds(page2["chunk"]));
        Assert.Equal(from, page2["prev_batch"]!.GetValue<string>());

        var forwards = (await RelationsAsync(fixture.Alice, roomId, $"{Uri.EscapeDataString(parent)}/m.thread", ("dir", "f"), ("limit", "3"))).Ok();
        Assert.Equal(replies[..3], EventsHttp.EventIds(forwards["chunk"]));
    }

    [Fact]
    public async Task Recursion_follows_children_of_children_through_matching_relations_only()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var root = await _server.SayAsync(fixture.Alice, roomId, "root");
        var child = await _server.SendOkAsync(fixture.Bob, roomId, "org.example.ref", EventsHttp.Reference(root));
        var grandchild = await _server.SendOkAsync(fixture.Alice, roomId, "org.example.ref", EventsHttp.Reference(child));
        var annotation = await _server.SendOkAsync(fixture.Bob, roomId, "m.reaction", EventsHttp.Reaction(child, "k"));

        var direct = (await RelationsAsync(fixture.Alice, roomId, Uri.EscapeDataString(root), ("recurse", "false"))).Ok();
        Assert.Equal([child], EventsHttp.EventIds(direct["chunk"]));
        Assert.Equal(1, direct["recursion_depth"]!.GetValue<int>());

        var deep = (await RelationsAsync(fixture.Alice, roomId, Uri.EscapeDataString(root), ("recurse", "true"))).Ok();
        Assert.Equal([annotation, grandchild, child], EventsHttp.EventIds(deep["chunk"]));
        Assert.Equal(3, deep["recursion_depth"]!.GetValue<int>());

        var references = (await RelationsAsync(fixture.Alice, roomId, $"{Uri.EscapeDataString(root)}/m.reference", ("recurse", "true"))).Ok();
        Assert.Equal([grandchild, child], EventsHttp.EventIds(references["chunk"]));
        // The annotation hangs off a reference: asking for annotations finds nothing directly under the root.
        var annotations = (await RelationsAsync(fixture.Alice, roomId, $"{Uri.EscapeDataString(root)}/m.annotation", ("recurse", "true"))).Ok();
        Assert.Empty(annotations["chunk"]!.AsArray());
    }

    [Fact]
    public async Task An_unknown_or_hidden_parent_is_404_a_non_member_403_and_bad_parameters_400()
    {
        var roomId = await _server.CreateRoomAsync(fixture.Alice, historyVisibility: "joined");
        var hidden = await _server.SayAsync(fixture.Alice, roomId, "before bob");
        await _server.JoinAsync(roomId, fixture.Bob);

        (await RelationsAsync(fixture.Bob, roomId, "%24missing")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await RelationsAsync(fixture.Bob, roomId, Uri.EscapeDataString(hidden))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await RelationsAsync(fixture.Carol, roomId, Uri.EscapeDataString(hidden))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await RelationsAsync(fixture.Alice, roomId, Uri.EscapeDataString(hidden), ("dir", "up"))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await RelationsAsync(fixture.Alice, roomId, Uri.EscapeDataString(hidden), ("recurse", "yes"))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await RelationsAsync(fixture.Alice, roomId, Uri.EscapeDataString(hidden), ("from", "nope"))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }
}

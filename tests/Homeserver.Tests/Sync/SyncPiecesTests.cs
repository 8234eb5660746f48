using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Sync;
using Matrix.Homeserver.Accounts.Filters;
using Matrix.Homeserver.Sync.Filtering;
using Matrix.Homeserver.Sync.Rooms;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>The pure pieces of sync: tokens, filter matching without events, and the state delta rule.</summary>
public sealed class SyncPiecesTests
{
    [Theory]
    [InlineData("s0_0", 0, 0)]
    [InlineData("s42_1733040000001", 42, 1733040000001)]
    public void Tokens_round_trip(string text, long position, long serial)
    {
        Assert.True(SyncToken.TryParse(text, out var token));
        Assert.Equal(new SyncToken(position, serial), token);
        Assert.Equal(text, token.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("s12")]
    [InlineData("t12_3")]
    [InlineData("s-1_3")]
    [InlineData("s1_x")]
    [InlineData("s_1")]
    public void Malformed_tokens_are_a_client_error(string text)
    {
        Assert.False(SyncToken.TryParse(text, out _));
        var error = Assert.Throws<MatrixException>(() => SyncToken.Parse(text));
        Assert.Equal(ErrorCodes.InvalidParam, error.ErrCode);
    }

    [Fact]
    public void Type_and_sender_matching_follows_the_filter_rules()
    {
        var filter = new EventFilter { Types = ["m.*"], NotTypes = ["m.room.member"], Senders = ["@a:x", "@b:x"], NotSenders = ["@b:x"] };
        Assert.True(filter.Matches("m.room.message", "@a:x"));
        Assert.False(filter.Matches("m.room.member", "@a:x"));
        Assert.False(filter.Matches("m.room.message", "@b:x"));
        Assert.False(filter.Matches("m.room.message", "@c:x"));
        Assert.False(filter.Matches("org.example", "@a:x"));
        Assert.False(filter.MatchesNothing());
        Assert.True(new EventFilter { Types = [] }.MatchesNothing());
        Assert.True(new EventFilter { Senders = [] }.MatchesNothing());
        Assert.Equal([2, 3], new EventFilter { Limit = 2 }.Limited([1, 2, 3]));
    }

    private static readonly StateKey Name = new(EventTypes.Name, "");
    private static readonly StateKey Topic = new(EventTypes.Topic, "");
    private static StateKey Member(string user) => new(EventTypes.Member, user);

    private static ImmutableDictionary<StateKey, string> State(params (StateKey Key, string Id)[] entries) =>
        entries.ToImmutableDictionary(e => e.Key, e => e.Id);

    private static HashSet<string> Set(params string[] ids) => new(ids, StringComparer.Ordinal);

    [Fact]
    public void A_fresh_room_gets_the_state_before_its_timeline()
    {
        var start = State((Name, "$name1"), (Member("@a:x"), "$a"));
        var end = State((Name, "$name2"), (Member("@a:x"), "$a"));
        var state = StateDelta.Compute(null, start, end, Set("$name2"), limited: false, stateAfter: false, lazy: null, out _);
        Assert.Equal(new Dictionary<StateKey, string> { [Name] = "$name1", [Member("@a:x")] = "$a" }, state);
    }

    [Fact]
    public void A_gappy_sync_gets_what_changed_since_the_previous_sync()
    {
        var previous = State((Name, "$name1"), (Topic, "$topic1"));
        var start = State((Name, "$name2"), (Topic, "$topic1"));
        var end = State((Name, "$name2"), (Topic, "$topic2"));
        var state = StateDelta.Compute(previous, start, end, Set("$topic2"), limited: true, stateAfter: false, lazy: null, out _);
        Assert.Equal(new Dictionary<StateKey, string> { [Name] = "$name2" }, state);

        // Not limited: the timeline holds every change.
        Assert.Empty(StateDelta.Compute(previous, start, end, Set("$topic2"), limited: false, stateAfter: false, lazy: null, out _));
    }

    [Fact]
    public void State_after_is_the_end_state_against_the_previous_one_timeline_included()
    {
        var previous = State((Name, "$name1"), (Topic, "$topic1"));
        var end = State((Name, "$name1"), (Topic, "$topic2"));
        var state = StateDelta.Compute(previous, previous, end, Set("$topic2"), limited: false, stateAfter: true, lazy: null, out _);
        Assert.Equal(new Dictionary<StateKey, string> { [Topic] = "$topic2" }, state);
    }

    [Fact]
    public void Lazy_loading_keeps_needed_members_and_those_changed_in_a_gap()
    {
        var previous = State((Member("@a:x"), "$a1"), (Member("@b:x"), "$b1"), (Member("@c:x"), "$c1"));
        var start = State((Member("@a:x"), "$a1"), (Member("@b:x"), "$b1"), (Member("@c:x"), "$c2"), (Member("@d:x"), "$d1"));
        var lazy = new LazyMembers(Set("@a:x"), Set());
        var state = StateDelta.Compute(previous, start, start, Set(), limited: true, stateAfter: false, lazy, out var gap);
        Assert.Equal(new Dictionary<StateKey, string> { [Member("@a:x")] = "$a1", [Member("@c:x")] = "$c2", [Member("@d:x")] = "$d1" }, state);
        Assert.Equal(Set("@c:x", "@d:x"), gap);

        // A fresh room: only the needed members, whatever else the state holds.
        var fresh = StateDelta.Compute(null, start, start, Set(), limited: false, stateAfter: false, lazy, out _);
        Assert.Equal(new Dictionary<StateKey, string> { [Member("@a:x")] = "$a1" }, fresh);
    }
}

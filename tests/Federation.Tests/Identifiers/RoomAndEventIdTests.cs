using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Tests.Identifiers;

public class RoomAndEventIdTests
{
    private static readonly string UrlSafeHash = "Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg";
    private static readonly string StandardHash = "acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk";

    [Fact]
    public void Room_id_with_domain()
    {
        var id = RoomId.Parse("!abc:example.org");
        Assert.Equal("abc", id.Opaque);
        Assert.Equal("example.org", id.Server!.Value);
        Assert.False(id.IsHashForm);
        Assert.Null(id.CreateEventId);
    }

    [Fact]
    public void V12_room_id_is_a_hash()
    {
        var id = RoomId.Parse("!" + UrlSafeHash);
        Assert.True(id.IsHashForm);
        Assert.Null(id.Server);
        Assert.Equal("$" + UrlSafeHash, id.CreateEventId);
    }

    [Theory]
    [InlineData("", IdentifierError.Empty)]
    [InlineData("#a:example.org", IdentifierError.WrongSigil)]
    [InlineData("!:example.org", IdentifierError.EmptyLocalpart)]
    [InlineData("!a\u0000:example.org", IdentifierError.InvalidLocalpart)]
    [InlineData("!a:bad_host", IdentifierError.InvalidHostCharacter)]
    [InlineData("!short", IdentifierError.InvalidHash)]
    [InlineData("!acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk", IdentifierError.InvalidHash)]
    public void Invalid_room_ids(string text, IdentifierError expected)
    {
        Assert.False(RoomId.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Room_id_at_most_255_bytes()
    {
        Assert.False(RoomId.TryParse("!" + new string('a', 250) + ":example.org", out _, out var error));
        Assert.Equal(IdentifierError.TooLong, error);
    }

    [Theory]
    [InlineData("#room:example.org")]
    [InlineData("#日本 room:[::1]:8448")]
    public void Valid_aliases(string text) => Assert.True(RoomAlias.IsValid(text));

    [Theory]
    [InlineData("#:example.org", IdentifierError.EmptyLocalpart)]
    [InlineData("#room", IdentifierError.MissingServerName)]
    [InlineData("!room:example.org", IdentifierError.WrongSigil)]
    [InlineData("#a\u0000:example.org", IdentifierError.InvalidLocalpart)]
    [InlineData("#room:example.org:0", IdentifierError.InvalidPort)]
    public void Invalid_aliases(string text, IdentifierError expected)
    {
        Assert.False(RoomAlias.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Alias_parts()
    {
        var alias = RoomAlias.Parse("#room:example.org");
        Assert.Equal("room", alias.Localpart);
        Assert.Equal("example.org", alias.Server.Value);
    }

    [Fact]
    public void Event_id_formats_per_version()
    {
        Assert.True(EventId.IsValid("$abc:example.org", RoomVersions.V1));
        Assert.True(EventId.IsValid("$" + StandardHash, RoomVersions.V3));
        Assert.True(EventId.IsValid("$" + UrlSafeHash, RoomVersions.V4));
        Assert.True(EventId.IsValid("$" + UrlSafeHash, RoomVersions.V12));
        Assert.Equal("example.org", EventId.Parse("$abc:example.org").Server!.Value);
        Assert.Null(EventId.Parse("$" + UrlSafeHash).Server);

        // Without a version any format goes.
        Assert.True(EventId.IsValid("$abc:example.org"));
        Assert.True(EventId.IsValid("$" + StandardHash));
        Assert.True(EventId.IsValid("$" + UrlSafeHash));
    }

    [Theory]
    [InlineData("", "1", IdentifierError.Empty)]
    [InlineData("abc:example.org", "1", IdentifierError.WrongSigil)]
    [InlineData("$abc", "1", IdentifierError.MissingServerName)]
    [InlineData("$:example.org", "1", IdentifierError.EmptyLocalpart)]
    [InlineData("$abc:example.org:0", "1", IdentifierError.InvalidPort)]
    [InlineData("$abc:example.org", "3", IdentifierError.InvalidHash)]
    [InlineData("$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg", "3", IdentifierError.InvalidHash)]
    [InlineData("$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk", "4", IdentifierError.InvalidHash)]
    [InlineData("$tooshort", "10", IdentifierError.InvalidHash)]
    [InlineData("$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg=", "10", IdentifierError.InvalidHash)]
    public void Invalid_event_ids(string text, string version, IdentifierError expected)
    {
        Assert.False(EventId.TryParse(text, out _, out var error, RoomVersions.Find(version)));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Event_id_at_most_255_bytes()
    {
        Assert.False(EventId.TryParse("$" + new string('a', 250) + ":example.org", out _, out var error));
        Assert.Equal(IdentifierError.TooLong, error);
    }

    [Fact]
    public void Every_error_has_a_description()
    {
        foreach (var error in Enum.GetValues<IdentifierError>()) Assert.NotEqual(error.ToString(), IdentifierErrors.Describe(error));
    }
}

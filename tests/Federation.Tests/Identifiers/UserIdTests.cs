using Matrix.Federation.Identifiers;

namespace Matrix.Federation.Tests.Identifiers;

public class UserIdTests
{
    [Theory]
    [InlineData("@alice:example.org", "alice", "example.org")]
    [InlineData("@a.b_c=d-e/f+g:example.org:8448", "a.b_c=d-e/f+g", "example.org:8448")]
    [InlineData("@0:[::1]:80", "0", "[::1]:80")]
    public void Strict_ids(string text, string localpart, string server)
    {
        var id = UserId.Parse(text, UserIdGrammar.Strict);
        Assert.Equal(localpart, id.Localpart);
        Assert.Equal(server, id.Server.Value);
        Assert.True(id.IsStrict);
        Assert.True(id.IsCompliant);
    }

    [Theory]
    [InlineData("@Alice:example.org", true)]
    [InlineData("@a!b:example.org", true)]
    [InlineData("@al ice:example.org", false)]
    [InlineData("@日本:example.org", false)]
    [InlineData("@:example.org", false)]
    [InlineData("@a\u0001b:example.org", false)]
    public void Historical_ids_are_accepted_but_not_strict(string text, bool compliant)
    {
        var id = UserId.Parse(text);
        Assert.False(id.IsStrict);
        Assert.Equal(compliant, id.IsCompliant);
        Assert.False(UserId.IsValid(text, UserIdGrammar.Strict));
    }

    [Theory]
    [InlineData(null, IdentifierError.Empty)]
    [InlineData("", IdentifierError.Empty)]
    [InlineData("alice:example.org", IdentifierError.WrongSigil)]
    [InlineData("#alice:example.org", IdentifierError.WrongSigil)]
    [InlineData("@alice", IdentifierError.MissingServerName)]
    [InlineData("@alice:", IdentifierError.EmptyHost)]
    [InlineData("@alice:exa mple.org", IdentifierError.InvalidHostCharacter)]
    [InlineData("@alice:example.org:99999", IdentifierError.InvalidPort)]
    [InlineData("@a\u0000b:example.org", IdentifierError.InvalidLocalpart)]
    public void Invalid_in_every_grammar(string? text, IdentifierError expected)
    {
        foreach (var grammar in new[] { UserIdGrammar.Historical, UserIdGrammar.Strict })
        {
            Assert.False(UserId.TryParse(text, out _, out var error, grammar));
            Assert.Equal(expected, error);
        }
    }

    [Fact]
    public void Unpaired_surrogate_is_invalid()
    {
        // Built in code: xunit would replace the surrogate in attribute data.
        var text = "@a" + (char)0xD800 + ":example.org";
        Assert.False(UserId.TryParse(text, out _, out var error));
        Assert.Equal(IdentifierError.InvalidLocalpart, error);
    }

    [Theory]
    [InlineData("@:example.org", IdentifierError.EmptyLocalpart)]
    [InlineData("@Alice:example.org", IdentifierError.InvalidLocalpart)]
    [InlineData("@a*b:example.org", IdentifierError.InvalidLocalpart)]
    public void Invalid_in_the_strict_grammar(string text, IdentifierError expected)
    {
        Assert.False(UserId.TryParse(text, out _, out var error, UserIdGrammar.Strict));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void At_most_255_bytes()
    {
        var server = ":example.org";
        var fits = "@" + new string('a', 255 - 1 - server.Length) + server;
        Assert.True(UserId.IsValid(fits, UserIdGrammar.Strict));
        Assert.False(UserId.TryParse("@a" + fits[1..], out _, out var error));
        Assert.Equal(IdentifierError.TooLong, error);

        // Bytes, not characters: 'é' is two bytes.
        var multiByte = "@" + new string('é', 122) + server;
        Assert.True(multiByte.Length < 255);
        Assert.False(UserId.TryParse(multiByte, out _, out error));
        Assert.Equal(IdentifierError.TooLong, error);
    }

    [Fact]
    public void Parse_throws_with_the_error() =>
        Assert.Equal(IdentifierError.MissingServerName, Assert.Throws<IdentifierFormatException>(() => UserId.Parse("@x")).Error);
}

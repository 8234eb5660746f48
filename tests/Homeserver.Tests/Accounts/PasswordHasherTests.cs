using Matrix.Homeserver.Accounts.Passwords;
using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>bcrypt hashes compatible with Synapse's (pyca/bcrypt, NFKC, pepper).</summary>
public sealed class PasswordHasherTests
{
    private static PasswordHasher Hasher(string pepper = "") => new(new AuthOptions { BcryptRounds = 4, PasswordPepper = pepper });

    [Fact]
    public async Task A_reference_hash_from_pyca_bcrypt_verifies()
    {
        // pyca/bcrypt's test vector: what Synapse stores for this password.
        Assert.True(await Hasher().VerifyAsync("Kk4DQuMMfZL9o", "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"));
        Assert.False(await Hasher().VerifyAsync("Kk4DQuMMfZL9O", "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"));
    }

    [Fact]
    public async Task New_hashes_are_2b_with_the_configured_cost()
    {
        var hash = await Hasher().HashAsync("correct horse");
        Assert.StartsWith("$2b$04$", hash);
        Assert.Equal(60, hash.Length);
        Assert.True(await Hasher().VerifyAsync("correct horse", hash));
        Assert.False(await Hasher().VerifyAsync("correct horse!", hash));
    }

    [Fact]
    public async Task Passwords_are_normalised_to_nfkc()
    {
        // "ﬁ" (U+FB01) is "fi" under NFKC; "é" composed and decomposed are one.
        var hash = await Hasher().HashAsync("ﬁle e\u0301");
        Assert.True(await Hasher().VerifyAsync("file \u00e9", hash));
    }

    [Fact]
    public async Task The_pepper_is_part_of_the_hash()
    {
        var hash = await Hasher("pepper").HashAsync("secret password");
        Assert.True(await Hasher("pepper").VerifyAsync("secret password", hash));
        Assert.False(await Hasher().VerifyAsync("secret password", hash));
    }

    [Fact]
    public async Task Only_the_first_72_bytes_count_as_in_bcrypt()
    {
        var prefix = new string('p', 72);
        var hash = await Hasher().HashAsync(prefix + "tail one");
        Assert.True(await Hasher().VerifyAsync(prefix + "tail two", hash));
    }

    [Fact]
    public async Task No_hash_or_a_foreign_hash_never_matches()
    {
        Assert.False(await Hasher().VerifyAsync("anything", null));
        Assert.False(await Hasher().VerifyAsync("anything", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"));
    }
}

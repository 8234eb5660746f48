using Matrix.Crypto;

namespace Matrix.Crypto.Tests;

public class SigningKeyFileTests
{
    [Fact]
    public void Reads_a_synapse_key_file()
    {
        var keys = SigningKeyFile.Parse($"ed25519 a_Xy9 {TestKeys.SeedBase64}\n");
        var key = Assert.Single(keys);
        Assert.Equal("ed25519:a_Xy9", key.KeyId.ToString());
        using var appendix = TestKeys.Appendix();
        Assert.Equal(appendix.VerifyKey, key.VerifyKey);
    }

    [Fact]
    public void Reads_several_keys_and_skips_blank_lines()
    {
        var keys = SigningKeyFile.Parse($"\ned25519 1 {TestKeys.SeedBase64}\r\n\n  ed25519\t2   {TestKeys.SeedBase64}=\n");
        Assert.Equal(["1", "2"], keys.Select(k => k.Version));
    }

    [Fact]
    public void Write_then_read_round_trips()
    {
        using var key = SigningKey.Generate("a_1");
        var text = SigningKeyFile.Format([key]);
        Assert.Matches("^ed25519 a_1 [A-Za-z0-9+/]{43}\n$", text);
        Assert.Equal(key.VerifyKey, SigningKeyFile.Parse(text)[0].VerifyKey);
    }

    [Fact]
    public void Writes_a_new_file_and_refuses_to_overwrite()
    {
        var path = Path.Combine(Path.GetTempPath(), $"signing-{Guid.NewGuid():N}.key");
        try
        {
            using var key = SigningKey.Generate("k");
            SigningKeyFile.Write(path, [key]);
            Assert.Equal(key.VerifyKey, SigningKeyFile.Read(path)[0].VerifyKey);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Throws<IOException>(() => SigningKeyFile.Write(path, [key]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("", "no key")]
    [InlineData("ed25519 1", "line 1: expected")]
    [InlineData("ed25519 1 AAAA extra", "line 1: expected")]
    [InlineData("\ncurve25519 1 YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1", "line 2: unsupported algorithm")]
    [InlineData("ed25519 a-b YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1", "line 1: key version")]
    [InlineData("ed25519 1 !!!!", "line 1: the seed is not valid base64")]
    [InlineData("ed25519 1 AAAA", "line 1: the seed is 3 bytes")]
    public void Malformed_files_say_what_is_wrong(string text, string message)
    {
        var ex = Assert.Throws<SigningKeyFileException>(() => SigningKeyFile.Parse(text));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}

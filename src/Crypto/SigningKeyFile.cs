using System.Text;

namespace Matrix.Crypto;

/// <summary>A signing key file that cannot be read; the message names the line and the problem.</summary>
public sealed class SigningKeyFileException(string message) : Exception(message);

/// <summary>
/// Synapse's signing key file: one key per line, <c>ed25519 &lt;key version&gt; &lt;unpadded base64 seed&gt;</c>.
/// Keeping the format lets a server move between Synapse and this implementation with its identity.
/// </summary>
public static class SigningKeyFile
{
    /// <summary>Reads every key in the text; blank lines are skipped.</summary>
    /// <exception cref="SigningKeyFileException">A line is malformed, or the file holds no key.</exception>
    public static IReadOnlyList<SigningKey> Parse(string text)
    {
        var keys = new List<SigningKey>();
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            var fields = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0) continue;
            keys.Add(ParseLine(fields, lineNumber));
        }

        return keys.Count > 0 ? keys : throw new SigningKeyFileException("the signing key file holds no key");
    }

    /// <summary>The file text for the given keys, one line each.</summary>
    public static string Format(IEnumerable<SigningKey> keys)
    {
        var text = new StringBuilder();
        foreach (var key in keys) text.Append(SigningKeyId.Ed25519).Append(' ').Append(key.Version).Append(' ').Append(UnpaddedBase64.Encode(key.ExportSeed())).Append('\n');
        return text.ToString();
    }

    public static IReadOnlyList<SigningKey> Read(string path) => Parse(File.ReadAllText(path));

    /// <summary>Writes the keys to a new file readable only by its owner (where the OS supports modes).</summary>
    public static void Write(string path, IEnumerable<SigningKey> keys)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        writer.Write(Format(keys));
    }

    private static SigningKey ParseLine(string[] fields, int line)
    {
        if (fields.Length != 3) throw new SigningKeyFileException($"line {line}: expected '<algorithm> <key version> <base64 seed>', found {fields.Length} fields");
        if (fields[0] != SigningKeyId.Ed25519) throw new SigningKeyFileException($"line {line}: unsupported algorithm '{fields[0]}' (only ed25519 is known)");
        if (!SigningKeyId.IsValidVersion(fields[1])) throw new SigningKeyFileException($"line {line}: key version '{fields[1]}' must be made of [a-zA-Z0-9_]");
        if (!UnpaddedBase64.TryDecode(fields[2], out var seed)) throw new SigningKeyFileException($"line {line}: the seed is not valid base64");
        if (seed.Length != SigningKey.SeedLength) throw new SigningKeyFileException($"line {line}: the seed is {seed.Length} bytes, an Ed25519 seed is {SigningKey.SeedLength}");
        return SigningKey.FromSeed(seed, fields[1]);
    }
}

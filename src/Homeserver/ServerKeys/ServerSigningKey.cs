using System.Security.Cryptography;
using Matrix.Crypto;
using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.ServerKeys;

/// <summary>
/// The server's Ed25519 identity. Loaded from Homeserver:SigningKeyPath (Synapse's file format, so an
/// operator can bring a Synapse key) or generated there on first start.
/// </summary>
public sealed class ServerSigningKey : IDisposable
{
    private ServerSigningKey(SigningKey key, string serverName, IReadOnlyList<SigningKey> oldKeys, DateTimeOffset fileModified)
    {
        Key = key;
        ServerName = serverName;
        OldKeys = oldKeys;
        FileModified = fileModified;
    }

    public SigningKey Key { get; }
    public string ServerName { get; }

    /// <summary>The keys after the first line of the key file: no longer used to sign, still published as old_verify_keys.</summary>
    public IReadOnlyList<SigningKey> OldKeys { get; }

    /// <summary>When the key file was last written (the default expired_ts of the old keys).</summary>
    public DateTimeOffset FileModified { get; }

    /// <exception cref="ConfigurationException">The file exists but cannot be read as a signing key.</exception>
    public static ServerSigningKey LoadOrCreate(HomeserverOptions options, ILogger logger)
    {
        var path = Path.GetFullPath(options.SigningKeyPath);
        if (File.Exists(path))
        {
            try
            {
                // Like Synapse, the first key of the file signs; older keys may follow it.
                var keys = SigningKeyFile.Read(path);
                return new ServerSigningKey(keys[0], options.ServerName, [.. keys.Skip(1)], File.GetLastWriteTimeUtc(path));
            }
            catch (SigningKeyFileException e)
            {
                throw new ConfigurationException($"Homeserver:SigningKeyPath: '{path}': {e.Message}");
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Synapse names keys a_XXXX; any [a-zA-Z0-9_] version works.
        var version = "a_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant();
        var key = SigningKey.Generate(version);
        SigningKeyFile.Write(path, [key]);
        logger.LogInformation("Generated a new signing key {KeyId} in {Path}", key.KeyId, path);
        return new ServerSigningKey(key, options.ServerName, [], DateTimeOffset.UtcNow);
    }

    public void Dispose()
    {
        Key.Dispose();
        foreach (var old in OldKeys) old.Dispose();
    }
}

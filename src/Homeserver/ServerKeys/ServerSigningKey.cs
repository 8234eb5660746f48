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
    private ServerSigningKey(SigningKey key, string serverName)
    {
        Key = key;
        ServerName = serverName;
    }

    public SigningKey Key { get; }
    public string ServerName { get; }

    /// <exception cref="ConfigurationException">The file exists but cannot be read as a signing key.</exception>
    public static ServerSigningKey LoadOrCreate(HomeserverOptions options, ILogger logger)
    {
        var path = Path.GetFullPath(options.SigningKeyPath);
        if (File.Exists(path))
        {
            try
            {
                // Like Synapse, the first key of the file signs; older keys may follow it.
                return new ServerSigningKey(SigningKeyFile.Read(path)[0], options.ServerName);
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
        return new ServerSigningKey(key, options.ServerName);
    }

    public void Dispose() => Key.Dispose();
}

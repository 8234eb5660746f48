using Matrix.Crypto;
using Matrix.Federation.Events;

namespace Matrix.Federation.Tests.Events;

/// <summary>An in-memory key cache: server name and key ID to key and validity.</summary>
internal sealed class TestKeyLookup : IServerKeyLookup
{
    private readonly Dictionary<(string, SigningKeyId), ServerKey> _keys = [];

    public int Lookups { get; private set; }

    public TestKeyLookup Add(string server, SigningKey key, long validUntilTs = long.MaxValue)
    {
        _keys[(server, key.KeyId)] = new ServerKey(key.VerifyKey, validUntilTs);
        return this;
    }

    public ValueTask<ServerKey?> FindKeyAsync(string serverName, SigningKeyId keyId, CancellationToken cancellationToken = default)
    {
        Lookups++;
        return ValueTask.FromResult(_keys.GetValueOrDefault((serverName, keyId)));
    }
}

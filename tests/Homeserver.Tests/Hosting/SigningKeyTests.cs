using Matrix.Crypto;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.ServerKeys;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Matrix.Homeserver.Tests.Hosting;

public sealed class SigningKeyTests
{
    [Fact]
    public async Task A_key_is_generated_on_first_start_in_synapse_format_and_kept()
    {
        string keyPath;
        string keyId;
        await using (var server = await TestHomeserver.StartAsync())
        {
            keyPath = Path.Combine(server.DataDirectory, "signing.key");
            var line = (await File.ReadAllTextAsync(keyPath)).Trim();
            var fields = line.Split(' ');
            Assert.Equal(3, fields.Length);
            Assert.Equal("ed25519", fields[0]);
            Assert.Matches("^[a-zA-Z0-9_]+$", fields[1]);
            Assert.Equal(32, UnpaddedBase64.Decode(fields[2]).Length);
            keyId = server.Services.GetRequiredService<ServerSigningKey>().Key.KeyId.ToString();
            Assert.Equal($"ed25519:{fields[1]}", keyId);
        }
    }

    [Fact]
    public void An_existing_synapse_key_is_loaded()
    {
        // The appendix's test vector key, written the way Synapse writes it.
        var dir = Directory.CreateTempSubdirectory("hs-key-").FullName;
        var path = Path.Combine(dir, "example.signing.key");
        File.WriteAllText(path, "ed25519 1 YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1\n");
        var options = new HomeserverOptions { SigningKeyPath = path, ServerName = "domain" };
        using var key = ServerSigningKey.LoadOrCreate(options, NullLogger.Instance);
        Assert.Equal("ed25519:1", key.Key.KeyId.ToString());
        // The appendix's signature of the empty object under this key.
        Assert.Equal("K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ",
            JsonSigning.ComputeSignature(new System.Text.Json.Nodes.JsonObject(), key.Key));
    }

    [Fact]
    public void A_broken_key_file_is_a_configuration_error()
    {
        var dir = Directory.CreateTempSubdirectory("hs-key-").FullName;
        var path = Path.Combine(dir, "bad.key");
        File.WriteAllText(path, "ed25519 1 not-base64!\n");
        var options = new HomeserverOptions { SigningKeyPath = path };
        var error = Assert.Throws<ConfigurationException>(() => ServerSigningKey.LoadOrCreate(options, NullLogger.Instance));
        Assert.Contains("Homeserver:SigningKeyPath", error.Message);
        Assert.Contains("line 1", error.Message);
    }
}

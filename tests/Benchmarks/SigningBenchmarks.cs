using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;

namespace Matrix.Benchmarks;

/// <summary>The per-event protocol costs: canonical JSON, hashing and signing an outgoing event, checking an incoming one.</summary>
[MemoryDiagnoser]
public class SigningBenchmarks
{
    private static readonly RoomVersion Version = RoomVersions.V11;

    private SigningKey _key = null!;
    private JsonObject _event = null!;
    private byte[] _wire = null!;
    private Pdu _pdu = null!;
    private KeyLookup _keys = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = SigningKey.Generate("bench");
        var builder = new EventBuilder(ServerName.Parse("bench.example"), _key);
        _pdu = builder.Build(Version, TypicalMessage());
        _event = (JsonObject)_pdu.Json.DeepClone();
        _wire = CanonicalJson.Serialize(_pdu.Json);
        _keys = new KeyLookup(new ServerKey(_key.VerifyKey, long.MaxValue));
        Console.WriteLine($"// event size: {_wire.Length} bytes of canonical JSON");
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark(Description = "Canonical JSON of a ~1 KB event")]
    public byte[] Canonicalize() => CanonicalJson.Serialize(_event);

    [Benchmark(Description = "Content hash + redact + sign (outgoing)")]
    public JsonObject HashAndSign()
    {
        EventSigning.HashAndSign(_event, Version, "bench.example", _key);
        return _event;
    }

    [Benchmark(Description = "Event ID (reference hash)")]
    public string EventId() => EventIds.Compute(_event, Version);

    [Benchmark(Description = "Verify signatures + content hash (incoming)")]
    public async Task<bool> Verify()
    {
        var check = await EventSigning.VerifyAsync(_pdu, _keys);
        return check.IsValid && EventHashes.CheckContentHash(_pdu.Json, Version);
    }

    [Benchmark(Description = "Parse + validate PDU bytes")]
    public Pdu Parse() => PduParser.Parse(_wire, Version);

    private static EventTemplate TypicalMessage()
    {
        var body = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. Ünïcödé ok 日本語. ", 3));
        return new EventTemplate
        {
            Type = EventTypes.Message,
            Sender = "@alice:bench.example",
            RoomId = "!OGEhHVWSdvArJzumhm:bench.example",
            Content = new JsonObject
            {
                ["msgtype"] = "m.text",
                ["body"] = body,
                ["format"] = "org.matrix.custom.html",
                ["formatted_body"] = "<p>" + body + "</p>",
                ["m.mentions"] = new JsonObject { ["user_ids"] = new JsonArray("@bob:bench.example") },
            },
            PrevEvents = ["$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg"],
            AuthEvents = ["$gbHO7IPUHybc7ULFnT7P0r3iWlZFHGmr6zBfEYCUyKw", "$hy1eZFYcgNxMFNNBgCD5fyOzyWRcBkxfNcrUI5ZpZlE", "$Nt_z68EwFfPqBeHjzEHGsp461Z4EfNEzR-KH5bOYdOY"],
            Depth = 1234,
            OriginServerTs = 1_731_769_874_137,
        };
    }

    private sealed class KeyLookup(ServerKey key) : IServerKeyLookup
    {
        public ValueTask<ServerKey?> FindKeyAsync(string serverName, SigningKeyId keyId, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<ServerKey?>(key);
    }
}

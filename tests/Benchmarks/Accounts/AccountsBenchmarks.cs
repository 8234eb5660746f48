using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Matrix.Homeserver.Accounts.Filters;
using Matrix.Homeserver.Accounts.Passwords;
using Matrix.Homeserver.Configuration;

namespace Matrix.Benchmarks.Accounts;

/// <summary>What a login costs in bcrypt at the default work factor (and at the tests' 4).</summary>
[MemoryDiagnoser]
public class PasswordHashingBenchmarks
{
    private PasswordHasher _hasher = null!;
    private string _hash = null!;

    [Params(4, 12)]
    public int Rounds { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _hasher = new PasswordHasher(new AuthOptions { BcryptRounds = Rounds });
        _hash = _hasher.HashAsync("correct horse battery staple").GetAwaiter().GetResult();
    }

    [Benchmark]
    public Task<bool> Verify() => _hasher.VerifyAsync("correct horse battery staple", _hash);
}

/// <summary>Filtering one timeline event, as /sync does for every event it considers.</summary>
[MemoryDiagnoser]
public class FilterMatchingBenchmarks
{
    private readonly RoomEventFilter _filter = FilterParser.Parse(JsonNode.Parse("""
        {"room": {"timeline": {"types": ["m.room.*", "m.reaction", "org.example.*"], "not_types": ["m.room.member"],
                               "not_senders": ["@spammer:example.org"], "rooms": ["!a:example.org", "!b:example.org"]}}}
        """)!.AsObject()).Room.Timeline;

    private readonly JsonObject _event = JsonNode.Parse("""
        {"type": "m.room.message", "sender": "@alice:example.org", "room_id": "!b:example.org",
         "content": {"msgtype": "m.text", "body": "hello"}, "origin_server_ts": 1700000000000, "event_id": "$abc"}
        """)!.AsObject();

    [Benchmark]
    public bool Matches() => _filter.Matches(_event);

    [Benchmark]
    public SyncFilter ParseFilter() => FilterParser.Parse(JsonNode.Parse("""{"room": {"timeline": {"limit": 20, "types": ["m.room.*"]}, "state": {"lazy_load_members": true}}}""")!.AsObject());
}

using BenchmarkDotNet.Attributes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Benchmarks;

/// <summary>Authorizing one event against the state of a 10 000-member room.</summary>
[MemoryDiagnoser]
public class AuthBenchmarks
{
    private readonly EventAuthorizer _authorizer = new(new NoSignatureConsulted());
    private LargeRoom _room = null!;
    private Pdu _message = null!;
    private Pdu _join = null!;
    private List<Pdu> _joinAuthEvents = null!;

    [Params("10", "12")]
    public string Version { get; set; } = "12";

    [GlobalSetup]
    public void Setup()
    {
        _room = new LargeRoom(RoomVersions.Find(Version)!, members: 10_000);
        _message = _room.Build(_room.State, EventTypes.Message, LargeRoom.Member(4_242), null, """{"msgtype": "m.text", "body": "hi"}""");
        _join = _room.Build(_room.State, EventTypes.Member, "@newcomer:example.com", "@newcomer:example.com", """{"membership": "join"}""");
        _joinAuthEvents = AuthEventReferences.Of(_join).Select(id => _room.State.Values.First(e => e.EventId == id)).ToList();
        if (!Message().IsAllowed || !Join().IsAllowed || !JoinByAuthEvents().IsAllowed) throw new InvalidOperationException("benchmark events must be allowed");
    }

    [Benchmark]
    public AuthResult Message() => _authorizer.Authorize(_message, _room.State);

    [Benchmark]
    public AuthResult Join() => _authorizer.Authorize(_join, _room.State);

    [Benchmark]
    public AuthResult JoinByAuthEvents() => _authorizer.AuthorizeByAuthEvents(_join, _joinAuthEvents, _ => false);
}

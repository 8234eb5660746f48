using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Tests.Events;

/// <summary>The appendix "Event Signing" vectors, byte for byte. They predate hashed event IDs, so they are v1 events.</summary>
public class EventSigningVectorTests
{
    [Fact]
    public void Minimal_event()
    {
        using var key = TestKeys.Appendix();
        var ev = CanonicalJsonParser.ParseObject("""
            {
                "room_id": "!x:domain", "sender": "@a:domain", "origin": "domain", "origin_server_ts": 1000000,
                "signatures": {}, "hashes": {}, "type": "X", "content": {}, "prev_events": [], "auth_events": [],
                "depth": 3, "unsigned": { "age_ts": 1000000 }
            }
            """);
        EventSigning.HashAndSign(ev, RoomVersions.V1, TestKeys.ServerName, key);
        var expected = CanonicalJsonParser.ParseObject("""
            {
                "auth_events": [], "content": {}, "depth": 3,
                "hashes": { "sha256": "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos" },
                "origin": "domain", "origin_server_ts": 1000000, "prev_events": [], "room_id": "!x:domain", "sender": "@a:domain",
                "signatures": { "domain": { "ed25519:1": "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg" } },
                "type": "X", "unsigned": { "age_ts": 1000000 }
            }
            """);
        Assert.Equal(CanonicalJson.SerializeToString(expected), CanonicalJson.SerializeToString(ev));
    }

    [Fact]
    public void Event_with_redactable_content()
    {
        using var key = TestKeys.Appendix();
        var ev = CanonicalJsonParser.ParseObject("""
            {
                "content": { "body": "Here is the message content" }, "event_id": "$0:domain", "origin": "domain",
                "origin_server_ts": 1000000, "type": "m.room.message", "room_id": "!r:domain", "sender": "@u:domain",
                "signatures": {}, "unsigned": { "age_ts": 1000000 }
            }
            """);
        EventSigning.HashAndSign(ev, RoomVersions.V1, TestKeys.ServerName, key);
        var expected = CanonicalJsonParser.ParseObject("""
            {
                "content": { "body": "Here is the message content" }, "event_id": "$0:domain",
                "hashes": { "sha256": "onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g" },
                "origin": "domain", "origin_server_ts": 1000000, "type": "m.room.message", "room_id": "!r:domain", "sender": "@u:domain",
                "signatures": { "domain": { "ed25519:1": "Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA" } },
                "unsigned": { "age_ts": 1000000 }
            }
            """);
        Assert.Equal(CanonicalJson.SerializeToString(expected), CanonicalJson.SerializeToString(ev));
    }

    [Fact]
    public void Content_hash_of_the_vector_checks_and_detects_tampering()
    {
        using var key = TestKeys.Appendix();
        var ev = CanonicalJsonParser.ParseObject("""{"content":{"body":"x"},"event_id":"$0:domain","origin_server_ts":1,"type":"m.room.message","room_id":"!r:domain","sender":"@u:domain"}""");
        EventSigning.HashAndSign(ev, RoomVersions.V1, TestKeys.ServerName, key);
        Assert.True(EventHashes.CheckContentHash(ev, RoomVersions.V1));

        ev["content"]!["body"] = "y";
        Assert.False(EventHashes.CheckContentHash(ev, RoomVersions.V1));
    }
}

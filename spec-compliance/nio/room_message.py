"""nio: alice makes a room and invites bob, bob joins, and receives alice's message via sync."""
from nio import JoinResponse, RoomCreateResponse, RoomMessageText, RoomSendResponse

from common import ok, run


async def main(scenario):
    alice = await scenario.new_user("nio-alice")
    bob = await scenario.new_user("nio-bob")
    room = ok(await alice.client.room_create(name="nio room", invite=[bob.user_id]), RoomCreateResponse)

    await bob.sync_until(lambda: room.room_id in bob.client.invited_rooms, "bob's invite")
    ok(await bob.client.join(room.room_id), JoinResponse)
    await alice.sync_until(lambda: alice.is_joined(room.room_id, bob.user_id), "alice to see bob join")

    sent = ok(await alice.client.room_send(room.room_id, "m.room.message",
                                           {"msgtype": "m.text", "body": "hello from nio"}), RoomSendResponse)
    event = await bob.sync_until(lambda: bob.events.get(sent.event_id), "bob to receive the message")
    assert isinstance(event, RoomMessageText), event
    assert event.body == "hello from nio" and event.sender == alice.user_id, event
    assert bob.client.rooms[room.room_id].display_name == "nio room"


run(main)

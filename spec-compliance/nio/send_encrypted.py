"""nio sends an encrypted message to a matrix-js-sdk user: python3 send_encrypted.py USER_ID BODY.
Prints {"room_id"} once the encrypted room exists and {"event_id"} once the message is sent; the
node wrapper joins the room as USER_ID and checks that matrix-js-sdk decrypts the message."""
import sys

from nio import RoomCreateResponse, RoomPreset, RoomSendResponse

from common import emit, ok, run

ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


async def main(scenario):
    recipient, body = sys.argv[1], sys.argv[2]
    alice = await scenario.new_user("nio-alice", encryption=True)
    await alice.sync()  # uploads this device's keys
    room = ok(await alice.client.room_create(invite=[recipient], is_direct=True, preset=RoomPreset.trusted_private_chat,
                                             initial_state=[ENCRYPTION]), RoomCreateResponse)
    emit(room_id=room.room_id)

    await alice.sync_until(lambda: alice.is_joined(room.room_id, recipient), "the recipient to join", timeout_s=60)
    assert alice.client.rooms[room.room_id].encrypted, "nio sees the room as encrypted"
    # room_send queries the members' keys, claims one-time keys and shares the Megolm session first.
    sent = ok(await alice.client.room_send(room.room_id, "m.room.message", {"msgtype": "m.text", "body": body},
                                           ignore_unverified_devices=True), RoomSendResponse)
    emit(event_id=sent.event_id, sender=alice.user_id)


run(main)

"""nio: register, whoami, log out, log in again with the password; a wrong password is refused."""
from nio import LoginError, LoginResponse, LogoutResponse
from nio.responses import WhoamiResponse  # not re-exported by nio 0.20

from common import ok, run


async def main(scenario):
    alice = await scenario.new_user("nio-alice")
    first_device = alice.client.device_id
    who = ok(await alice.client.whoami(), WhoamiResponse)
    assert who.user_id == alice.user_id, who
    await alice.sync()
    ok(await alice.client.logout(), LogoutResponse)

    again = scenario.client(alice.user_id)
    login = ok(await again.login(alice.password, device_name="nio again"), LoginResponse)
    assert login.user_id == alice.user_id, login
    assert login.device_id != first_device, "a new login makes a new device"

    wrong = await scenario.client(alice.user_id).login("not the password")
    assert isinstance(wrong, LoginError) and wrong.status_code == "M_FORBIDDEN", wrong


run(main)

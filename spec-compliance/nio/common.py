"""Shared helpers for the matrix-nio scenarios, the second client that is independent of
matrix-js-sdk. Each scenario script exits 0 when it passed, 77 when a feature it needs is not
built (after printing {"skip": reason} on stdout), anything else on failure. Scripts talk to
their node:test wrapper (scenarios/nio.test.mjs) by JSON lines on stdout."""
import asyncio
import json
import os
import secrets
import sys
import tempfile
import traceback

from nio import (AsyncClient, AsyncClientConfig, ErrorResponse, KeysQueryResponse,
                 KeysUploadResponse, RegisterResponse, SyncResponse)
from nio import api as nio_api

HS_URL = os.environ["SPEC_HS_URL"]
CLIENT_V3 = "/_matrix/client/v3"

# nio 0.20 (Debian 12) still speaks the pre-1.0 /_matrix/client/r0 prefix, which the spec no
# longer has; nio 0.21 moved to v3, and so do we, for the client API only.
_build_path = nio_api.Api._build_path


def _build_v3_path(path, query_parameters=None, base_path=CLIENT_V3):
    return _build_path(path, query_parameters, CLIENT_V3 if base_path == nio_api.MATRIX_API_PATH else base_path)


nio_api.Api._build_path = staticmethod(_build_v3_path)
SKIP_EXIT = 77
SCENARIO_TIMEOUT_S = 120


class Skip(Exception):
    """A feature the scenario needs answers 404/405 M_UNRECOGNIZED."""


def emit(**fields):
    print(json.dumps(fields), flush=True)


def ok(resp, expected):
    """resp when it is an `expected`; Skip for an endpoint that is not built; else a failure."""
    if isinstance(resp, expected):
        return resp
    transport = getattr(resp, "transport_response", None)
    status = transport.status if transport is not None else None
    if isinstance(resp, ErrorResponse) and resp.status_code == "M_UNRECOGNIZED" and status in (404, 405):
        raise Skip(f"not built: {transport.url.path} answers {status} M_UNRECOGNIZED")
    raise AssertionError(f"expected {expected.__name__}, got {resp} (HTTP {status})")


class User:
    """One nio client (one device) and the events its syncs have delivered, by event ID."""

    def __init__(self, client, password):
        self.client = client
        self.password = password
        self.events = {}

    @property
    def user_id(self):
        return self.client.user_id

    async def sync(self):
        resp = ok(await self.client.sync(timeout=1000), SyncResponse)
        for room in resp.rooms.join.values():
            for event in room.timeline.events:
                self.events[event.event_id] = event
        # nio's plain sync() leaves key maintenance to the caller (sync_forever would do it).
        if self.client.should_upload_keys:
            ok(await self.client.keys_upload(), KeysUploadResponse)
        if self.client.should_query_keys:
            ok(await self.client.keys_query(), KeysQueryResponse)
        return resp

    async def sync_until(self, check, what, timeout_s=30):
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            await self.sync()
            value = check()
            if value:
                return value
            if asyncio.get_running_loop().time() >= deadline:
                raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")

    def is_joined(self, room_id, user_id):
        room = self.client.rooms.get(room_id)
        return room is not None and user_id in room.users and user_id not in room.invited_users


class Scenario:
    """Makes users and closes their HTTP sessions when the scenario ends."""

    def __init__(self):
        self.clients = []

    def client(self, user="", encryption=False):
        store = tempfile.mkdtemp(prefix="nio-store-", dir=os.environ.get("SPEC_TMP"))
        config = AsyncClientConfig(encryption_enabled=encryption, store_sync_tokens=False,
                                   max_limit_exceeded=3, max_timeouts=3, request_timeout=30)
        client = AsyncClient(HS_URL, user, store_path=store, config=config)
        self.clients.append(client)
        return client

    async def new_user(self, prefix, encryption=False):
        """Registers through nio, which sends m.login.dummy without a UIA session, as Synapse allows."""
        client = self.client(encryption=encryption)
        password = secrets.token_hex(12)
        ok(await client.register(f"{prefix}-{secrets.token_hex(5)}", password, device_name="nio"), RegisterResponse)
        return User(client, password)

    async def close(self):
        for client in self.clients:
            await client.close()


def run(main):
    """Runs `async def main(scenario)` bounded in time and exits with the scenario protocol's code."""
    async def bounded():
        scenario = Scenario()
        try:
            await asyncio.wait_for(main(scenario), SCENARIO_TIMEOUT_S)
        finally:
            await scenario.close()

    try:
        asyncio.run(bounded())
    except Skip as skip:
        emit(skip=str(skip))
        sys.exit(SKIP_EXIT)
    except BaseException:  # noqa: BLE001 - any error is this scenario's failure, reported in full
        traceback.print_exc()
        sys.exit(1)

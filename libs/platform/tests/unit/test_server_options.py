from __future__ import annotations

from flightdeck_platform.rpc.server import server_options
from flightdeck_platform.settings import ServerSettings

FLYTEKIT_PING_INTERVAL_MS = 30_000


def test_keepalive_policy_accepts_flytekits_idle_pings() -> None:
    options = dict(server_options(ServerSettings()))
    assert options["grpc.keepalive_permit_without_calls"] == 1
    assert options["grpc.http2.min_ping_interval_without_data_ms"] <= FLYTEKIT_PING_INTERVAL_MS
    assert options["grpc.http2.max_ping_strikes"] == 0


def test_message_limits_match_flytekit() -> None:
    options = dict(server_options(ServerSettings()))
    assert options["grpc.max_receive_message_length"] == 20 * 1024 * 1024
    assert options["grpc.max_send_message_length"] == 20 * 1024 * 1024
    assert options["grpc.max_metadata_size"] == 32 * 1024

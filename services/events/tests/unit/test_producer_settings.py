"""The events producers' batching and compression come from settings, checked at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from flightdeck_events.settings import GatewaySettings, ProjectorSettings


def test_producer_settings_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLIGHTDECK_EVENTS_GATEWAY_PRODUCER__LINGER_MS", "7")
    monkeypatch.setenv("FLIGHTDECK_EVENTS_GATEWAY_PRODUCER__COMPRESSION_TYPE", "gzip")
    producer = GatewaySettings().producer
    assert (producer.linger_ms, producer.compression_type) == (7, "gzip")
    assert ProjectorSettings().producer.compression_type == "none"


@pytest.mark.parametrize(
    ("variable", "value", "field"),
    [
        ("COMPRESSION_TYPE", "brotli", "compression_type"),
        ("LINGER_MS", "-1", "linger_ms"),
    ],
)
def test_an_unusable_producer_setting_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str
) -> None:
    monkeypatch.setenv(f"FLIGHTDECK_EVENTS_PROJECTOR_PRODUCER__{variable}", value)
    with pytest.raises(ValidationError, match=f"producer.{field}"):
        ProjectorSettings()

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pydantic_settings import SettingsConfigDict

from flightdeck_platform.logs import JsonFormatter
from flightdeck_platform.settings import MongoSettings, ServiceSettings, load_settings


class ExampleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FLIGHTDECK_EXAMPLE_", env_nested_delimiter="__")

    mongo: MongoSettings = MongoSettings()


def test_environment_beats_yaml_beats_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "flightdeck.yaml"
    config.write_text(
        "server:\n  grpc_port: 9001\n  http_port: 9002\nmongo:\n  database: from_yaml\n"
    )
    monkeypatch.setenv("FLIGHTDECK_EXAMPLE_SERVER__GRPC_PORT", "9100")
    monkeypatch.delenv("FLIGHTDECK_CONFIG", raising=False)
    settings = load_settings(ExampleSettings, str(config))
    assert settings.server.grpc_port == 9100
    assert settings.server.http_port == 9002
    assert settings.mongo.database == "from_yaml"
    assert settings.mongo.url == MongoSettings().url


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_settings(ExampleSettings, str(tmp_path / "absent.yaml"))


def test_json_log_lines_carry_extra_fields() -> None:
    record = logging.LogRecord(
        "flightdeck.test", logging.WARNING, __file__, 1, "rpc %s", ("done",), None
    )
    record.grpc_code = "NOT_FOUND"
    line = json.loads(JsonFormatter("admin").format(record))
    assert line["msg"] == "rpc done"
    assert line["level"] == "warning"
    assert line["service"] == "admin"
    assert line["grpc_code"] == "NOT_FOUND"

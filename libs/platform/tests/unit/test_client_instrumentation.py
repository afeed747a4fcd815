"""Client instrumentation in a process that installs only some drivers, as each service's
image does."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run_isolated(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )


def test_a_process_without_redis_or_mongodb_drivers_instruments_the_rest() -> None:
    # A None entry in sys.modules makes the driver unimportable, exactly as if the image lacked it.
    result = run_isolated(
        """
        import sys
        sys.modules["redis"] = None
        sys.modules["pymongo"] = None
        from flightdeck_platform.telemetry import instrument_clients
        print(",".join(instrument_clients()))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "aiokafka,grpc"


def test_every_installed_driver_is_instrumented_once() -> None:
    result = run_isolated(
        """
        from opentelemetry.instrumentation.redis import RedisInstrumentor
        from flightdeck_platform.telemetry import instrument_clients
        first = instrument_clients()
        second = instrument_clients()
        redis_done = RedisInstrumentor().is_instrumented_by_opentelemetry
        print(",".join(first), redis_done, first == second)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["pymongo,redis,aiokafka,grpc", "True", "True"]

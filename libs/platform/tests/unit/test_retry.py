from __future__ import annotations

from flightdeck_platform.retry import keep_trying


async def test_keeps_trying_until_the_dependency_answers() -> None:
    attempts: list[int] = []

    async def connect() -> None:
        attempts.append(len(attempts))
        if len(attempts) < 3:
            raise ConnectionRefusedError("not yet")

    await keep_trying(connect, "test", first_delay=0.001, max_delay=0.002)
    assert attempts == [0, 1, 2]

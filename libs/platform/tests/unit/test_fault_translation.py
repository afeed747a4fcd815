from __future__ import annotations

import pytest

from flightdeck_platform import faults

_down = faults.translated(
    (ConnectionError, TimeoutError), lambda error: faults.Unavailable(f"down: {error}")
)


@_down
async def _raising(error: Exception) -> None:
    raise error


@_down
async def _answering(value: int) -> int:
    return value


async def test_a_listed_driver_error_leaves_as_the_fault_chained_to_it() -> None:
    cause = ConnectionRefusedError("refused")

    with pytest.raises(faults.Unavailable, match="down: refused") as raised:
        await _raising(cause)

    assert raised.value.__cause__ is cause


async def test_other_errors_pass_through_unchanged() -> None:
    with pytest.raises(KeyError):
        await _raising(KeyError("state"))


async def test_results_pass_through() -> None:
    assert await _answering(7) == 7
    assert _answering.__name__ == "_answering"

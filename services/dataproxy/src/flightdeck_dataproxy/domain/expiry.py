"""How long a signed URL lives: the reference's rules for ``expires_in``."""

from __future__ import annotations

from datetime import timedelta

from flightdeck_dataproxy.domain.errors import InvalidField


def resolve_expiry(requested: timedelta | None, maximum: timedelta) -> timedelta:
    """Absent (or zero) means the maximum; negative or beyond the maximum is refused."""
    if requested is None or requested == timedelta(0):
        return maximum
    if requested < timedelta(0):
        raise InvalidField("expires_in", "must not be negative")
    if requested > maximum:
        raise InvalidField(
            "expires_in",
            f"{requested.total_seconds():g}s exceeds the maximum of {maximum.total_seconds():g}s",
        )
    return requested

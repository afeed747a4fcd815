"""The authenticated caller of the RPC being served, for the handlers that record it."""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Principal:
    subject: str
    client_id: str = ""
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """What the reference records as the principal: the token's subject."""
        return self.subject


_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "flightdeck_principal", default=None
)


def current() -> Principal | None:
    """The caller of this RPC, or None when authentication is off or the method is anonymous."""
    return _current.get()


def current_name() -> str:
    caller = _current.get()
    return caller.name if caller is not None else ""


def bind(caller: Principal | None) -> contextvars.Token[Principal | None]:
    return _current.set(caller)


def unbind(token: contextvars.Token[Principal | None]) -> None:
    _current.reset(token)

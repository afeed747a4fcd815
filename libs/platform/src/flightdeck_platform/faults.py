"""The one failure vocabulary every flightdeck layer speaks.

Pure Python, importable from any domain module. Each class names a *kind* of failure; the gRPC
status it becomes is decided at exactly one boundary (``flightdeck_platform.grpc.errors``).

    Fault
    ├── InvalidArgument      the request itself is wrong (a field is missing or malformed)
    │   ├── MissingField     "missing <field>", the reference's wording
    │   └── InvalidField     "invalid value for <field>[: reason]"
    ├── NotFound             a named entity does not exist
    ├── AlreadyExists        creating something that is already there
    ├── FailedPrecondition   the system is in a state that forbids the operation
    ├── ResourceExhausted    a size or rate limit was exceeded
    ├── Aborted              lost a race (optimistic concurrency); the caller may retry
    ├── Unavailable          a dependency is down; the caller may retry
    ├── Unauthenticated      no valid credentials
    ├── PermissionDenied     valid credentials without the right
    ├── Unimplemented        the method exists on the wire but is not served (yet)
    └── Internal             an invariant broke; never used for bad input

``details`` carries protobuf messages (e.g. ``flyteidl.admin.EventFailureReason``) that clients
inspect in the status details; they travel opaquely through the domain. ``translated`` is how an
adapter turns its driver's errors into one of these kinds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, ParamSpec, TypeVar

Params = ParamSpec("Params")
Result = TypeVar("Result")


class Fault(Exception):
    def __init__(self, message: str, *, details: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = tuple(details)


class InvalidArgument(Fault):
    pass


class MissingField(InvalidArgument):
    def __init__(self, field: str) -> None:
        super().__init__(f"missing {field}")
        self.field = field


class InvalidField(InvalidArgument):
    def __init__(self, field: str, reason: str = "") -> None:
        detail = f": {reason}" if reason else ""
        super().__init__(f"invalid value for {field}{detail}")
        self.field = field


class NotFound(Fault):
    pass


class AlreadyExists(Fault):
    pass


class FailedPrecondition(Fault):
    pass


class ResourceExhausted(Fault):
    pass


class Aborted(Fault):
    pass


class Unavailable(Fault):
    pass


class Unauthenticated(Fault):
    pass


class PermissionDenied(Fault):
    pass


class Unimplemented(Fault):
    pass


class Internal(Fault):
    pass


def translated(
    errors: tuple[type[BaseException], ...], fault: Callable[[BaseException], Fault]
) -> Callable[
    [Callable[Params, Coroutine[Any, Any, Result]]], Callable[Params, Coroutine[Any, Any, Result]]
]:
    """Decorates an adapter's coroutine so the driver's ``errors`` leave it as ``fault(error)``
    (chained): the layers above then tell "the dependency is down" from "this failed" without
    knowing the driver."""

    def decorate(
        method: Callable[Params, Coroutine[Any, Any, Result]],
    ) -> Callable[Params, Coroutine[Any, Any, Result]]:
        @functools.wraps(method)
        async def translating(*args: Params.args, **kwargs: Params.kwargs) -> Result:
            try:
                return await method(*args, **kwargs)
            except errors as error:
                raise fault(error) from error

        return translating

    return decorate

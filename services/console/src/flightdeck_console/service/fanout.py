"""Hands every phase change to each browser following its scope.

A browser that reads slower than changes arrive must not hold the consumer up nor grow memory
without bound: its queue is bounded and, once full, the browser is told it missed changes
(``overflowed``) so the page refetches from the REST API instead of trusting a gapped stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from flightdeck_console.domain.changes import PhaseChange, Scope


@dataclass(eq=False)
class Subscription:
    scope: Scope
    queue: asyncio.Queue[PhaseChange] = field(default_factory=lambda: asyncio.Queue(1000))
    overflowed: bool = False

    def offer(self, change: PhaseChange) -> None:
        if not self.scope.covers(change):
            return
        try:
            self.queue.put_nowait(change)
        except asyncio.QueueFull:
            self.overflowed = True


class Fanout:
    def __init__(self, queue_size: int = 1000) -> None:
        self._queue_size = queue_size
        self._subscriptions: set[Subscription] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    def publish(self, changes: list[PhaseChange]) -> None:
        for subscription in list(self._subscriptions):
            for change in changes:
                subscription.offer(change)

    @contextlib.contextmanager
    def subscribe(self, scope: Scope) -> Iterator[Subscription]:
        subscription = Subscription(scope, asyncio.Queue(self._queue_size))
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

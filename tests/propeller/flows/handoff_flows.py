"""Workflows the propeller tests run through flightdeck's hand-off (tests/propeller/
test_handoff_runs.py), registered with ``pyflyte run --remote`` as a user would.

``echo_tour`` needs no pod: propeller's echo plugin answers its tasks, and it has a branch, a
sub-workflow, a launch-plan node and an approve gate. ``held`` waits at a sleep gate, long
enough to be terminated. ``pod_tour`` runs python tasks and a map task, one pod each, which
the test's kubelet stand-in runs; flightdeck's local executor runs the same workflow too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from flytekit import LaunchPlan, approve, conditional, map_task, sleep, task, workflow
from flytekit.core.task import Echo

echo_text = Echo(name="echo_text", inputs={"text": str})
echo_number = Echo(name="echo_number", inputs={"n": int})


@workflow
def echo_nested(text: str) -> str:
    return echo_text(text=text)


@workflow
def echo_child(n: int) -> int:
    return echo_number(n=n)


echo_child_lp = LaunchPlan.get_or_create(echo_child, name="echo_child_lp")


class EchoTour(NamedTuple):
    nested: str
    size: str
    approved: int


@workflow
def echo_tour(text: str, n: int) -> EchoTour:
    said = echo_text(text=text)
    size = (
        conditional("size")
        .if_(n > 3)
        .then(echo_text(text="big"))
        .else_()
        .then(echo_text(text="small"))
    )
    nested = echo_nested(text=said)
    launched = echo_child_lp(n=n)
    approved = approve(launched, "go", timeout=timedelta(hours=1))
    return EchoTour(nested=nested, size=size, approved=approved)


@workflow
def held(n: int) -> int:
    before = echo_number(n=n)
    nap = sleep(timedelta(hours=1))
    after = echo_child_lp(n=before)
    before >> nap
    nap >> after
    return after


@task
def count_up(n: int) -> list[int]:
    return list(range(1, n + 1))


@task
def square(x: int) -> int:
    return x * x


@task
def total(values: list[int]) -> int:
    return sum(values)


@task
def describe(value: int, size: str) -> str:
    return f"{value} is {size}"


@workflow
def summed(values: list[int]) -> int:
    return total(values=values)


class PodTour(NamedTuple):
    total: int
    verdict: str


@workflow
def pod_tour(n: int) -> PodTour:
    squares = map_task(square)(x=count_up(n=n))
    added = summed(values=squares)
    verdict = (
        conditional("verdict")
        .if_(added > 10)
        .then(describe(value=added, size="big"))
        .else_()
        .then(describe(value=added, size="small"))
    )
    return PodTour(total=added, verdict=verdict)

"""The scheduler as deployed (deploy/local/services.py), two replicas of it against the running
system: a launch plan with a one-minute fixed-rate schedule, once activated, gets one
execution per tick, named by the tick, recorded as SCHEDULED, with the tick as its kickoff
input; once deactivated, no more. This waits for real ticks: about three minutes."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType

import httpx
import pytest
import testkit
from flyteidl.admin import common_pb2, execution_pb2, launch_plan_pb2, schedule_pb2, workflow_pb2
from flyteidl.core import identifier_pb2, interface_pb2, types_pb2
from flyteidl.core import workflow_pb2 as core_workflow
from flyteidl.service import admin_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from flightdeck_scheduler.domain.launches import execution_name
from flightdeck_scheduler.domain.schedules import LaunchPlanKey

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(480)]

DOMAIN = "development"
MINUTE = timedelta(minutes=1)
NO_INPUT_TASK = "sample_workflows.t_noinput"


_free_port = testkit.free_port


def _id(kind: int, project: str, name: str, version: str = "v1") -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=kind, project=project, domain=DOMAIN, name=name, version=version
    )


def _register_scheduled(admin: admin_pb2_grpc.AdminServiceStub, project: str) -> LaunchPlanKey:
    """A workflow taking ``kickoff: datetime`` that runs the no-input fixture task, and its
    launch plan firing every minute with the tick bound to ``kickoff``."""
    workflow_id = _id(identifier_pb2.WORKFLOW, project, "scheduled.wf")
    template = core_workflow.WorkflowTemplate(id=workflow_id)
    template.interface.inputs.variables["kickoff"].CopyFrom(
        interface_pb2.Variable(type=types_pb2.LiteralType(simple=types_pb2.DATETIME))
    )
    node = template.nodes.add(id="n0")
    node.metadata.name = "t_noinput"
    node.task_node.reference_id.CopyFrom(_id(identifier_pb2.TASK, project, NO_INPUT_TASK))
    admin.CreateWorkflow(
        workflow_pb2.WorkflowCreateRequest(
            id=workflow_id, spec=workflow_pb2.WorkflowSpec(template=template)
        )
    )
    lp_id = _id(identifier_pb2.LAUNCH_PLAN, project, "scheduled.every_minute")
    spec = launch_plan_pb2.LaunchPlanSpec(workflow_id=workflow_id)
    spec.entity_metadata.schedule.CopyFrom(
        schedule_pb2.Schedule(
            rate=schedule_pb2.FixedRate(value=1, unit=schedule_pb2.MINUTE),
            kickoff_time_input_arg="kickoff",
        )
    )
    admin.CreateLaunchPlan(launch_plan_pb2.LaunchPlanCreateRequest(id=lp_id, spec=spec))
    return LaunchPlanKey(project, DOMAIN, lp_id.name, lp_id.version)


def _set_state(admin: admin_pb2_grpc.AdminServiceStub, key: LaunchPlanKey, state: int) -> None:
    lp_id = _id(identifier_pb2.LAUNCH_PLAN, key.project, key.name, key.version)
    admin.UpdateLaunchPlan(launch_plan_pb2.LaunchPlanUpdateRequest(id=lp_id, state=state))


def _scheduled_runs(
    admin: admin_pb2_grpc.AdminServiceStub, key: LaunchPlanKey
) -> list[execution_pb2.Execution]:
    page = admin.ListExecutions(
        common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project=key.project, domain=DOMAIN),
            limit=100,
            filters=f"eq(launch_plan.name,{key.name})",
        )
    )
    return list(page.executions)


class Replicas:
    def __init__(self, launcher: ModuleType, cursor_prefix: str) -> None:
        self.service = next(s for s in launcher.SERVICES if s.name == "scheduler")
        self.launcher = launcher
        self.cursor_prefix = cursor_prefix
        self.ports: list[int] = []
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> int:
        port = _free_port()
        env = self.launcher.service_env(self.service, "json")
        prefix = self.service.env_prefix
        env[f"{prefix}SERVER__HTTP_PORT"] = str(port)
        env[f"{prefix}CURSORS__KEY_PREFIX"] = self.cursor_prefix
        process = subprocess.Popen(
            [sys.executable, "-m", self.service.module],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)
        self.ports.append(port)
        return port

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def every_running_url(self) -> list[str]:
        """Ours, plus the standard replica when the running system has one."""
        standard = self.launcher.http_url(self.service, "")
        running = self.launcher.answers(f"{standard}/readyz") == 200
        return [*self.urls(), *([standard] if running else [])]

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _metric(url: str, name: str, labels: dict[str, str] | None = None) -> float:
    text = httpx.get(f"{url}/metrics", timeout=5).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(
                sample.labels.get(k) == v for k, v in (labels or {}).items()
            ):
                total += sample.value
    return total


@pytest.fixture
def replicas(running_system: dict[str, str], local_launcher: ModuleType) -> Iterator[Replicas]:
    started = Replicas(local_launcher, f"test:scheduler:{uuid.uuid4().hex[:10]}")
    try:
        yield started
    finally:
        started.stop()


def test_a_one_minute_schedule_fires_once_per_tick_across_replicas_until_deactivated(
    admin: admin_pb2_grpc.AdminServiceStub,
    runnable_project: Callable[[str], str],
    replicas: Replicas,
    wait_for: Callable[..., object],
) -> None:
    key = _register_scheduled(admin, runnable_project("sched"))
    for _ in range(2):
        replicas.start()
    for url in replicas.urls():
        ready = f"{url}/readyz"
        wait_for(lambda ready=ready: replicas.launcher.answers(ready) == 200, 60, ready)
    _set_state(admin, key, launch_plan_pb2.ACTIVE)
    lp = admin.GetLaunchPlan(
        common_pb2.ObjectGetRequest(
            id=_id(identifier_pb2.LAUNCH_PLAN, key.project, key.name, key.version)
        )
    )
    base = lp.closure.updated_at.ToDatetime(tzinfo=UTC).replace(microsecond=0)
    ticks = [base + MINUTE, base + 2 * MINUTE]

    def both_ticks_fired() -> list[execution_pb2.Execution] | None:
        runs = _scheduled_runs(admin, key)
        return runs if len(runs) >= 2 else None

    runs = wait_for(both_ticks_fired, 200, "two scheduled executions", 2.0)
    by_tick = {r.spec.metadata.scheduled_at.ToDatetime(tzinfo=UTC): r for r in runs}
    assert sorted(by_tick) == ticks and len(runs) == 2  # one execution per tick, no more
    for tick, run in by_tick.items():
        assert run.id.name == execution_name(key, tick)
        assert run.spec.metadata.mode == execution_pb2.ExecutionMetadata.SCHEDULED
        data = admin.GetExecutionData(execution_pb2.WorkflowExecutionGetDataRequest(id=run.id))
        kickoff = data.full_inputs.literals["kickoff"].scalar.primitive.datetime
        assert kickoff.ToDatetime(tzinfo=UTC) == tick
    # Both replicas asked for each tick: one was created, the other refused by its name.
    handled = {
        outcome: sum(
            _metric(url, "flightdeck_scheduler_ticks_total", {"outcome": outcome})
            for url in replicas.urls()
        )
        for outcome in ("created", "already_existed")
    }
    assert handled["already_existed"] >= 1

    _set_state(admin, key, launch_plan_pb2.INACTIVE)
    deactivated = datetime.now(UTC)
    next_tick = base + ((deactivated - base) // MINUTE + 1) * MINUTE

    def replicas_past(moment: datetime) -> bool:
        return all(
            _metric(url, "flightdeck_scheduler_last_round_timestamp_seconds") > moment.timestamp()
            for url in replicas.every_running_url()
        )

    wait_for(lambda: replicas_past(next_tick), 120, "the replicas to pass the next tick", 2.0)
    after = _scheduled_runs(admin, key)
    assert all(r.spec.metadata.scheduled_at.ToDatetime(tzinfo=UTC) < deactivated for r in after)

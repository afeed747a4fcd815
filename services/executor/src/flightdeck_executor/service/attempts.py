"""One attempt of a task as a local process: launch once the state is saved, watch it, read
what it left (spec/executor.md §1, §2.3, §2.5). Shared by task nodes and array elements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flyteidl.core import errors_pb2, execution_pb2, literals_pb2, tasks_pb2

from flightdeck_executor.domain import failures, names, templates
from flightdeck_executor.domain.environment import (
    container_argv,
    image_of,
    in_own_directory,
    task_environment,
)
from flightdeck_executor.domain.process_status import Exited, Lost, NotLaunched, Running, Starting
from flightdeck_executor.domain.run_state import Attempts
from flightdeck_executor.service.rounds import Round
from flightdeck_storage import join_key

LOG_ROUTE = "flightdeck/executor/logs"


@dataclass(frozen=True)
class AttemptPlan:
    uid: str
    template: tasks_pb2.TaskTemplate
    attempts: Attempts
    data_dir: str
    input_key: str
    inputs: literals_pb2.LiteralMap
    timeout: timedelta | None = None
    array_index: int | None = None

    @property
    def output_dir(self) -> str:
        if self.array_index is None:
            return join_key(self.data_dir, str(self.attempts.attempt))
        return join_key(self.data_dir, "0", str(self.array_index), str(self.attempts.attempt))

    def generated_name(self, execution_name: str, attempt: int | None = None) -> str:
        number = self.attempts.attempt if attempt is None else attempt
        if self.array_index is None:
            return names.generated_name(execution_name, self.uid, number)
        parent = names.generated_name(execution_name, self.uid, 0)
        return f"{parent}-n{self.array_index}-{number}"


@dataclass(frozen=True)
class Succeeded:
    output_uri: str
    dynamic: bool = False


@dataclass(frozen=True)
class Failed:
    failure: failures.AttemptFailure


Outcome = Succeeded | Failed | None


def attempt_dir(rnd: Round, plan: AttemptPlan) -> Path:
    return run_dir(rnd) / plan.generated_name(rnd.execution_id.name)


def run_dir(rnd: Round) -> Path:
    execution = rnd.execution_id
    return rnd.config.work_dir / f"{execution.project}-{execution.domain}-{execution.name}"


def log_link(rnd: Round, plan: AttemptPlan) -> execution_pb2.TaskLog:
    relative = attempt_dir(rnd, plan).relative_to(rnd.config.work_dir)
    image = image_of(plan.template) or "none"
    return execution_pb2.TaskLog(
        uri=f"{rnd.config.public_url.rstrip('/')}/{LOG_ROUTE}/{relative}/task.log",
        name=f"Task log (local process; image {image} not pulled)",
        message_format=execution_pb2.TaskLog.UNKNOWN,
    )


def raw_sandbox(rnd: Round, plan: AttemptPlan, attempt: int | None = None) -> str:
    prefix = (
        rnd.created.spec.raw_output_data_config.output_location_prefix
        or rnd.config.raw_output_prefix
        or rnd.url("data")
    )
    generated = plan.generated_name(rnd.execution_id.name, attempt)
    return f"{prefix.rstrip('/')}/{names.raw_output_shard(generated)}/{generated}"


def checkpoint_uri(rnd: Round, plan: AttemptPlan) -> str:
    return f"{raw_sandbox(rnd, plan)}/_flytecheckpoints"


def render(rnd: Round, plan: AttemptPlan) -> list[str]:
    attempt = plan.attempts.attempt
    previous = f"{raw_sandbox(rnd, plan, attempt - 1)}/_flytecheckpoints" if attempt > 0 else '""'
    execution = rnd.execution_id
    paths = templates.TemplatePaths(
        input=rnd.url(plan.input_key),
        input_prefix=rnd.url(plan.data_dir),
        output_prefix=rnd.url(plan.output_dir),
        raw_output_prefix=raw_sandbox(rnd, plan),
        previous_checkpoint=previous,
        checkpoint_prefix=checkpoint_uri(rnd, plan),
        per_retry_unique_key=names.per_retry_unique_key(plan.generated_name(execution.name)),
        task_template_path=None,
        namespace=f"{execution.project}-{execution.domain}",
    )
    rendered = templates.render_arguments(container_argv(plan.template), paths, plan.inputs)
    return in_own_directory(rendered)


def environment(rnd: Round, plan: AttemptPlan) -> dict[str, str]:
    config = rnd.config
    envs = {pair.key: pair.value for pair in rnd.created.spec.envs.values}
    env = task_environment(
        plan.template,
        rnd.execution_id,
        rnd.created.workflow_id.name,
        plan.attempts.attempt,
        envs,
        config.storage_environment,
        plan.array_index,
    )
    inherited_path = config.base_environment.get("PATH", "/usr/bin:/bin")
    return {**config.base_environment, **env, "PATH": f"{config.python_bin_dir}:{inherited_path}"}


def launch(rnd: Round, plan: AttemptPlan, argv: list[str]) -> None:
    """Marks the attempt launched and launches it once that is saved; a launch the executor
    did not live to make is made by the next round that finds none (NotLaunched)."""
    plan.attempts.task_phase = "QUEUED"
    plan.attempts.task_version = 0
    plan.attempts.launched_at = rnd.now.timestamp()
    rnd.expect_soon = True
    _launch_after_save(rnd, plan, argv)


def _launch_after_save(rnd: Round, plan: AttemptPlan, argv: list[str]) -> None:
    folder = attempt_dir(rnd, plan)
    env = environment(rnd, plan)
    processes = rnd.engine.processes

    async def start() -> None:
        await processes.launch(folder, argv, env, folder / "work")

    rnd.after_save(start)


async def observe(rnd: Round, plan: AttemptPlan) -> tuple[str, Outcome]:
    """("waiting" | "started" | "finished", outcome) for a launched attempt."""
    folder = attempt_dir(rnd, plan)
    status = await rnd.engine.processes.status(folder)
    if isinstance(status, NotLaunched | Starting):
        rnd.expect_soon = True
    if isinstance(status, NotLaunched):
        _launch_after_save(rnd, plan, render(rnd, plan))
        return "waiting", None
    if isinstance(status, Running):
        rnd.engine.slots.hold(str(folder))
        if plan.attempts.task_phase == "QUEUED":
            plan.attempts.attempt_started_at = rnd.now.timestamp()
            return "started", None
        return _deadline(rnd, plan, folder)
    if isinstance(status, Exited | Lost):
        if plan.attempts.task_phase == "QUEUED":
            plan.attempts.attempt_started_at = rnd.now.timestamp()
            return "started", None
        rnd.engine.slots.release(str(folder))
        return "finished", await _result(rnd, plan, status, folder)
    return "waiting", None


def _deadline(rnd: Round, plan: AttemptPlan, folder: Path) -> tuple[str, Outcome]:
    if plan.timeout is None or not plan.timeout:
        return "waiting", None
    if rnd.now.timestamp() - plan.attempts.attempt_started_at < plan.timeout.total_seconds():
        return "waiting", None
    processes, grace = rnd.engine.processes, rnd.config.kill_grace_seconds

    async def stop() -> None:
        await processes.kill(folder, grace)

    rnd.after_save(stop)
    rnd.engine.slots.release(str(folder))
    return "finished", Failed(failures.timed_out(plan.timeout))


async def _result(rnd: Round, plan: AttemptPlan, status: object, folder: Path) -> Outcome:
    if isinstance(status, Lost):
        return Failed(failures.abnormal_exit(None, 9, rnd.engine.processes.log_tail(folder)))
    assert isinstance(status, Exited)
    if status.exit_code != 0:
        tail = rnd.engine.processes.log_tail(folder)
        return Failed(failures.abnormal_exit(status.exit_code, status.signal, tail))
    return await _written_result(rnd, plan)


async def _written_result(rnd: Round, plan: AttemptPlan) -> Outcome:
    blobs, output_dir = rnd.engine.blobs, plan.output_dir
    if await blobs.exists(join_key(output_dir, "futures.pb")):
        return Succeeded(rnd.url(join_key(output_dir, "outputs.pb")), dynamic=True)
    error = await rnd.read_optional(join_key(output_dir, "error.pb"))
    if error is not None:
        document = errors_pb2.ErrorDocument()
        document.ParseFromString(error)
        return Failed(failures.from_error_document(document))
    outputs_key = join_key(output_dir, "outputs.pb")
    if plan.template.interface.outputs.variables:
        if not await blobs.exists(outputs_key):
            return Failed(failures.outputs_missing())
        size = (await blobs.head(outputs_key)).size
        if size > rnd.config.max_output_bytes:
            return Failed(failures.outputs_too_large(size, rnd.config.max_output_bytes))
    elif not await blobs.exists(outputs_key):
        await rnd.write_literals(outputs_key, literals_pb2.LiteralMap())
    return Succeeded(rnd.url(outputs_key))


def kill_after_save(rnd: Round, plan: AttemptPlan) -> None:
    folder = attempt_dir(rnd, plan)
    processes, grace, slots = rnd.engine.processes, rnd.config.kill_grace_seconds, rnd.engine.slots

    async def stop() -> None:
        await processes.kill(folder, grace)
        slots.release(str(folder))

    rnd.after_save(stop)


def take_slot(rnd: Round, plan: AttemptPlan) -> bool:
    return rnd.engine.slots.take(str(attempt_dir(rnd, plan)))

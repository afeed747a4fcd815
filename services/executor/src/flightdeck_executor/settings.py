"""The executor's settings: environment prefix ``FLIGHTDECK_EXECUTOR_``, sections nest with
``__`` (``FLIGHTDECK_EXECUTOR_TASKS__MAX_RUNNING=8``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from flightdeck_platform.settings import (
    KafkaSettings,
    MongoSettings,
    ServerSettings,
    ServiceSettings,
)
from flightdeck_storage import StorageConfig


class ControlPlaneSettings(BaseModel):
    target: str = Field(
        "127.0.0.1:8089",
        description="gRPC address of the edge: events, signals and executions go through it.",
    )
    producer_id: str = Field(
        "propeller", description="producer_id of every event (the cluster id admin checks)."
    )
    call_timeout_seconds: float = Field(30.0, description="Deadline of one gRPC call.")


class CommandSettings(BaseModel):
    consumer_group: str = Field(
        "flightdeck-executor", description="Consumer group of the executor replicas."
    )
    cluster_pools: list[str] = Field(
        default_factory=lambda: [""],
        description="Cluster pools (the execution's cluster assignment) this executor runs; "
        '"" is executions without one. Others are left to the executor serving their pool.',
    )
    topic_prefix: str = Field("", description="Prepended to the topic name (isolates tenants).")
    max_attempts: int = Field(
        5,
        ge=1,
        description="Failed attempts at one command before it is set aside in "
        "executor_dead_letters (kind command) so the commands behind it on its partition flow "
        "on. The run store being unreachable does not count: that is retried until it is back.",
    )


class TaskSettings(BaseModel):
    python_bin_dir: Path = Field(
        Path(sys.executable).parent,
        description="bin directory of the Python environment tasks run in (first on PATH, so "
        "pyflyte-execute and pyflyte-fast-execute resolve there). Images are not pulled.",
    )
    max_running: int = Field(
        8, description="Task processes one replica runs at once; the rest wait queued."
    )
    kill_grace_seconds: float = Field(5.0, description="SIGTERM to SIGKILL on abort.")
    max_output_bytes: int = Field(
        2 * 1024 * 1024, description="Largest outputs.pb read back (OutputSizeExceeded above)."
    )
    max_system_failures: int = Field(
        3, description="System-error retries a node gets beyond its own retries."
    )
    passed_environment: list[str] = Field(
        default_factory=lambda: ["HOME", "LANG", "LC_ALL", "TMPDIR", "TZ"],
        description="Variables of the executor's own environment a task process inherits.",
    )


class PlatformTaskResources(BaseModel):
    requests: dict[str, str] = Field(
        {"cpu": "2", "memory": "200Mi"},
        description="Default task requests written into each FlyteWorkflow's execution config "
        "(keys cpu, memory, ephemeral_storage, gpu); keep equal to admin's task_resources.",
    )
    limits: dict[str, str] = Field(
        {"cpu": "2", "memory": "1Gi", "gpu": "1"},
        description="Platform task limits written into each FlyteWorkflow's execution config.",
    )


class HandoffSettings(BaseModel):
    """``mode: handoff``: runs go to a real flytepropeller as FlyteWorkflow objects."""

    kube_config: Path | None = Field(
        None,
        description="kubeconfig file of the cluster propeller watches; unset = the in-cluster "
        "service account (the executor runs as a pod there).",
    )
    kube_context: str = Field("", description="Context in kube_config; empty = its current one.")
    namespace_template: str = Field(
        "{{ project }}-{{ domain }}",
        description="Namespace of a run's FlyteWorkflow (flyteadmin's namespace_mapping).",
    )
    service_account: str = Field(
        "default", description="ServiceAccount made in every project-domain namespace."
    )
    delete_on_termination: bool = Field(
        True,
        description="TerminateExecution deletes the FlyteWorkflow (propeller aborts the run). "
        "False: the command is only logged, for clusters where something else aborts.",
    )
    project_sync_interval_seconds: float = Field(
        60.0,
        gt=0,
        description="How often the projects are listed through the edge to make their "
        "namespaces and service accounts (a run also makes its own on arrival).",
    )
    call_timeout_seconds: float = Field(30.0, gt=0, description="Deadline of one API call.")
    event_version: int = Field(2, description="workflowMeta.eventVersion propeller reports.")
    role_annotation_key: str = Field(
        "",
        description="Annotation that carries the security context's IAM role (flyteadmin's "
        "roleNameKey); empty = none.",
    )
    console_url: str = Field("", description="consoleUrl propeller puts in its log links.")
    offload_closure: bool = Field(
        False,
        description="Leave the compiled closure in the object store (workflowClosureReference) "
        "instead of in the object; propeller must read the same store.",
    )
    offload_inputs: bool = Field(
        False,
        description="Leave the inputs in the object store (offloadedInputs) instead of in "
        "the object; propeller must read the same store.",
    )
    task_resources: PlatformTaskResources = PlatformTaskResources()


class CacheSettings(BaseModel):
    """The task cache (spec/executor.md §6), in the MongoDB database admin evicts from."""

    enabled: bool = Field(
        True,
        description="False: no cache at all, every task reports CACHE_DISABLED (propeller's "
        "noop catalog).",
    )
    reservation_heartbeat_seconds: float = Field(
        10.0,
        gt=0,
        description="How often a serialized task's runner extends its reservation; it expires "
        "after three missed heartbeats.",
    )


class AgentSettings(BaseModel):
    """Task types an agent serves run there instead of as processes, through the agents
    service (which fronts the operator's agent servers)."""

    target: str = Field(
        "",
        description="gRPC address of the agents service; empty = no agents (every task runs "
        "as a process).",
    )
    task_types: list[str] = Field(
        default_factory=list,
        description="Task types sent to the agents even before their ListAgents names them "
        "(propeller's supportedTaskTypes); the rest are learnt from ListAgents.",
    )
    refresh_interval_seconds: float = Field(
        30.0, gt=0, description="How often the agents' task types are read (ListAgents)."
    )
    call_timeout_seconds: float = Field(30.0, gt=0, description="Deadline of one agent call.")
    unavailable_budget: int = Field(
        30,
        ge=1,
        description="Agent calls in a row (one per round, about poll_interval_seconds apart) "
        "that may find the agents out of reach before the attempt fails as a system error.",
    )


class ExecutorSettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_EXECUTOR_``; only the HTTP port is served."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_EXECUTOR_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=0, http_port=8580)
    kafka: KafkaSettings = KafkaSettings(client_id="flightdeck-executor")
    mongo: MongoSettings = MongoSettings()
    storage: StorageConfig = StorageConfig()
    mode: Literal["local", "handoff"] = Field(
        "local",
        description="local: run workflows here as local processes; handoff: create a "
        "FlyteWorkflow object per run for a real flytepropeller (see handoff.*).",
    )
    handoff: HandoffSettings = HandoffSettings()
    control_plane: ControlPlaneSettings = ControlPlaneSettings()
    commands: CommandSettings = CommandSettings()
    tasks: TaskSettings = TaskSettings()
    cache: CacheSettings = CacheSettings()
    agents: AgentSettings = AgentSettings()
    work_dir: Path = Field(
        Path("var/executor/work"),
        description="Where task attempts run and keep their logs; replicas on one host share it.",
    )
    raw_output_prefix: str = Field(
        "",
        description="Raw output location when the execution names none; unset = data/ in "
        "the object store.",
    )
    metadata_prefix: str = Field(
        "metadata/propeller", description="Key prefix of the run's metadata in the object store."
    )
    public_url: str = Field(
        "http://127.0.0.1:8088",
        description="Base URL of the edge, for the log links in task events.",
    )
    poll_interval_seconds: float = Field(
        1.0, description="How often a waiting run re-checks gates and adopted processes."
    )

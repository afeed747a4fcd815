"""The executor's Prometheus metrics: what operators alert on."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

EVENTS_SENT = Counter(
    "flightdeck_executor_events_sent",
    "Events sent to the control plane, by kind and outcome.",
    ["kind", "outcome"],
)
DEAD_LETTERS = Counter(
    "flightdeck_executor_dead_letters",
    "Events the control plane kept refusing, set aside in executor_dead_letters.",
)
ROUND_FAILURES = Counter(
    "flightdeck_executor_round_failures", "Rounds that raised; the run retries with backoff."
)
RUNS_FINISHED = Counter(
    "flightdeck_executor_runs_finished", "Runs this replica drove to the end, by phase.", ["phase"]
)
RUNS_SET_ASIDE = Counter(
    "flightdeck_executor_runs_set_aside",
    "Runs whose stored document could not be read on resume, set aside in "
    "executor_dead_letters (kind run) so the rest of their partition resumes.",
)
RUNS_ACTIVE = Gauge("flightdeck_executor_runs_active", "Runs this replica drives now.")
TASK_SLOTS_IN_USE = Gauge(
    "flightdeck_executor_task_slots_in_use", "Task processes this replica runs now."
)
COMMANDS = Counter(
    "flightdeck_executor_commands",
    "Executor commands consumed, by kind and outcome.",
    ["kind", "outcome"],
)
COMMAND_DEAD_LETTERS = Counter(
    "flightdeck_executor_command_dead_letters",
    "Commands that kept failing, set aside in executor_dead_letters (kind command), by kind.",
    ["kind"],
)
HANDOFFS = Counter(
    "flightdeck_executor_handoffs",
    "FlyteWorkflow objects handed to propeller, by operation and outcome "
    "(create: created, already_exists; delete: deleted, not_found, kept).",
    ["operation", "outcome"],
)
CLUSTER_RESOURCES_CREATED = Counter(
    "flightdeck_executor_cluster_resources_created",
    "Namespaces and service accounts hand-off mode had to create, by kind.",
    ["kind"],
)
CLUSTER_RESOURCE_SYNCS = Counter(
    "flightdeck_executor_cluster_resource_syncs",
    "Rounds of making every project-domain's namespace, by outcome (ok, partial, failed).",
    ["outcome"],
)

"""CreateLaunchPlan rules (admin.md §2.3): inputs against the workflow's interface, the
expected inputs, schedules and notifications."""

from __future__ import annotations

from collections.abc import Iterable

from flyteidl.admin import common_pb2, launch_plan_pb2, schedule_pb2
from flyteidl.core import execution_pb2, interface_pb2, literals_pb2, types_pb2

from flightdeck_admin.domain import schedules
from flightdeck_admin.domain.errors import InvalidField, MissingField
from flightdeck_admin.domain.projects import validate_labels
from flightdeck_typecheck import NotInferable, castable, infer_literal_type, type_name

TERMINAL_PHASES = frozenset(
    (
        execution_pb2.WorkflowExecution.SUCCEEDED,
        execution_pb2.WorkflowExecution.FAILED,
        execution_pb2.WorkflowExecution.TIMED_OUT,
        execution_pb2.WorkflowExecution.ABORTED,
    )
)


def validate_spec(spec: launch_plan_pb2.LaunchPlanSpec) -> None:
    validate_labels(dict(spec.labels.values), "labels")
    for name, literal in spec.fixed_inputs.literals.items():
        if not name:
            raise InvalidField("fixed_inputs", "an input has an empty name")
        if literal.WhichOneof("value") is None and not literal.HasField("offloaded_metadata"):
            raise InvalidField("fixed_inputs", f"{name} has no value")
    for name, parameter in spec.default_inputs.parameters.items():
        _validate_parameter(name, parameter)
    if len(spec.entity_metadata.launch_conditions.ListFields()) > 0:
        raise InvalidField(
            "entity_metadata.launch_conditions", "launch conditions are not supported"
        )
    validate_notifications(spec.entity_metadata.notifications)


def validate_notifications(notifications: Iterable[common_pb2.Notification]) -> None:
    for notification in notifications:
        _validate_notification(notification)


def _validate_parameter(name: str, parameter: interface_pb2.Parameter) -> None:
    if not parameter.var.HasField("type"):
        raise MissingField(f"default_inputs.{name}.var.type")
    if parameter.HasField("artifact_query") or parameter.HasField("artifact_id"):
        raise InvalidField(f"default_inputs.{name}", "artifact inputs are not enabled")
    if parameter.HasField("default"):
        _require_castable(f"default_inputs.{name}", parameter.default, parameter.var.type)
    elif not parameter.required:
        raise InvalidField(f"default_inputs.{name}", "needs a default or required=true")


def _require_castable(
    field: str, literal: literals_pb2.Literal, expected: types_pb2.LiteralType
) -> None:
    try:
        actual = infer_literal_type(literal)
    except NotInferable as error:
        raise InvalidField(field, str(error)) from None
    if not castable(actual, expected):
        raise InvalidField(
            field, f"type {type_name(actual)} does not match the declared {type_name(expected)}"
        )


def _validate_notification(notification: common_pb2.Notification) -> None:
    target = notification.WhichOneof("type")
    if target is None:
        raise MissingField("notifications.type")
    recipients = getattr(notification, target).recipients_email
    if not any(recipients):
        raise InvalidField("notifications", f"{target} needs at least one recipient")
    for phase in notification.phases:
        if phase not in TERMINAL_PHASES:
            raise InvalidField(
                "notifications.phases",
                f"{execution_pb2.WorkflowExecution.Phase.Name(phase)} is not a terminal phase",
            )


def expected_inputs(
    spec: launch_plan_pb2.LaunchPlanSpec, workflow_inputs: interface_pb2.VariableMap
) -> interface_pb2.ParameterMap:
    """Checks the launch plan's inputs against the workflow's, then returns, per workflow input:
    the launch plan's default if given, else a required parameter unless the input is fixed."""
    declared = workflow_inputs.variables
    _check_named_inputs("default_input", spec.default_inputs.parameters, declared)
    _check_named_inputs("fixed_input", spec.fixed_inputs.literals, declared)
    for name, parameter in spec.default_inputs.parameters.items():
        if not castable(parameter.var.type, declared[name].type):
            raise InvalidField(
                f"default_inputs.{name}", _mismatch(parameter.var.type, declared[name].type)
            )
    for name, literal in spec.fixed_inputs.literals.items():
        _require_castable(f"fixed_inputs.{name}", literal, declared[name].type)
    expected = interface_pb2.ParameterMap()
    for name, variable in declared.items():
        if name in spec.default_inputs.parameters:
            expected.parameters[name].CopyFrom(spec.default_inputs.parameters[name])
        elif name not in spec.fixed_inputs.literals:
            expected.parameters[name].CopyFrom(interface_pb2.Parameter(var=variable, required=True))
    return expected


def _check_named_inputs(kind: str, given: object, declared: object) -> None:
    for name in given:  # type: ignore[attr-defined]
        if not declared:
            raise InvalidField(f"{kind}s", f"the workflow has no inputs, unexpected {kind} {name}")
        if name not in declared:  # type: ignore[operator]
            raise InvalidField(f"{kind}s", f"unexpected {kind} {name}")


def _mismatch(actual: types_pb2.LiteralType, expected: types_pb2.LiteralType) -> str:
    return f"type {type_name(actual)} does not match the workflow's {type_name(expected)}"


def validate_schedule(
    schedule: schedule_pb2.Schedule, expected: interface_pb2.ParameterMap
) -> None:
    if schedules.kind(schedule) == schedules.NONE:
        return
    kickoff = schedule.kickoff_time_input_arg
    for name, parameter in expected.parameters.items():
        if parameter.required and name != kickoff:
            raise InvalidField("schedule", f"a scheduled launch plan cannot require input {name}")
    if kickoff:
        _validate_kickoff(kickoff, expected)
    for expression in (schedule.cron_expression, schedule.cron_schedule.schedule):
        if expression and not schedules.is_standard_cron(expression):
            raise InvalidField("schedule", f"{expression!r} is not a standard cron expression")


def _validate_kickoff(kickoff: str, expected: interface_pb2.ParameterMap) -> None:
    if kickoff not in expected.parameters:
        raise InvalidField("schedule.kickoff_time_input_arg", f"{kickoff} is not a free input")
    kickoff_type = expected.parameters[kickoff].var.type
    if kickoff_type.simple != types_pb2.DATETIME:
        raise InvalidField(
            "schedule.kickoff_time_input_arg",
            f"{kickoff} must be a datetime, not {type_name(kickoff_type)}",
        )

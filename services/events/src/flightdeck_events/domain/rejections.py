"""Why an event is refused, as the reference reports it (admin.md §0.2, §4).

Propeller and flytekit read the ``EventFailureReason`` status detail, so the two kinds that carry
one build it here; the gRPC codes are decided at the boundary from the fault kinds.

    faults.AlreadyExists
    └── DuplicateEvent            the phase (and phase version) is already recorded
    faults.FailedPrecondition
    ├── AlreadyInTerminalState    detail: already_in_terminal_state{current_phase}
    ├── IncompatibleCluster       detail: incompatible_cluster{cluster}
    └── InvalidTransition         no detail (RUNNING→QUEUED, ABORTING→non-terminal workflows)
"""

from __future__ import annotations

from flyteidl.admin import event_pb2

from flightdeck_platform import faults


class DuplicateEvent(faults.AlreadyExists):
    pass


class AlreadyInTerminalState(faults.FailedPrecondition):
    def __init__(self, message: str, current_phase: str) -> None:
        reason = event_pb2.EventFailureReason(
            already_in_terminal_state=event_pb2.EventErrorAlreadyInTerminalState(
                current_phase=current_phase
            )
        )
        super().__init__(message, details=(reason,))
        self.current_phase = current_phase


class IncompatibleCluster(faults.FailedPrecondition):
    def __init__(self, message: str, cluster: str) -> None:
        reason = event_pb2.EventFailureReason(
            incompatible_cluster=event_pb2.EventErrorIncompatibleCluster(cluster=cluster)
        )
        super().__init__(message, details=(reason,))
        self.cluster = cluster


class InvalidTransition(faults.FailedPrecondition):
    pass

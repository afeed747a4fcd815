import datetime

from flyteidl.admin import event_pb2 as _event_pb2
from flyteidl.core import identifier_pb2 as _identifier_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventEnvelope(_message.Message):
    __slots__ = ("event_id", "accepted_at", "workflow", "node", "task")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    accepted_at: _timestamp_pb2.Timestamp
    workflow: _event_pb2.WorkflowExecutionEventRequest
    node: _event_pb2.NodeExecutionEventRequest
    task: _event_pb2.TaskExecutionEventRequest
    def __init__(self, event_id: _Optional[str] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., workflow: _Optional[_Union[_event_pb2.WorkflowExecutionEventRequest, _Mapping]] = ..., node: _Optional[_Union[_event_pb2.NodeExecutionEventRequest, _Mapping]] = ..., task: _Optional[_Union[_event_pb2.TaskExecutionEventRequest, _Mapping]] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("payload", "reason", "source_topic", "source_partition", "source_offset", "rejected_at")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SOURCE_TOPIC_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PARTITION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_OFFSET_FIELD_NUMBER: _ClassVar[int]
    REJECTED_AT_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    reason: str
    source_topic: str
    source_partition: int
    source_offset: int
    rejected_at: _timestamp_pb2.Timestamp
    def __init__(self, payload: _Optional[bytes] = ..., reason: _Optional[str] = ..., source_topic: _Optional[str] = ..., source_partition: _Optional[int] = ..., source_offset: _Optional[int] = ..., rejected_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExecutionPhaseChanged(_message.Message):
    __slots__ = ("event_id", "entity", "execution_id", "node_id", "task_execution_id", "phase", "previous_phase", "occurred_at", "terminal")
    class Entity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        WORKFLOW: _ClassVar[ExecutionPhaseChanged.Entity]
        NODE: _ClassVar[ExecutionPhaseChanged.Entity]
        TASK: _ClassVar[ExecutionPhaseChanged.Entity]
    WORKFLOW: ExecutionPhaseChanged.Entity
    NODE: ExecutionPhaseChanged.Entity
    TASK: ExecutionPhaseChanged.Entity
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_PHASE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    TERMINAL_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    entity: ExecutionPhaseChanged.Entity
    execution_id: _identifier_pb2.WorkflowExecutionIdentifier
    node_id: str
    task_execution_id: _identifier_pb2.TaskExecutionIdentifier
    phase: str
    previous_phase: str
    occurred_at: _timestamp_pb2.Timestamp
    terminal: bool
    def __init__(self, event_id: _Optional[str] = ..., entity: _Optional[_Union[ExecutionPhaseChanged.Entity, str]] = ..., execution_id: _Optional[_Union[_identifier_pb2.WorkflowExecutionIdentifier, _Mapping]] = ..., node_id: _Optional[str] = ..., task_execution_id: _Optional[_Union[_identifier_pb2.TaskExecutionIdentifier, _Mapping]] = ..., phase: _Optional[str] = ..., previous_phase: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., terminal: bool = ...) -> None: ...

import datetime

from flyteidl.admin import execution_pb2 as _execution_pb2
from flyteidl.core import identifier_pb2 as _identifier_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ExecutionCreated(_message.Message):
    __slots__ = ("message_id", "execution_id", "launch_entity", "workflow_id", "spec", "inputs_uri", "compiled_workflow_uri", "namespace", "accepted_at", "recovery_source")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    LAUNCH_ENTITY_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    INPUTS_URI_FIELD_NUMBER: _ClassVar[int]
    COMPILED_WORKFLOW_URI_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_SOURCE_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    execution_id: _identifier_pb2.WorkflowExecutionIdentifier
    launch_entity: _identifier_pb2.Identifier
    workflow_id: _identifier_pb2.Identifier
    spec: _execution_pb2.ExecutionSpec
    inputs_uri: str
    compiled_workflow_uri: str
    namespace: str
    accepted_at: _timestamp_pb2.Timestamp
    recovery_source: _identifier_pb2.WorkflowExecutionIdentifier
    def __init__(self, message_id: _Optional[str] = ..., execution_id: _Optional[_Union[_identifier_pb2.WorkflowExecutionIdentifier, _Mapping]] = ..., launch_entity: _Optional[_Union[_identifier_pb2.Identifier, _Mapping]] = ..., workflow_id: _Optional[_Union[_identifier_pb2.Identifier, _Mapping]] = ..., spec: _Optional[_Union[_execution_pb2.ExecutionSpec, _Mapping]] = ..., inputs_uri: _Optional[str] = ..., compiled_workflow_uri: _Optional[str] = ..., namespace: _Optional[str] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recovery_source: _Optional[_Union[_identifier_pb2.WorkflowExecutionIdentifier, _Mapping]] = ...) -> None: ...

class ExecutionTerminationRequested(_message.Message):
    __slots__ = ("message_id", "execution_id", "cause", "principal", "requested_at")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    execution_id: _identifier_pb2.WorkflowExecutionIdentifier
    cause: str
    principal: str
    requested_at: _timestamp_pb2.Timestamp
    def __init__(self, message_id: _Optional[str] = ..., execution_id: _Optional[_Union[_identifier_pb2.WorkflowExecutionIdentifier, _Mapping]] = ..., cause: _Optional[str] = ..., principal: _Optional[str] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExecutorCommand(_message.Message):
    __slots__ = ("created", "termination_requested")
    CREATED_FIELD_NUMBER: _ClassVar[int]
    TERMINATION_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    created: ExecutionCreated
    termination_requested: ExecutionTerminationRequested
    def __init__(self, created: _Optional[_Union[ExecutionCreated, _Mapping]] = ..., termination_requested: _Optional[_Union[ExecutionTerminationRequested, _Mapping]] = ...) -> None: ...

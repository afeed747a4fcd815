"""The gRPC services flightdeck serves, by wire name, with their descriptors and stubs."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from flyteidl.service import (
    admin_pb2,
    admin_pb2_grpc,
    agent_pb2,
    agent_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    dataproxy_pb2,
    dataproxy_pb2_grpc,
    external_plugin_service_pb2,
    external_plugin_service_pb2_grpc,
    identity_pb2,
    identity_pb2_grpc,
    signal_pb2,
    signal_pb2_grpc,
)
from google.protobuf.descriptor import ServiceDescriptor

from flightdeck_proto.gen.flyteidl.service import cache_pb2, cache_pb2_grpc


@dataclass(frozen=True)
class ServiceDefinition:
    descriptor: ServiceDescriptor
    grpc_module: ModuleType

    @property
    def full_name(self) -> str:
        return self.descriptor.full_name

    @property
    def method_names(self) -> tuple[str, ...]:
        return tuple(method.name for method in self.descriptor.methods)

    def stub(self, channel: object) -> object:
        return getattr(self.grpc_module, f"{self.descriptor.name}Stub")(channel)


def _define(file_module: ModuleType, grpc_module: ModuleType, name: str) -> ServiceDefinition:
    return ServiceDefinition(file_module.DESCRIPTOR.services_by_name[name], grpc_module)


ADMIN = _define(admin_pb2, admin_pb2_grpc, "AdminService")
AUTH_METADATA = _define(auth_pb2, auth_pb2_grpc, "AuthMetadataService")
IDENTITY = _define(identity_pb2, identity_pb2_grpc, "IdentityService")
AGENT_METADATA = _define(agent_pb2, agent_pb2_grpc, "AgentMetadataService")
ASYNC_AGENT = _define(agent_pb2, agent_pb2_grpc, "AsyncAgentService")
SYNC_AGENT = _define(agent_pb2, agent_pb2_grpc, "SyncAgentService")
EXTERNAL_PLUGIN = _define(
    external_plugin_service_pb2, external_plugin_service_pb2_grpc, "ExternalPluginService"
)
CACHE = _define(cache_pb2, cache_pb2_grpc, "CacheService")
DATA_PROXY = _define(dataproxy_pb2, dataproxy_pb2_grpc, "DataProxyService")
SIGNAL = _define(signal_pb2, signal_pb2_grpc, "SignalService")

EVENT_METHODS = ("CreateWorkflowEvent", "CreateNodeEvent", "CreateTaskEvent")
"""AdminService methods served by the events gateway instead of the admin service."""

AGENTS = (ASYNC_AGENT, SYNC_AGENT, AGENT_METADATA, EXTERNAL_PLUGIN)
"""Served by the agents service in front of the operator's agent servers."""

ALL = (ADMIN, AUTH_METADATA, IDENTITY, CACHE, DATA_PROXY, SIGNAL, *AGENTS)

"""The agents service's settings: environment prefix ``FLIGHTDECK_AGENTS_``, sections nest with
``__``; the agent servers are a JSON list
(``FLIGHTDECK_AGENTS_SERVERS='[{"name": "flytekit", "target": "127.0.0.1:8000"}]'``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import SettingsConfigDict

from flightdeck_platform.settings import ServerSettings, ServiceSettings


class AgentServerSettings(BaseModel):
    """One agent server, as propeller's agent plugin configures an agent deployment."""

    name: str = Field(description="Name the routing settings and error messages use.")
    target: str = Field(description="gRPC address, host:port (or any grpc target string).")
    insecure: bool = Field(True, description="Plaintext; false uses TLS with the system roots.")
    call_timeout_seconds: float = Field(
        10.0, gt=0, description="Deadline of one unary call to this server."
    )


class AgentsSettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_AGENTS_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_AGENTS_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=8881, http_port=8880)
    servers: list[AgentServerSettings] = Field(
        default_factory=list,
        description="The agent servers fronted, in order of preference: a task category two "
        "servers support goes to the first.",
    )
    task_types: dict[str, str] = Field(
        default_factory=dict,
        description="Task type → server name, ahead of what the servers report (propeller's "
        "agentForTaskTypes).",
    )
    default_server: str = Field(
        "",
        description="Server for a task type no server reports (propeller's defaultAgent); "
        "empty = such a task is NOT_FOUND.",
    )
    refresh_interval_seconds: float = Field(
        30.0, gt=0, description="How often every server's ListAgents is read for routing."
    )
    stream_timeout_seconds: float = Field(
        3600.0, gt=0, description="Deadline of one streamed call (task logs, sync execution)."
    )

    @model_validator(mode="after")
    def _names_known(self) -> AgentsSettings:
        names = [server.name for server in self.servers]
        if len(set(names)) != len(names):
            raise ValueError(f"servers: names must be unique, got {names}")
        for task_type, name in self.task_types.items():
            if name not in names:
                raise ValueError(f"task_types.{task_type}: no server named {name!r}")
        if self.default_server and self.default_server not in names:
            raise ValueError(f"default_server: no server named {self.default_server!r}")
        return self

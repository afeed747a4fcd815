"""The ``flyte://`` data URLs of GetData (admin.md §8.3)::

    flyte://v1/<project>/<domain>/<execution>/<node>[/<attempt>]/{i|o|d}
    flyte://v1/<project>/<domain>/<execution>/<node>[/<attempt>]/{i|o}/<literal name>

Segments are ``[A-Za-z0-9_-]+`` and the attempt is digits. The reference matches the pattern
against the end of the URL only, so text between ``flyte://`` and ``v1/`` was ignored; here
the whole URL must match (no client can depend on a URL with garbage in it).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from flightdeck_dataproxy.domain.errors import InvalidFlyteUrl

SCHEME = "flyte://"
_SEGMENT = r"[A-Za-z0-9_-]+"
_HEAD = (
    rf"flyte://v1/(?P<project>{_SEGMENT})/(?P<domain>{_SEGMENT})/(?P<execution>{_SEGMENT})"
    rf"/(?P<node>{_SEGMENT})(?:/(?P<attempt>[0-9]+))?"
)
_ONE_LITERAL = re.compile(rf"{_HEAD}/(?P<kind>[io])/(?P<literal>{_SEGMENT})")
_WHOLE = re.compile(rf"{_HEAD}/(?P<kind>[iod])")


class DataKind(enum.Enum):
    INPUTS = "i"
    OUTPUTS = "o"
    DECK = "d"


@dataclass(frozen=True)
class NodeRef:
    project: str
    domain: str
    execution: str
    node_id: str

    def __str__(self) -> str:
        return f"{self.project}/{self.domain}/{self.execution}/{self.node_id}"


@dataclass(frozen=True)
class FlyteUrl:
    node: NodeRef
    kind: DataKind
    attempt: int | None = None
    literal_name: str = ""


def parse_flyte_url(url: str) -> FlyteUrl:
    if not url.startswith(SCHEME):
        raise InvalidFlyteUrl(f"invalid flyte url [{url}]: it must start with {SCHEME}")
    found = _ONE_LITERAL.fullmatch(url) or _WHOLE.fullmatch(url)
    if found is None:
        raise InvalidFlyteUrl(f"failed to parse flyte url [{url}]")
    parts = found.groupdict()
    node = NodeRef(parts["project"], parts["domain"], parts["execution"], parts["node"])
    attempt = int(parts["attempt"]) if parts["attempt"] is not None else None
    return FlyteUrl(node, DataKind(parts["kind"]), attempt, parts.get("literal") or "")

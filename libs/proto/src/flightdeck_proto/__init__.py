"""flyteidl messages and stubs, flightdeck's own protos, and the REST route table.

flyteidl itself is re-exported unchanged (``from flightdeck_proto import flyteidl``); our own
generated modules live under ``flightdeck_proto.gen`` and keep flyteidl's wire package names.
"""

import flyteidl

from flightdeck_proto.gen.flyteidl.core import cache_eviction_pb2
from flightdeck_proto.gen.flyteidl.service import cache_pb2, cache_pb2_grpc

__all__ = ["cache_eviction_pb2", "cache_pb2", "cache_pb2_grpc", "flyteidl"]

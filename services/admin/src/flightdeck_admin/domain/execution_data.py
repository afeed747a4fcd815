"""What Get{Execution,NodeExecution,TaskExecution}Data return inline (admin.md §3.6).

Signed URLs are off (the reference's default), so the URL blobs stay empty and their size reads
as 0: inputs and outputs behind a URI are always read whole. Inline output data recorded from
an event is returned only below the size limit; larger, the answer is an empty map."""

from __future__ import annotations

from flyteidl.core import literals_pb2

MAX_INLINE_BYTES = 2 * 1024 * 1024
"""The reference's ``remoteData.maxSizeInBytes`` default."""


def inline_outputs(output_data: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
    if output_data.ByteSize() < MAX_INLINE_BYTES:
        return output_data
    return literals_pb2.LiteralMap()

"""The console's reader of the execution phase feed.

Every console replica must see every change (each serves its own browsers), so this is not a
consumer group: it reads all partitions with no committed offsets, from the end of the topic at
start-up. Browsers load the current state from the REST API when they connect, so changes from
before a replica started are never needed; a change lost in a restart is covered the same way
(the page refetches on reconnect).

Ack policy: none is needed — nothing is written, and an unreadable record is counted and passed
over.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from google.protobuf.message import DecodeError
from prometheus_client import Counter

from flightdeck_console.domain.changes import PhaseChange, from_feed
from flightdeck_console.service.fanout import Fanout
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2

FEED_RECORDS = Counter(
    "flightdeck_console_phase_feed_records_total",
    "Phase feed records the console read, by outcome.",
    ["outcome"],  # relayed, unreadable
)

_log = logging.getLogger("flightdeck.console.phase_feed")


def readable(records: Iterable[ConsumerRecord[bytes, bytes]]) -> list[PhaseChange]:
    changes = []
    for record in records:
        try:
            message = events_pb2.ExecutionPhaseChanged.FromString(record.value or b"")
        except DecodeError:
            FEED_RECORDS.labels("unreadable").inc()
            _log.warning(
                "skipped a phase feed record that is not an ExecutionPhaseChanged",
                extra={"partition": record.partition, "offset": record.offset},
            )
            continue
        changes.append(from_feed(message))
    FEED_RECORDS.labels("relayed").inc(len(changes))
    return changes


async def relay(consumer: AIOKafkaConsumer, fanout: Fanout, wait_ms: int) -> None:
    """Until cancelled: every batch the consumer fetches goes to the browsers."""
    while True:
        batches = await consumer.getmany(timeout_ms=wait_ms)
        for records in batches.values():
            fanout.publish(readable(records))

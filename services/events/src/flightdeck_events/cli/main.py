"""``flightdeck-events dlq list|replay``: the projector's dead letters, inspected and, once the
cause is fixed, re-injected into the events topic.

Settings come from the projector's environment (``FLIGHTDECK_EVENTS_PROJECTOR_...``, or
``--config``); ``--bootstrap-servers`` and ``--prefix`` override them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from flightdeck_events.cli.letters import Selection, describe, line
from flightdeck_events.messaging.dead_letters import (
    DeadLetterReplay,
    StoredDeadLetter,
    TopicMissing,
    read_dead_letters,
)
from flightdeck_events.settings import ProjectorSettings
from flightdeck_events.store import kafka
from flightdeck_events.topics import EventTopics
from flightdeck_platform.settings import load_settings

CLIENT_ID = "flightdeck-events-cli"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = _settings(args)
    try:
        return asyncio.run(args.run(settings, args))
    except TopicMissing as error:
        print(f"flightdeck-events: {error}", file=sys.stderr)
        return 1


def _settings(args: argparse.Namespace) -> ProjectorSettings:
    settings = load_settings(ProjectorSettings, args.config)
    kafka_overrides: dict[str, str] = {"client_id": CLIENT_ID}
    if args.bootstrap_servers:
        kafka_overrides["bootstrap_servers"] = args.bootstrap_servers
    topics = settings.topics
    if args.prefix is not None:
        topics = topics.model_copy(update={"prefix": args.prefix})
    return settings.model_copy(
        update={"kafka": settings.kafka.model_copy(update=kafka_overrides), "topics": topics}
    )


async def _selected(settings: ProjectorSettings, selection: Selection) -> list[StoredDeadLetter]:
    topic = EventTopics.of(settings.topics).dead_letters
    return [
        stored
        async for stored in read_dead_letters(
            settings.kafka, topic, settings.topics.max_message_bytes
        )
        if selection.matches(stored)
    ]


async def _list(settings: ProjectorSettings, args: argparse.Namespace) -> int:
    for stored in await _selected(settings, _selection(args)):
        described = describe(stored)
        print(json.dumps(described) if args.json else line(described))
    return 0


async def _replay(settings: ProjectorSettings, args: argparse.Namespace) -> int:
    selection = _selection(args)
    if args.all == selection.filters:
        args.parser.error("replay needs --all or at least one of --offset, --reason, --execution")
    letters = await _selected(settings, selection)
    # A letter without its original bytes (a foreign record on the topic) has nothing to send.
    chosen = [stored for stored in letters if stored.letter.payload]
    if args.execute:
        await _publish(settings, chosen)
    for stored in chosen:
        _report(stored, args, replayed=args.execute)
    for stored in letters:
        if not stored.letter.payload:
            print(f"skipped {stored.position}: no payload to replay", file=sys.stderr)
    if not args.execute:
        print(
            f"dry run: {len(chosen)} letter(s) would be replayed; add --execute to publish",
            file=sys.stderr,
        )
    return 0


async def _publish(settings: ProjectorSettings, letters: Sequence[StoredDeadLetter]) -> None:
    producer = kafka.producer(settings.kafka, settings.topics.max_message_bytes, settings.producer)
    await producer.start()
    try:
        events = EventTopics.of(settings.topics).events
        await DeadLetterReplay(producer, events).replay(letters)
    finally:
        await producer.stop()


def _report(stored: StoredDeadLetter, args: argparse.Namespace, replayed: bool) -> None:
    described = describe(stored)
    if args.json:
        print(json.dumps({**described, "replayed": replayed}))
    else:
        print(("replayed\t" if replayed else "would replay\t") + line(described))


def _selection(args: argparse.Namespace) -> Selection:
    return Selection(frozenset(args.offset), args.reason, args.execution)


def _position(text: str) -> str:
    partition, _, offset = text.partition(":")
    if not (partition.isdigit() and offset.isdigit()):
        raise argparse.ArgumentTypeError(f"expected PARTITION:OFFSET, not {text!r}")
    return f"{int(partition)}:{int(offset)}"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", help="YAML settings file (also: env FLIGHTDECK_CONFIG)")
    common.add_argument("--bootstrap-servers", help="Kafka bootstrap servers (host:port,...)")
    common.add_argument("--prefix", help="Topic prefix (the projector's TOPICS__PREFIX)")
    common.add_argument("--json", action="store_true", help="One JSON object a line")
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument(
        "--offset",
        type=_position,
        action="append",
        default=[],
        metavar="PARTITION:OFFSET",
        help="A letter's position on the dead-letter topic (repeatable)",
    )
    filters.add_argument("--reason", help="Letters whose reason contains this text")
    filters.add_argument("--execution", help="Letters of this execution (project/domain/name)")

    parser = argparse.ArgumentParser(
        prog="flightdeck-events", description="Operate flightdeck's event pipeline."
    )
    dlq = parser.add_subparsers(dest="command", required=True).add_parser(
        "dlq", help="The projector's dead letters"
    )
    actions = dlq.add_subparsers(dest="action", required=True)
    listing = actions.add_parser(
        "list",
        parents=[common, filters],
        help="Print the dead letters (reads the topic from the start; commits nothing)",
    )
    listing.set_defaults(run=_list)
    replay = actions.add_parser(
        "replay",
        parents=[common, filters],
        help="Publish the selected letters' events to the events topic again",
        description="A dry run unless --execute is given, like kafka-consumer-groups "
        "--reset-offsets: it prints what it would replay.",
    )
    replay.add_argument("--all", action="store_true", help="Every letter on the topic")
    replay.add_argument("--execute", action="store_true", help="Publish (default: dry run)")
    replay.set_defaults(run=_replay, parser=replay)
    return parser

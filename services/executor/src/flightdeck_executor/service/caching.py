"""Task caching for discoverable tasks, as propeller's node executor does it (spec/executor.md
§6): looked up once the inputs are known and before QUEUED; a hit succeeds the node with the
cached outputs and no attempt at all; a serialized task runs under a reservation that the
others wait on, re-checking the cache; a success populates the cache. The outcome travels on
the node events' ``task_node_metadata``."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flyteidl.core import catalog_pb2, identifier_pb2, tasks_pb2

from flightdeck_executor.domain import cache_keys
from flightdeck_executor.domain.run_state import NodeState
from flightdeck_executor.service import reporting
from flightdeck_executor.service.cache_ports import TaskCache
from flightdeck_executor.service.rounds import Round, task_key
from flightdeck_executor.service.scopes import Scope
from flightdeck_records.task_cache import CacheEntry
from flightdeck_storage import join_key

log = logging.getLogger(__name__)

HIT, MISS, SKIPPED = "CACHE_HIT", "CACHE_MISS", "CACHE_SKIPPED"
WAITING = "waiting on serialized cache"


def _template(rnd: Round, scope: Scope, node_id: str) -> tasks_pb2.TaskTemplate:
    return rnd.tasks[task_key(scope.nodes[node_id].task_node.reference_id)]


def _cache_for(rnd: Round, template: tasks_pb2.TaskTemplate) -> TaskCache | None:
    """The cache, when this task uses it (no cache configured is propeller's noop catalog)."""
    if rnd.engine.cache is None or not cache_keys.is_cacheable(template):
        return None
    return rnd.engine.cache


async def _key(
    rnd: Round, node: NodeState, template: tasks_pb2.TaskTemplate
) -> cache_keys.CacheKey:
    inputs = await rnd.read_literals(join_key(node.data_dir, "inputs.pb"))
    return cache_keys.cache_key(template.id, template, inputs)


async def served_at_start(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> bool:
    """Before QUEUED: True when the node succeeded from the cache (and needs nothing else)."""
    template = _template(rnd, scope, node_id)
    cache = _cache_for(rnd, template)
    if cache is None:
        return False
    if rnd.created.spec.overwrite_cache:
        node.cache_status = SKIPPED
        return False
    try:
        key = await _key(rnd, node, template)
    except cache_keys.NotCacheable as refused:
        log.warning("caching disabled for node %s: %s", scope.uid(node_id), refused)
        return False
    node.cache_status = MISS
    return await _served(rnd, scope.uid(node_id), node, template, cache, key)


async def _served(
    rnd: Round,
    uid: str,
    node: NodeState,
    template: tasks_pb2.TaskTemplate,
    cache: TaskCache,
    key: cache_keys.CacheKey,
) -> bool:
    entry = await cache.get(key, template.id)
    if entry is None or not _fits(template, entry):
        return False
    node.cache_status = HIT
    outputs_key = join_key(node.data_dir, "0", "outputs.pb")
    await rnd.write_literals(outputs_key, entry.outputs)
    reporting.node_phase(
        rnd,
        uid,
        node,
        "SUCCEEDED",
        output_uri=rnd.url(outputs_key),
        cache_status=catalog_pb2.CACHE_HIT,
        catalog_key=cache_keys.catalog_metadata(key, entry.artifact_id, entry.source),
    )
    return True


def _fits(template: tasks_pb2.TaskTemplate, entry: CacheEntry) -> bool:
    """Propeller refuses an artifact whose outputs are not the interface's; so does this (as a
    miss, which repopulates it)."""
    expected = set(template.interface.outputs.variables)
    return set(entry.outputs.literals) == expected


async def may_launch(
    rnd: Round, scope: Scope, node_id: str, node: NodeState, generated_name: str
) -> bool:
    """For a serialized task, before launching an attempt: True once this attempt holds the
    reservation and the cache still misses; False while another holds it (the node stays
    QUEUED) or once the cache hits. The cache is read after reserving, so a runner that
    populated and released since this node's first lookup is never run after. The owner is
    propeller's: the attempt's generated name, ``FixedLengthUniqueIDForParts(50, [execution,
    node, attempt])``."""
    template = _template(rnd, scope, node_id)
    cache = _cache_for(rnd, template)
    if cache is None or not template.metadata.cache_serializable or node.cache_status == SKIPPED:
        return True
    key = await _key(rnd, node, template)
    holder = await cache.reserve(key, generated_name, _heartbeat(rnd))
    held = holder == generated_name
    if await _served(rnd, scope.uid(node_id), node, template, cache, key):
        node.cache_waiting = False
        if held:
            await cache.release(key, generated_name)
        return False
    node.cache_waiting = not held
    if held:
        node.cache_reserved_at = rnd.now.timestamp()
    return held


def _heartbeat(rnd: Round) -> timedelta:
    return timedelta(seconds=rnd.config.cache_heartbeat_seconds)


async def keep_reservation(
    rnd: Round, scope: Scope, node_id: str, node: NodeState, generated_name: str
) -> None:
    """The holder's heartbeat while its attempt runs, at most once per heartbeat interval."""
    if not node.cache_reserved_at:
        return
    if rnd.now.timestamp() - node.cache_reserved_at < rnd.config.cache_heartbeat_seconds:
        return
    template = _template(rnd, scope, node_id)
    cache = _cache_for(rnd, template)
    if cache is None:
        return
    key = await _key(rnd, node, template)
    await cache.reserve(key, generated_name, _heartbeat(rnd))
    node.cache_reserved_at = rnd.now.timestamp()


def running_details(node: NodeState) -> dict[str, object]:
    if node.cache_reserved_at:
        return {"reservation_status": catalog_pb2.CatalogReservation.RESERVATION_ACQUIRED}
    return {}


async def release(
    rnd: Round, scope: Scope, node_id: str, node: NodeState, generated_name: str
) -> bool:
    """Gives up this attempt's reservation (after a success, or a failure another attempt or
    run may retry); a failure to release only delays the waiters until it expires."""
    if not node.cache_reserved_at:
        return False
    node.cache_reserved_at = 0.0
    template = _template(rnd, scope, node_id)
    cache = _cache_for(rnd, template)
    if cache is None:
        return False
    try:
        await cache.release(await _key(rnd, node, template), generated_name)
    except Exception:  # the reservation expires by itself
        log.warning("could not release the cache reservation of %s", generated_name, exc_info=True)
        return False
    return True


async def populated(
    rnd: Round,
    scope: Scope,
    node_id: str,
    node: NodeState,
    attempt: identifier_pb2.TaskExecutionIdentifier,
    generated_name: str,
    output_uri: str,
) -> dict[str, object]:
    """After a successful attempt: the cache written, the reservation released, and what the
    terminal node event says of both."""
    template = _template(rnd, scope, node_id)
    cache = _cache_for(rnd, template)
    if cache is None or node.cache_status not in (MISS, SKIPPED):
        return {}
    details = await _put(rnd, node, template, cache, attempt, output_uri)
    if await release(rnd, scope, node_id, node, generated_name):
        details["reservation_status"] = catalog_pb2.CatalogReservation.RESERVATION_RELEASED
    return details


async def _put(
    rnd: Round,
    node: NodeState,
    template: tasks_pb2.TaskTemplate,
    cache: TaskCache,
    attempt: identifier_pb2.TaskExecutionIdentifier,
    output_uri: str,
) -> dict[str, object]:
    if not template.interface.outputs.variables:
        return {"cache_status": catalog_pb2.CACHE_DISABLED}
    key = await _key(rnd, node, template)
    try:
        outputs = await rnd.read_literals(rnd.engine.blobs.key_of(output_uri))
        entry = CacheEntry(str(uuid.uuid4()), outputs, attempt)
        write = cache.update if node.cache_status == SKIPPED else cache.put
        artifact_id = await write(key, entry)
    except Exception:  # a cache that cannot be written does not fail the task
        log.warning("could not populate the cache for %s", key, exc_info=True)
        return {
            "cache_status": catalog_pb2.CACHE_PUT_FAILURE,
            "catalog_key": cache_keys.catalog_metadata(key, ""),
        }
    return {
        "cache_status": catalog_pb2.CACHE_POPULATED,
        "catalog_key": cache_keys.catalog_metadata(key, artifact_id),
    }

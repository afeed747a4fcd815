"""Key layout: every key of an execution shares its hash tag; no name can forge another's."""

from __future__ import annotations

from flyteidl.core import identifier_pb2

from flightdeck_signals.store.keys import SignalKeys

KEYS = SignalKeys("fd:signals")


def _execution(project: str, domain: str, name: str) -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(project=project, domain=domain, name=name)


def test_all_keys_of_an_execution_share_one_hash_tag() -> None:
    keys = KEYS.of(_execution("p", "d", "n"))
    assert keys.types == "fd:signals:{p/d/n}:types"
    assert {key.split("}")[0] for key in keys.all} == {"fd:signals:{p/d/n"}
    assert len(set(keys.all)) == 6


def test_separators_and_braces_in_names_are_escaped() -> None:
    forged = KEYS.tag(_execution("p", "d/x", "n"))
    honest = KEYS.tag(_execution("p/d", "x", "n"))
    assert forged != honest
    tag = KEYS.tag(_execution("p", "d", "a}b{c:d"))
    assert "{" not in tag and "}" not in tag and ":" not in tag


def test_keys_are_rebuilt_from_the_tag_the_terminal_set_holds() -> None:
    execution = _execution("p", "d", "n x")
    assert KEYS.of_tag(KEYS.tag(execution)) == KEYS.of(execution)
    assert KEYS.terminal == "fd:signals:terminal"

"""Names propeller derives from ids (spec §2.2, §3.4, §5.1).

They are wire-visible — unique node ids in events, generated names in task events and raw-output
paths, child execution names in admin — so they reproduce Go's FNV-1a / base32 scheme exactly.
"""

from __future__ import annotations

import base64
import re
import string
from collections.abc import Sequence
from typing import Literal

HashBits = Literal[32, 64]

_FNV = {
    32: (0x811C9DC5, 0x01000193),
    64: (0xCBF29CE484222325, 0x00000100000001B3),
}
# Go's base32 with a lower-case alphabet that avoids 0/7/8/9 look-alikes.
_TO_FLYTE_BASE32 = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "abcdefghijklmnopqrstuvwxyz123456"
)
_SHARD_CHARS = string.ascii_lowercase + string.digits
_LEADING_NON_ALPHA = re.compile(r"^[^a-zA-Z_]+")
_NON_ALPHANUMERIC = re.compile(r"[^a-zA-Z0-9_]+")

UNIQUE_NODE_ID_LENGTH = 20
GENERATED_NAME_LENGTH = 50
CHILD_EXECUTION_NAME_LENGTH = 20


def fnv1a(data: bytes, bits: HashBits = 32) -> int:
    value, prime = _FNV[bits]
    mask = (1 << bits) - 1
    for byte in data:
        value = ((value ^ byte) * prime) & mask
    return value


def fixed_length_unique_id(max_length: int, parts: Sequence[str], hash_bits: HashBits = 32) -> str:
    """``FixedLengthUniqueIDForParts``: the parts joined with ``-``, or ``f`` + a hash if too long.

    Like Go, the hashed form is returned even when it exceeds ``max_length`` itself.
    """
    joined = _join(parts)
    if len(joined.encode()) <= max_length:
        return joined
    digest = fnv1a(joined.encode(), hash_bits).to_bytes(hash_bits // 8, "big")
    encoded = base64.b32encode(digest).decode().rstrip("=")
    return "f" + encoded.translate(_TO_FLYTE_BASE32)


def _join(parts: Sequence[str]) -> str:
    # Go writes the separator only once the buffer holds something: leading empty parts vanish.
    joined = ""
    for part in parts:
        if joined:
            joined += "-"
        joined += part
    return joined


def unique_node_id(
    node_id: str, parent_unique_id: str | None = None, parent_attempt: int | None = None
) -> str:
    """The node id events carry: unchanged at top level, else prefixed by parent id and attempt."""
    if parent_unique_id is None:
        return node_id
    attempt = str(parent_attempt if parent_attempt is not None else 0)
    return fixed_length_unique_id(UNIQUE_NODE_ID_LENGTH, [parent_unique_id, attempt, node_id])


def generated_name(execution_name: str, unique_node_id: str, attempt: int) -> str:
    return fixed_length_unique_id(
        GENERATED_NAME_LENGTH, [execution_name, unique_node_id, str(attempt)]
    )


def raw_output_shard(generated_name: str) -> str:
    """One of ``aa..99`` (36 * 36), picked by the 32-bit FNV-1a of the generated name."""
    index = fnv1a(generated_name.encode(), 32) % (len(_SHARD_CHARS) ** 2)
    major, minor = divmod(index, len(_SHARD_CHARS))
    return _SHARD_CHARS[major] + _SHARD_CHARS[minor]


def child_execution_name(parent_execution_name: str, unique_node_id: str, attempt: int) -> str:
    """A launch-plan node's child execution; 64-bit so that sibling children do not collide."""
    parts = [parent_execution_name, unique_node_id, str(attempt)]
    return fixed_length_unique_id(CHILD_EXECUTION_NAME_LENGTH, parts, hash_bits=64)


def per_retry_unique_key(name: str) -> str:
    """The ``{{.perRetryUniqueKey}}`` form of a generated name: usable as an identifier."""
    return _NON_ALPHANUMERIC.sub("_", _LEADING_NON_ALPHA.sub("a", name))

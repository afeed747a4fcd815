"""The embedded object store: a directory on the local filesystem."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path


def prepare(root: Path) -> Path:
    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root


async def ping(root: Path) -> None:
    """Readiness: the root exists and accepts writes."""
    writable = await asyncio.to_thread(os.access, root, os.W_OK)
    if not writable:
        raise PermissionError(f"object store root {root} is not writable")

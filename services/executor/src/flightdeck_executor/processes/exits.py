"""Waiting for a child process to end without a thread per child: its pidfd turns readable when
it exits, and the event loop watches that like any socket."""

from __future__ import annotations

import asyncio
import os
import subprocess


async def wait_exited(child: subprocess.Popen[bytes]) -> int:
    """Returns the child's return code once it ended, and reaps it. Cancelling stops the watch
    but leaves the child running; it is reaped then if it happens to have ended already."""
    loop = asyncio.get_running_loop()
    pidfd = os.pidfd_open(child.pid)
    ended: asyncio.Future[None] = loop.create_future()
    loop.add_reader(pidfd, _settle, ended)
    try:
        await ended
        return child.wait()
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        child.poll()


def _settle(ended: asyncio.Future[None]) -> None:
    if not ended.done():
        ended.set_result(None)

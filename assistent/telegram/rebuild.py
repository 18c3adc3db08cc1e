"""An admin's ``/herlaad`` at low priority, so a rebuild never starves the answers.

The rebuild (validate the kennisbank, embed what changed, swap the index in) runs in its own
thread, not in the pool that computes answers. That thread lowers its own OS priority (Linux:
``nice`` per thread, +10) and pauses briefly after every batch it embeds, so the cores go to
answers first; when nothing else runs it goes at full speed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from typing import Any

from assistent.instance import Instance
from assistent.retrieval.index import BuildReport

log = logging.getLogger(__name__)

NICE = 10  # added to the rebuild thread's nice value (max 19)
PAUSE = 0.02  # seconds the rebuild yields after each embedded batch


def lower_priority(step: int = NICE) -> int:
    """Lower the calling thread's OS priority (Linux); returns the new nice value."""
    tid = threading.get_native_id()
    try:
        nice = min(os.getpriority(os.PRIO_PROCESS, tid) + step, 19)
        os.setpriority(os.PRIO_PROCESS, tid, nice)
    except (OSError, AttributeError):  # not Linux, or not allowed: the pauses still help
        return 0
    return nice


def _pause(done: int, total: int) -> None:
    if done:
        time.sleep(PAUSE)


async def reload_gently(instance: Instance) -> BuildReport:
    """``instance.reload()`` in a low-priority thread of its own; raises what reload raises."""
    loop = asyncio.get_running_loop()
    result: asyncio.Future[BuildReport] = loop.create_future()

    def settle(method: Any, value: object) -> None:
        if not result.done():
            method(value)

    def work() -> None:
        lower_priority()
        try:
            report = instance.reload(progress=_pause)
        except BaseException as exc:  # handed to the awaiting handler
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(settle, result.set_exception, exc)
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, result.set_result, report)

    threading.Thread(target=work, name="herlaad", daemon=True).start()
    return await result

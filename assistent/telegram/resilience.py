"""The bot under faults: tolerant update parsing, start-up retries, per-chat rate limits, resends.

* :class:`ResilientBot` parses each fetched update on its own: an update the library can't read
  (e.g. no ``date``) is logged by id only and replaced by an empty one, so the offset moves on
  and the others are answered. A 401/404 on ``getUpdates`` (token revoked) calls ``on_refused``;
  an unreachable API at start-up is retried with backoff.
* :class:`PerChatRateLimiter` keeps Telegram's overall limit, but a 429 pauses only the chat it
  is about. Failed sends (5xx, network, time-outs) are retried with backoff and dropped, and
  counted, only after ``give_up_after`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter, ExtBot

from assistent.errors import AssistentError

log = logging.getLogger(__name__)

START_BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)  # seconds between start-up attempts
SEND_BACKOFF_FIRST = 0.5
SEND_BACKOFF_MAX = 8.0
GIVE_UP_AFTER = 120.0  # seconds a send is retried before it is dropped


class TelegramRefusedError(AssistentError):
    """Telegram refused the bot (token revoked or wrong, wrong API URL, webhook refused)."""


class BotSettingError(AssistentError):
    """A setting keeps the bot from starting: no token, or the hash key missing or unreadable."""


def _seconds(retry_after: object) -> float:
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)  # type: ignore[arg-type]


class ResilientBot(ExtBot[None]):
    """ExtBot that survives unreadable updates, a revoked token and a slow start."""

    __slots__ = ("_on_refused", "_refused", "_skipped")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_refused: Callable[[], None] | None = None
        self._refused: InvalidToken | None = None
        self._skipped = 0

    def when_refused(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when getUpdates is refused (401/404): the process should end."""
        self._on_refused = callback

    @property
    def refused(self) -> InvalidToken | None:
        """The refusal that ended polling, if any."""
        return self._refused

    @property
    def skipped(self) -> int:
        """Updates that could not be read and were skipped."""
        return self._skipped

    async def initialize(self) -> None:
        """Connect (``getMe``); network trouble is retried with backoff, a refusal is not."""
        attempt = 0
        while True:
            try:
                await super().initialize()
                return
            except NetworkError as exc:
                if isinstance(exc, BadRequest):
                    raise
                pause = START_BACKOFF[min(attempt, len(START_BACKOFF) - 1)]
                attempt += 1
                log.warning(
                    "Telegram niet bereikbaar bij de start (%s); opnieuw over %.0f s",
                    type(exc).__name__,
                    pause,
                )
                await asyncio.sleep(pause)

    async def _post(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        try:
            result = await super()._post(endpoint, *args, **kwargs)
        except InvalidToken as exc:
            if endpoint != "getUpdates":
                raise
            # Not raised: PTB would stop polling for good and keep the process alive. Stop the
            # application instead (it then shuts down cleanly) and report it after the run.
            if self._refused is None:
                self._refused = exc
                log.error("Telegram weigert het token (getUpdates); de bot stopt")
                if self._on_refused is not None:
                    self._on_refused()
            await asyncio.sleep(0.5)  # until the application stops: no fast re-polling
            return []
        if endpoint == "getUpdates" and isinstance(result, list):
            return [self._readable(raw) for raw in result]
        return result

    def _readable(self, raw: object) -> object:
        """The update if the library can read it, else an empty one with the same id."""
        try:
            Update.de_json(raw, self)  # type: ignore[arg-type]
            return raw
        except Exception as exc:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            self._skipped += 1
            log.warning(
                "update %s overgeslagen: onleesbaar (%s)",
                update_id if isinstance(update_id, int) else "?",
                type(exc).__name__,
            )
            return {"update_id": update_id} if isinstance(update_id, int) else raw


class PerChatRateLimiter(BaseRateLimiter[None]):
    """Overall rate limit; a 429 pauses one chat only; failed sends retried, then dropped."""

    def __init__(self, overall_max_rate: float = 30, give_up_after: float = GIVE_UP_AFTER) -> None:
        self._overall = AsyncLimiter(overall_max_rate, 1) if overall_max_rate > 0 else None
        self.give_up_after = give_up_after
        self._paused_until: dict[object, float] = {}
        self.dropped = 0  # sends given up after give_up_after seconds

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send, waiting for this chat's 429 pause; retry what may succeed later."""
        chat = data.get("chat_id")
        deadline = time.monotonic() + self.give_up_after
        backoff = SEND_BACKOFF_FIRST
        while True:
            await self._wait_for_chat(chat)
            try:
                if self._overall is None:
                    return await callback(*args, **kwargs)
                async with self._overall:
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after) + 0.1
                if chat is not None:  # only this chat waits; the others go on
                    self._paused_until[chat] = max(
                        self._paused_until.get(chat, 0.0), time.monotonic() + wait
                    )
                error: Exception = exc
            except BadRequest:  # our request is wrong: sending it again won't help
                raise
            except NetworkError as exc:  # 5xx, connection trouble, time-outs
                wait, backoff = backoff, min(backoff * 2, SEND_BACKOFF_MAX)
                error = exc
            if time.monotonic() + wait > deadline:
                self.dropped += 1
                log.warning(
                    "%s na %.0f s opgegeven (%s); %d bericht(en) verloren sinds de start",
                    endpoint,
                    self.give_up_after,
                    type(error).__name__,
                    self.dropped,
                )
                raise error
            if chat is None or not isinstance(error, RetryAfter):
                await asyncio.sleep(wait)

    async def _wait_for_chat(self, chat: object) -> None:
        until = self._paused_until.get(chat)
        if until is None:
            return
        left = until - time.monotonic()
        if left > 0:
            await asyncio.sleep(left)
        if self._paused_until.get(chat, 0.0) <= time.monotonic():
            self._paused_until.pop(chat, None)

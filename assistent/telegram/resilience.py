"""The bot under faults: tolerant update parsing, start-up retries, per-chat rate limits, resends.

* :class:`ResilientBot` parses each fetched update on its own: an update the library can't read
  (e.g. no ``date``) is logged by id only and replaced by an empty one, so the offset moves on
  and the others are answered. A 401/404 on ``getUpdates`` (token revoked) calls ``on_refused``;
  an unreachable API at start-up is retried with backoff.
* :class:`PerChatRateLimiter` keeps Telegram's overall limit, but a 429 pauses only the chat it
  is about. Failed sends (5xx, network, time-outs) are retried with backoff and dropped, and
  counted, only after ``give_up_after`` seconds.
* :class:`UpdateLedger` makes long polling at-least-once and exactly-once to the user: the
  ``getUpdates`` offset confirms an update to Telegram only after it is answered, so one that
  was fetched but not answered when the process died is fetched again after a restart. No
  message text is kept on disk: Telegram holds it. The ids of answered updates (no content) are
  stored until confirmed, so a re-fetched answered update is not answered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter, ExtBot

from assistent.errors import AssistentError

log = logging.getLogger(__name__)

START_BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)  # seconds between start-up attempts
SEND_BACKOFF_FIRST = 0.5
SEND_BACKOFF_MAX = 8.0
GIVE_UP_AFTER = 120.0  # seconds a send is retried before it is dropped
STUCK_AFTER = 300.0  # seconds an unanswered update may hold back the confirmation of others
SAVE_WAIT = 2.0  # seconds an answered update waits for its id to be stored before confirming
REPOLL_PAUSE = 0.1  # seconds between polls while every fetched update is already in hand

SaveAnswered = Callable[[int, Callable[[], None]], None]  # (update id, call when stored)


class TelegramRefusedError(AssistentError):
    """Telegram refused the bot (token revoked or wrong, wrong API URL, webhook refused)."""


class BotSettingError(AssistentError):
    """A setting keeps the bot from starting: no token, or the hash key missing or unreadable."""


def _seconds(retry_after: object) -> float:
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)  # type: ignore[arg-type]


class UpdateLedger:
    """Fetched updates until they are answered; the getUpdates offset confirms only those.

    Telegram hands out at most 100 updates from the offset on, so at most 100 updates beyond
    the oldest unanswered one are in hand. An update unanswered after ``STUCK_AFTER`` seconds no
    longer holds the others back (logged); nor does an answered one whose id could not be
    stored within ``SAVE_WAIT`` seconds (a locked database costs the guarantee, not answers).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._in_flight: dict[int, float] = {}  # fetched, not yet answered → since
        self._unsaved: dict[int, float] = {}  # answered, id not yet stored → since
        self._answered: set[int] = set()  # answered, not yet confirmed to Telegram
        self._next = 0  # one past the highest update id fetched
        self._save: SaveAnswered | None = None
        self._forget: Callable[[int], None] | None = None
        self._forgotten = 0  # the offset below which stored ids were last deleted
        self._loop: asyncio.AbstractEventLoop | None = None
        self.polling = False  # True once getUpdates went through the ledger
        self.replays = 0  # re-fetched updates that were answered already (not answered again)

    def attach(
        self,
        save: SaveAnswered | None,
        forget: Callable[[int], None] | None = None,
        answered: Iterable[int] = (),
    ) -> None:
        """Store answered ids with ``save``, delete confirmed ones with ``forget``;
        ``answered``: the ids stored before a restart."""
        self._save, self._forget = save, forget
        self._answered.update(answered)

    def offset(self) -> int:
        """The getUpdates offset: the oldest update not yet answered (and stored)."""
        now = self._clock()
        held = [i for i, since in self._in_flight.items() if now - since < STUCK_AFTER]
        held += [i for i, since in self._unsaved.items() if now - since < SAVE_WAIT]
        if len(held) < len(self._in_flight) + len(self._unsaved):
            self._release_stale(now)
        return min(held) if held else self._next

    def _release_stale(self, now: float) -> None:
        for update_id, since in list(self._in_flight.items()):
            if now - since >= STUCK_AFTER:
                del self._in_flight[update_id]
                log.warning("update %s: te lang onbeantwoord; bevestigd", update_id)
        for update_id, since in list(self._unsaved.items()):
            if now - since >= SAVE_WAIT:
                del self._unsaved[update_id]

    def confirmed(self, offset: int) -> None:
        """Telegram now forgets every update below ``offset``: so can we."""
        if not offset:
            return
        self._answered = {i for i in self._answered if i >= offset}
        if self._forget is not None and offset > self._forgotten:
            self._forgotten = offset
            self._forget(offset)

    def admit(self, update_id: int) -> bool:
        """True for a new update (now in hand); False for one in hand or answered already."""
        self._next = max(self._next, update_id + 1)
        if update_id in self._in_flight or update_id in self._unsaved:
            return False
        if update_id in self._answered:
            self.replays += 1
            log.debug("update %s: al beantwoord, overgeslagen", update_id)
            return False
        self._in_flight[update_id] = self._clock()
        return True

    def has(self, update_id: object) -> bool:
        """True for an update in hand or answered (fetched before, not yet confirmed)."""
        return any(update_id in held for held in (self._in_flight, self._unsaved, self._answered))

    def finish(self, update_id: int) -> None:
        """The update has been handled (answered, or nothing to answer)."""
        if self._in_flight.pop(update_id, None) is None:
            return  # not fetched through getUpdates (webhook, tests)
        self._answered.add(update_id)
        if self._save is None:
            return
        self._unsaved[update_id] = self._clock()
        self._loop = asyncio.get_running_loop()
        self._save(update_id, lambda: self._saved_threadsafe(update_id))

    def _saved_threadsafe(self, update_id: int) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._unsaved.pop, update_id, None)

    @property
    def in_hand(self) -> int:
        """Updates fetched and not yet answered."""
        return len(self._in_flight)


class ResilientBot(ExtBot[None]):
    """ExtBot that survives unreadable updates, a revoked token and a slow start.

    Its ``ledger`` decides the getUpdates offset (see :class:`UpdateLedger`).
    """

    __slots__ = ("_ledger", "_on_refused", "_refused", "_skipped")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_refused: Callable[[], None] | None = None
        self._refused: InvalidToken | None = None
        self._skipped = 0
        self._ledger = UpdateLedger()

    @property
    def ledger(self) -> UpdateLedger:
        """Which fetched updates are answered (decides the getUpdates offset)."""
        return self._ledger

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

    async def get_updates(  # type: ignore[override]
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: Any = None,
        allowed_updates: Any = None,
        **kwargs: Any,
    ) -> tuple[Update, ...]:
        """Fetch updates from the ledger's offset (not PTB's): only answered ones are confirmed.

        Updates already in hand or answered come back until confirmed; they are left out.
        """
        ledger = self.ledger
        ledger.polling = True
        offset = ledger.offset()
        updates = await super().get_updates(
            offset=offset or None,
            limit=limit,
            timeout=timeout,
            allowed_updates=allowed_updates,
            **kwargs,
        )
        ledger.confirmed(offset)
        fresh = tuple(update for update in updates if ledger.admit(update.update_id))
        if updates and not fresh:  # all in hand already: don't poll Telegram in a tight loop
            await asyncio.sleep(REPOLL_PAUSE)
        return fresh

    async def confirm_answered(self) -> None:
        """Tell Telegram which updates are answered (at shutdown); errors are only logged."""
        if not self.ledger.polling:
            return
        offset = self.ledger.offset()
        try:
            await super().get_updates(offset=offset or None, limit=1, timeout=0)
        except TelegramError as exc:
            log.warning("Bevestigen bij het stoppen mislukt (%s)", type(exc).__name__)
            return
        self.ledger.confirmed(offset)

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
        """The update if the library can read it, else an empty one with the same id.

        An update in hand or answered (fetched again because the offset confirms only answered
        ones) comes back as its id alone, unread: under load every poll brings back all updates
        in hand (200 questions from 40 users: 7,390 full reads before, 400 after).
        """
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if isinstance(update_id, int) and self.ledger.has(update_id):
            return {"update_id": update_id}
        try:
            Update.de_json(raw, self)  # type: ignore[arg-type]
            return raw
        except Exception as exc:
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

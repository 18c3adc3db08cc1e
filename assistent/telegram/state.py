"""Typed bot and user state: what the application keeps between updates (PTB ``ContextTypes``).

Following python-telegram-bot's ``contexttypesbot`` example, ``context.bot_data`` is a
:class:`BotState` and ``context.user_data`` a :class:`UserState` instead of string-keyed dicts.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from assistent.conversation import Conversation, Session
from assistent.instance import Instance
from assistent.store import Store

MAX_RATED = 50  # answers per user whose 👍/👎 is remembered (one vote per answer)
MAX_SEEN_UPDATES = 10_000  # update ids remembered to answer a duplicate once
SESSION_IDLE = 30 * 60.0  # seconds without an update after which a session is forgotten
clock: Callable[[], float] = time.monotonic  # the sessions' clock (tests and benchmarks set it)


def now() -> float:
    """The sessions' clock now."""
    return clock()


T = TypeVar("T")


def _ready(value: T | None, what: str) -> T:
    if value is None:  # a wiring error, not something a user can cause
        raise RuntimeError(f"BotState.{what} is er nog niet (post_init niet gedraaid?)")
    return value


@dataclass
class BotState:
    """Shared by all users (``context.bot_data``): the instance and the long-lived resources.

    PTB creates it empty. ``build_application`` attaches the instance; ``post_init`` opens the
    store and the conversation and ``post_shutdown`` closes them. Reading a part that is not
    there yet raises, so handlers need no asserts.
    """

    _instance: Instance | None = None
    _store: Store | None = None
    _conversation: Conversation | None = None
    purge_task: asyncio.Task[None] | None = None  # the daily purge without PTB's job queue
    sweep_task: asyncio.Task[None] | None = None  # forgets idle sessions
    reloading: bool = False  # an admin /herlaad is running
    _seen_updates: OrderedDict[int, None] = field(default_factory=OrderedDict)

    def first_time(self, update_id: int) -> bool:
        """True the first time an update id comes by (remembers the last MAX_SEEN_UPDATES)."""
        if update_id in self._seen_updates:
            return False
        self._seen_updates[update_id] = None
        if len(self._seen_updates) > MAX_SEEN_UPDATES:
            self._seen_updates.popitem(last=False)
        return True

    @property
    def instance(self) -> Instance:
        """The instance this bot serves (its settings, and the assistant that serves now)."""
        return _ready(self._instance, "instance")

    @property
    def store(self) -> Store:
        """The SQLite store of anonymous counts and profiles."""
        return _ready(self._store, "store")

    @property
    def conversation(self) -> Conversation:
        """The dialogue; it asks the instance for the current assistant, so reloads need nothing."""
        return _ready(self._conversation, "conversation")

    def attach(self, instance: Instance) -> None:
        """Serve this instance (``build_application``)."""
        self._instance = instance

    def open(self, store: Store, conversation: Conversation) -> None:
        """Keep the resources ``post_init`` opened."""
        self._store = store
        self._conversation = conversation

    def close(self) -> None:
        """Close the store (``post_shutdown``); the conversation goes with it."""
        store, self._store, self._conversation = self._store, None, None
        if store is not None:
            store.close()


@dataclass
class UserState:
    """One user's state (``context.user_data``), in memory only."""

    session: Session | None = None  # loaded (with the stored profile) on first use
    answer_seq: int = 0  # number of the user's last answer; its "Meer" button carries it
    rated: list[int] = field(default_factory=list)  # message ids of answers already rated
    seen: float = field(default_factory=now)  # last update (sessions expire)

    def touch(self) -> None:
        """This user just sent an update: the session stays alive."""
        self.seen = now()

    def rate_once(self, message_id: int) -> bool:
        """True the first time an answer is rated; remembers the last MAX_RATED answers."""
        if message_id in self.rated:
            return False
        self.rated.append(message_id)
        del self.rated[:-MAX_RATED]
        return True

    def clear(self) -> None:
        """Forget everything (``/vergeet``): the next update starts a fresh session."""
        self.session = None
        self.answer_seq = 0
        self.rated.clear()


ChatData = dict[Any, Any]  # the bot keeps nothing per chat
Context = CallbackContext[ExtBot[None], UserState, ChatData, BotState]
BotApplication = Application[ExtBot[None], Context, UserState, ChatData, BotState, Any]
CONTEXT_TYPES: ContextTypes[Context, UserState, ChatData, BotState] = ContextTypes(
    context=CallbackContext, user_data=UserState, bot_data=BotState
)


def user_state(context: Context) -> UserState:
    """The state of the user behind this update (every handler that needs it has a user)."""
    if context.user_data is None:
        raise RuntimeError("deze update komt niet van een gebruiker")
    return context.user_data

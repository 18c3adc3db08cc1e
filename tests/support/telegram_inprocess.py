"""An in-process Telegram double: the real application, with a recording request instead of HTTP.

No mocking library: :class:`RecordingRequest` is a ``telegram.request.BaseRequest`` that records
every Bot API call and answers with canned JSON, so the whole bot (defaults, rate limiter,
handlers, error handler) runs exactly as in production, minus the network. :class:`Harness`
plays a Telegram user through ``Application.process_update``; :func:`play` runs a scenario
against a freshly initialised application. The HTTP fake of the Bot API is ``telegram.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

from assistent.instance import Instance
from assistent.store import Store
from assistent.telegram.app import build_application
from assistent.telegram.state import BotApplication

TOKEN = "123456:TEST-token_abc"
USER = 4242
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Opvoedassistent", "username": "t_bot"}

Calls = list[tuple[str, dict[str, Any]]]


class RecordingRequest(BaseRequest):
    """Records every Bot API call and answers it with canned JSON."""

    def __init__(self) -> None:
        self.calls: Calls = []
        self._ids = itertools.count(1)

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append((endpoint, params))
        result: Any = True
        if endpoint == "getMe":
            result = BOT_USER
        elif endpoint in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            result = {
                "message_id": params.get("message_id") or next(self._ids),
                "date": int(time.time()),
                "chat": {"id": params["chat_id"], "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", "x"),
            }
            if "reply_markup" in params:
                result["reply_markup"] = params["reply_markup"]
        return 200, json.dumps({"ok": True, "result": result}).encode()


class Harness:
    """Plays a Telegram user against the application; returns the calls each step caused."""

    def __init__(self, app: BotApplication, request: RecordingRequest) -> None:
        self.app = app
        self.request = request
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)

    async def update(self, payload: dict) -> Calls:
        before = len(self.request.calls)
        data = {"update_id": next(self._update_ids), **payload}
        await self.app.process_update(Update.de_json(data, self.app.bot))
        return self.request.calls[before:]

    def message(self, user: int, chat_type: str = "private", **content: Any) -> dict:
        chat: dict[str, Any] = {"id": user, "type": chat_type}
        if chat_type != "private":
            chat = {"id": -1001, "type": chat_type, "title": "Groep"}
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": user, "is_bot": False, "first_name": "Sam"},
            **content,
        }

    async def text(self, text: str, user: int = USER, chat_type: str = "private") -> Calls:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return await self.update({"message": self.message(user, chat_type, **content)})

    async def press(
        self, data: str, user: int = USER, markup: dict | None = None, message_id: int = 1
    ) -> Calls:
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private"},
            "from": BOT_USER,
            "text": "eerder antwoord",
        }
        if markup:
            message["reply_markup"] = markup
        query = {
            "id": f"q{next(self._update_ids)}",
            "from": {"id": user, "is_bot": False, "first_name": "Sam"},
            "chat_instance": "ci",
            "data": data,
            "message": message,
        }
        return await self.update({"callback_query": query})

    @property
    def store(self) -> Store:
        return self.app.bot_data.store


def sent(calls: Calls, method: str = "sendMessage") -> list[dict]:
    """The parameters of every call of ``method``."""
    return [params for name, params in calls if name == method]


def texts(calls: Calls) -> list[str]:
    """The texts sent, then the texts edited."""
    return [p["text"] for p in sent(calls)] + [p["text"] for p in sent(calls, "editMessageText")]


def callback_data(params: dict) -> list[str]:
    """The callback data (or URL) of every inline button, row by row."""
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [b.get("callback_data") or b.get("url") for row in rows for b in row]


def play(instance: Instance, scenario: Callable[[Harness], Awaitable[None]]) -> RecordingRequest:
    """Run a scenario against a freshly initialised application (post_init/post_shutdown too)."""
    request = RecordingRequest()
    app = build_application(instance, request=request)

    async def main() -> None:
        await app.initialize()
        await app.post_init(app)
        try:
            await scenario(Harness(app, request))
        finally:
            await app.shutdown()
            await app.post_shutdown(app)

    asyncio.run(main())
    return request

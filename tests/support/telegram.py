"""A real local HTTP fake of the Telegram Bot API, for end-to-end tests and the load benchmark.

It listens on 127.0.0.1 (a free port), speaks enough of the Bot API for the bot
(``getMe``, ``getUpdates`` with long polling and offsets, ``sendMessage``, ``editMessageText``,
``editMessageReplyMarkup``, ``answerCallbackQuery``, ``deleteWebhook``, ``setMyCommands``, ...),
records every call, and lets a test play a user: push messages, commands, stickers or button
presses and wait (always with a timeout) for what the bot sent back. It can also fail a method
once with a 429 or a 502, to prove the bot survives.

Point the bot at it with ``base_url=fake.base_url`` (``ASSISTENT_TELEGRAM_BASE_URL``).
:class:`BotRunner` runs the real bot against it in a thread; :class:`BotProcess` runs it as its
own process (``run_bot`` with the fast fake embedder), to be killed with SIGKILL. The
in-process double (no HTTP at all) is ``telegram_inprocess.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from assistent.config import Settings
from assistent.instance import Instance
from assistent.telegram.app import build_application, run_application, run_bot
from tests.support import ROOT, FakeEmbedder

BOT_ID = 999_000_111
BOT_USERNAME = "opvoed_test_bot"
TOKEN = f"{BOT_ID}:FAKE-token_for-tests"
# Form fields PTB sends JSON-encoded; everything else arrives as plain text.
_JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "link_preview_options",
    "entities",
    "reply_parameters",
}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id"}
MAX_LONG_POLL = 30.0


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class BotMessage:
    """A message the bot sent (and its current state after edits)."""

    chat_id: int
    message_id: int
    text: str
    reply_markup: dict | None
    parse_mode: str | None
    at: float = field(default_factory=time.monotonic)
    edits: int = 0

    def buttons(self) -> list[dict]:
        """All inline buttons, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def button(self, label_part: str) -> dict:
        """The first button whose label contains ``label_part``; KeyError if none."""
        for button in self.buttons():
            if label_part in button["text"]:
                return button
        labels = [b["text"] for b in self.buttons()]
        raise KeyError(f"geen knop met {label_part!r} in {labels}")


class FakeTelegram:
    """The fake Bot API server. Use as a context manager, or call start()/stop()."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: list[BotMessage] = []
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._user_message_ids = itertools.count(100_000)
        self._failures: dict[str, list[tuple[int, int | None, int | None]]] = {}
        self.revoked = False  # True: every call gets 401 (a revoked token)
        self._truncated: dict[str, str] = {}
        self.polls = 0
        self.on_poll: Callable[[int], None] | None = None  # called with the poll count
        self._cond = threading.Condition()
        self._stopped = False
        self._poll_generation = 0
        self.delivered: dict[int, int] = {}  # update_id → times handed out by getUpdates
        self.on_message: Callable[[BotMessage], None] | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle ---
    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """Base URL in PTB form: the token is appended to it."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeTelegram:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wake every waiting long poll."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- failure injection ---
    def fail_once(
        self,
        method: str,
        status: int,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Let the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail with HTTP
        ``status`` (429 with ``retry_after``, 5xx, or 401/404)."""
        with self._cond:
            self._failures.setdefault(method, []).extend([(status, retry_after, chat_id)] * times)

    def truncate_next(self, method: str, body: str) -> None:
        """Answer the next call of ``method`` with this (broken) body, HTTP 200."""
        with self._cond:
            self._truncated[method] = body

    def revoke(self) -> None:
        """From now on every call is refused with 401, as after /revoke at BotFather."""
        with self._cond:
            self.revoked = True
            self._cond.notify_all()

    def push_raw(self, update: dict) -> int:
        """Push any update as it is (e.g. malformed: no ``date``); returns its update_id."""
        return self._push(update)

    # --- playing a user ---
    def _push(self, update: dict) -> int:
        with self._cond:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self._cond.notify_all()
        return update_id

    @staticmethod
    def _user(user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": f"Gebruiker{user_id}"}

    @staticmethod
    def _chat(chat_id: int, chat_type: str) -> dict:
        if chat_type == "private":
            return {"id": chat_id, "type": "private", "first_name": f"Gebruiker{chat_id}"}
        return {"id": chat_id, "type": chat_type, "title": "Een groep"}

    def _message(self, user_id: int, chat_id: int | None, chat_type: str, **content: Any) -> dict:
        return {
            "message_id": next(self._user_message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id if chat_id is not None else user_id, chat_type),
            "from": self._user(user_id),
            **content,
        }

    def send_text(
        self, user_id: int, text: str, chat_type: str = "private", chat_id: int | None = None
    ) -> int:
        """A user types ``text`` (commands get their bot_command entity); returns update_id."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._push({"message": self._message(user_id, chat_id, chat_type, **content)})

    def send_sticker(self, user_id: int) -> int:
        """A user sends a sticker."""
        sticker = {
            "file_id": "sticker-1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self._push({"message": self._message(user_id, None, "private", sticker=sticker)})

    def send_voice(self, user_id: int) -> int:
        """A user sends a voice message."""
        voice = {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3}
        return self._push({"message": self._message(user_id, None, "private", voice=voice)})

    def edit_text(self, user_id: int, text: str) -> int:
        """A user edits an earlier message."""
        message = self._message(user_id, None, "private", text=text)
        message["edit_date"] = int(time.time())
        return self._push({"edited_message": message})

    def press(self, user_id: int, message: BotMessage, data: str) -> int:
        """A user presses an inline button with callback ``data`` under a bot message."""
        query = {
            "id": f"cq-{next(self._update_ids)}",
            "from": self._user(user_id),
            "chat_instance": f"ci-{message.chat_id}",
            "data": data,
            "message": {
                "message_id": message.message_id,
                "date": int(time.time()),
                "chat": self._chat(message.chat_id, "private"),
                "from": self._bot_user(),
                "text": message.text,
                **({"reply_markup": message.reply_markup} if message.reply_markup else {}),
            },
        }
        return self._push({"callback_query": query})

    # --- observing the bot ---
    def calls_of(self, method: str) -> list[Call]:
        """Every recorded call of one method."""
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def messages_to(self, chat_id: int) -> list[BotMessage]:
        """Messages the bot sent to one chat, oldest first."""
        with self._cond:
            return [m for m in self.messages if m.chat_id == chat_id]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        """Wait until ``predicate()`` is truthy (checked on every call); TimeoutError if not."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"de bot reageerde niet binnen {timeout} s")
                self._cond.wait(min(left, 0.5))

    def wait_messages(
        self, chat_id: int, after: int, count: int = 1, timeout: float = 20.0
    ) -> list[BotMessage]:
        """Wait for ``count`` new messages to ``chat_id`` beyond the first ``after`` ones."""
        return self.wait_for(
            lambda: (new := self.messages_to(chat_id)[after:]) and len(new) >= count and new,
            timeout,
        )

    def wait_call(self, method: str, after: int = 0, timeout: float = 20.0, **params: Any) -> Call:
        """Wait for the first call of ``method`` beyond the first ``after`` matching ``params``."""

        def found() -> Call | None:
            hits = [
                c
                for c in self.calls_of(method)
                if all(c.params.get(k) == v for k, v in params.items())
            ]
            return hits[after] if len(hits) > after else None

        return self.wait_for(found, timeout)

    def pending_updates(self) -> int:
        """Updates pushed but not yet confirmed by the bot (via the getUpdates offset)."""
        with self._cond:
            return len(self._updates)

    # --- the API ---
    def _bot_user(self) -> dict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Opvoedassistent",
            "username": BOT_USERNAME,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _get_updates(self, params: dict[str, Any]) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        deadline = time.monotonic() + timeout
        with self._cond:
            # Like Telegram, a newer getUpdates ends an older one (e.g. of a stopped bot).
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._stopped and not self.revoked:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
                if generation != self._poll_generation:
                    return []
            batch = self._updates[:limit]
            for update in batch:
                self.delivered[update["update_id"]] = self.delivered.get(update["update_id"], 0) + 1
            return batch

    def _store_message(self, params: dict[str, Any]) -> dict:
        message = BotMessage(
            chat_id=int(params["chat_id"]),
            message_id=next(self._message_ids),
            text=str(params.get("text", "")),
            reply_markup=params.get("reply_markup"),
            parse_mode=params.get("parse_mode"),
        )
        with self._cond:
            self.messages.append(message)
            self._cond.notify_all()
        if self.on_message is not None:
            self.on_message(message)
        return self._message_json(message)

    def _message_json(self, message: BotMessage) -> dict:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": self._chat(message.chat_id, "private"),
            "from": self._bot_user(),
            "text": message.text,
        }
        if message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    def _edit(self, params: dict[str, Any], text: bool) -> dict | bool:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        with self._cond:
            for message in self.messages:
                if message.chat_id == chat_id and message.message_id == message_id:
                    if text:
                        message.text = str(params["text"])
                        message.parse_mode = params.get("parse_mode")
                    message.reply_markup = params.get("reply_markup")
                    message.edits += 1
                    self._cond.notify_all()
                    return self._message_json(message)
        raise _ApiError(400, "Bad Request: message to edit not found")

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        """Answer one API call (after recording it); raises _ApiError for API errors."""
        with self._cond:
            self.calls.append(Call(method, params))
            self._cond.notify_all()
            failure = self._take_failure(method, params)
            if method == "getUpdates":
                self.polls += 1
                hook = self.on_poll
            else:
                hook = None
            truncated = self._truncated.pop(method, None)
        if hook is not None:
            hook(self.polls)
        if truncated is not None:
            raise _RawReply(truncated)
        with self._cond:
            if self.revoked:
                raise _ApiError(401, "Unauthorized")
        if failure is not None:
            status, retry_after = failure
            raise _ApiError(status, "injected", retry_after)
        if method == "getMe":
            return self._bot_user()
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "sendMessage":
            if not str(params.get("text", "")).strip():
                raise _ApiError(400, "Bad Request: message text is empty")
            if len(str(params["text"])) > 4096:
                raise _ApiError(400, "Bad Request: message is too long")
            return self._store_message(params)
        if method == "editMessageText":
            return self._edit(params, text=True)
        if method == "editMessageReplyMarkup":
            return self._edit(params, text=False)
        if method in {
            "answerCallbackQuery",
            "deleteWebhook",
            "setWebhook",
            "setMyCommands",
            "deleteMyCommands",
            "sendChatAction",
            "close",
            "logOut",
        }:
            return True
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        raise _ApiError(404, "Not Found: method not found")

    def _take_failure(self, method: str, params: dict[str, Any]) -> tuple[int, int | None] | None:
        failures = self._failures.get(method) or []
        for i, (status, retry_after, chat_id) in enumerate(failures):
            if chat_id is None or params.get("chat_id") == chat_id:
                del failures[i]
                return status, retry_after
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                prefix = f"/bot{fake.token}/"
                if not parts.path.startswith(prefix):
                    self._reply(
                        401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    )
                    return
                method = parts.path[len(prefix) :]
                params = _parse_params(parts.query, body, self.headers.get("Content-Type", ""))
                try:
                    result = fake.handle(method, params)
                except _RawReply as raw:
                    self._reply(200, None, raw.body.encode())
                    return
                except _ApiError as exc:
                    if exc.status >= 500:
                        self._reply(exc.status, None)
                        return
                    payload: dict[str, Any] = {
                        "ok": False,
                        "error_code": exc.status,
                        "description": exc.description,
                    }
                    if exc.retry_after is not None:
                        payload["description"] = f"Too Many Requests: retry after {exc.retry_after}"
                        payload["parameters"] = {"retry_after": exc.retry_after}
                    self._reply(exc.status, payload)
                    return
                self._reply(200, {"ok": True, "result": result})

            def _reply(self, status: int, payload: dict | None, raw: bytes | None = None) -> None:
                data = b"Bad Gateway" if payload is None else json.dumps(payload).encode()
                data = raw if raw is not None else data
                try:
                    self.send_response(status)
                    ctype = "text/plain" if payload is None else "application/json"
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the bot gave up on this request (shutdown, cancelled poll)
                    pass

        return Handler


class _RawReply(Exception):
    def __init__(self, body: str) -> None:
        super().__init__("raw")
        self.body = body


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _parse_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
    if body and "application/json" in content_type:
        params.update(json.loads(body))
        return params
    if body:
        for key, values in parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
            value: Any = values[-1]
            if key in _JSON_FIELDS:
                value = json.loads(value)
            elif key in _INT_FIELDS:
                value = int(value) if value.lstrip("-").isdigit() else value
            params[key] = value
    return params


class BotRunner:
    """Runs the real bot like ``assistent bot`` does, in a thread with its own event loop.

    ``build_application(instance)`` + ``run_application(app)`` (long polling); ``stop()`` stops it
    the way Ctrl-C would and re-raises anything the bot thread raised.
    """

    def __init__(self, instance: Instance, timeout: float = 20.0, **build: Any) -> None:
        self.app = build_application(instance, **build)
        self.error: BaseException | None = None
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="bot", daemon=True)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        try:
            run_application(self.app, stop_signals=None)
        except BaseException as exc:  # surfaced in stop()
            self.error = exc

    def start(self) -> BotRunner:
        """Start the bot thread."""
        self._thread.start()
        return self

    def wait(self, timeout: float) -> bool:
        """Wait until the bot stopped by itself; False if it still runs after ``timeout``."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self) -> None:
        """Stop polling, shut down cleanly, and re-raise any error of the bot thread."""
        deadline = time.monotonic() + self.timeout
        while self._loop is None and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self.app.stop_running)
        self._thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if self._thread.is_alive():
            raise TimeoutError("de bot stopte niet op tijd")
        if self.error is not None:
            raise self.error

    def __enter__(self) -> BotRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_PROCESS_NUMBERS = itertools.count(1)


class BotProcess:
    """The real bot (``run_bot``, long polling, fake embedder) as its own process.

    The settings come from the environment (``ASSISTENT_*``) as for ``assistent bot``; the index
    in ``index_dir`` must have been built with :class:`FakeEmbedder`.
    """

    def __init__(self, settings: Settings, fake: FakeTelegram) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTENT_")}
        self.env.update(
            ASSISTENT_TELEGRAM_TOKEN=fake.token,
            ASSISTENT_TELEGRAM_BASE_URL=fake.base_url,
            ASSISTENT_KENNISBANK=str(settings.kennisbank),
            ASSISTENT_INDEX_DIR=str(settings.index_dir),
            ASSISTENT_DATA_DIR=str(settings.data_dir),
            ASSISTENT_CRISIS_MODEL_DIR=str(settings.safety_dir),  # the trained model, not anew
            ASSISTENT_TELEGRAM_MAX_RATE="0",
            PYTHONPATH=str(ROOT),
        )
        self.process: subprocess.Popen[str] | None = None
        # beside the bot's database: a fresh folder per test
        self._log = Path(settings.data_dir) / f"bot-{next(_PROCESS_NUMBERS)}.log"

    def start(self) -> BotProcess:
        """Start the process (it is ready once its first getUpdates arrives)."""
        # The log goes to a file, never to an unread pipe: with a pipe, the process froze (every
        # thread that logs waits) once 64 KiB of log were written, about 250 answered updates.
        self._log.parent.mkdir(parents=True, exist_ok=True)
        with open(self._log, "w", encoding="utf-8") as log:  # the process keeps its own handle
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from tests.support.telegram import serve; serve()"],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
                text=True,
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as with a power cut of the process or the OOM killer."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def dump_stacks(self) -> None:
        """Have the process print every thread's stack to its log (for a failing test)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(1.0)

    def log(self) -> str:
        """Everything the process wrote to stderr so far."""
        return self._log.read_text("utf-8") if self._log.exists() else ""

    def stop(self, timeout: float = 30.0) -> tuple[int, str]:
        """SIGTERM and wait; returns the exit code and stderr."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.process.returncode, self.log()


def serve() -> None:
    """Entry point of :class:`BotProcess`: ``assistent bot``, with the fake embedder."""
    import faulthandler

    from assistent.logs import configure

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # see BotProcess.dump_stacks
    configure()
    run_bot(Instance.open(Settings(_env_file=None), embedder=FakeEmbedder()))

"""The webhook server, hardened: path, secret and size are checked before any body is read.

PTB's own webhook handler lets tornado read the whole body (up to 100 MB) before it looks at
the secret, and logs an unreadable update with its content. :class:`GuardedUpdater` serves the
same webhook with :class:`GuardedHandler` instead: a wrong path gets 404, a missing or wrong
``X-Telegram-Bot-Api-Secret-Token`` 403 and a body over ``MAX_BODY`` bytes 413, each before the
body is read; the handler never keeps more than ``MAX_BODY`` and tornado drops a connection past
twice that. An unreadable update gets 400 and is logged by id only.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ExtBot, Updater
from tornado.httpserver import HTTPServer

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # bytes; Telegram's updates are a few KB
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@tornado.web.stream_request_body
class GuardedHandler(tornado.web.RequestHandler):
    """Takes one update per POST; refuses before reading the body when anything is off."""

    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, bot: ExtBot[Any], update_queue: asyncio.Queue, secret: str) -> None:
        """Per request: the bot, the application's queue and the expected secret."""
        self.bot = bot
        self.update_queue = update_queue
        self.secret = secret
        self.chunks: list[bytes] = []
        self.size = 0

    def set_default_headers(self) -> None:
        """Answers are JSON (empty)."""
        self.set_header("Content-Type", 'application/json; charset="utf-8"')

    def prepare(self) -> None:
        """Check secret, type and declared size; only the headers have been read so far."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        if self.request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def data_received(self, chunk: bytes) -> None:
        """Collect the body, at most MAX_BODY bytes (also without a Content-Length)."""
        self.size += len(chunk)
        if self.size > MAX_BODY:
            self.chunks.clear()
            if not self._finished:  # answer now; tornado then drops the connection
                self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return
        self.chunks.append(chunk)

    async def post(self) -> None:
        """Hand a readable update to the application; never log its content."""
        if self._finished:  # refused while the body came in
            return
        data: object = None
        try:
            data = json.loads(b"".join(self.chunks))
            update = Update.de_json(data, self.bot)  # type: ignore[arg-type]
        except Exception as exc:
            update_id = data.get("update_id") if isinstance(data, dict) else None
            log.warning(
                "webhook: update %s onleesbaar (%s)",
                update_id if isinstance(update_id, int) else "?",
                type(exc).__name__,
            )
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        if update is None:
            return
        self.bot.insert_callback_data(update)
        await self.update_queue.put(update)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """An empty refusal that ends the connection: its body may not have been read, so a
        keep-alive client must not send its next update on it (it would be reset)."""
        self.set_header("Connection", "close")
        self.finish()

    def log_exception(self, *args: Any) -> None:
        """Refusals are expected; nothing about a request reaches the log."""


class NotFoundHandler(GuardedHandler):
    """Any other path: 404 before reading the body."""

    def prepare(self) -> None:
        """Refuse at once."""
        raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)


class _Server:
    """Tornado's HTTP server with a body limit, shaped like PTB's ``WebhookServer``."""

    def __init__(self, listen: str, port: int, app: tornado.web.Application) -> None:
        # A backstop above MAX_BODY, so that the handler (not a closed connection) answers 413.
        self._http_server = HTTPServer(app, max_body_size=2 * MAX_BODY)
        self.listen = listen
        self.port = port
        self.is_running = False

    async def serve_forever(self, ready: asyncio.Event | None = None) -> None:
        self._http_server.listen(self.port, address=self.listen)
        self.is_running = True
        if ready is not None:
            ready.set()

    async def shutdown(self) -> None:
        if not self.is_running:
            return
        self.is_running = False
        self._http_server.stop()
        await self._http_server.close_all_connections()


class GuardedUpdater(Updater):
    """PTB's updater, with :class:`GuardedHandler` behind the webhook (polling unchanged)."""

    async def _start_webhook(  # type: ignore[override]
        self,
        listen: str,
        port: int,
        url_path: str,
        bootstrap_retries: int,
        allowed_updates: Any,
        webhook_url: str | None = None,
        ready: asyncio.Event | None = None,
        secret_token: str | None = None,
        drop_pending_updates: bool | None = None,
        max_connections: int = 40,
        ip_address: str | None = None,
        **unsupported: Any,  # cert, key, unix: TLS ends at the reverse proxy
    ) -> None:
        if not secret_token:
            raise TelegramError("webhook zonder secret_token")
        path = url_path if url_path.startswith("/") else f"/{url_path}"
        shared = {"bot": self.bot, "update_queue": self.update_queue, "secret": secret_token}
        app = tornado.web.Application(
            [(rf"{path}/?", GuardedHandler, shared)],
            default_handler_class=NotFoundHandler,
            default_handler_args=shared,
            log_function=lambda handler: None,
        )
        self._httpd = _Server(listen, port, app)  # type: ignore[assignment]
        await self._bootstrap(
            max_retries=bootstrap_retries,
            drop_pending_updates=drop_pending_updates,
            webhook_url=webhook_url or f"http://{listen}:{port}{path}",
            allowed_updates=allowed_updates,
            ip_address=ip_address,
            max_connections=max_connections,
            secret_token=secret_token,
        )
        await self._httpd.serve_forever(ready=ready)  # type: ignore[union-attr]

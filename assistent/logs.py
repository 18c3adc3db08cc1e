"""Logging set-up for every entry point, and bot-token redaction (no telegram import).

The Bot API puts the token in every request URL, so a process that talks to Telegram calls
``protect_logs(token)`` before anything logs: HTTP client logs go quiet and every handler of the
root logger gets a :class:`RedactToken` filter, as a last line of defence.
"""

from __future__ import annotations

import logging

HTTP_LOGGERS = ("httpx", "httpcore")
REDACTED = "<token>"
HIDDEN = "<inhoud weggelaten>"


def configure(level: int = logging.INFO) -> None:
    """Logging for an entry point: one format, libraries' chatter and request URLs kept out."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_http_logs()
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    # bm25s sets its own logger to DEBUG on import; the handlers' level keeps that out.
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Telegram URLs contain the token."""
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)


class RedactToken(logging.Filter):
    """Replaces the bot token in log records, as a last line of defence."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the message and any exception text; never drops a record."""
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, REDACTED)
            record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, REDACTED)
        return True


def redact(text: str, token: str | None) -> str:
    """``text`` without the token (also its secret half after the colon)."""
    if not token:
        return text
    text = text.replace(token, REDACTED)
    secret = token.partition(":")[2]
    return text.replace(secret, REDACTED) if len(secret) >= 8 else text


class HidePayload(logging.Filter):
    """Replaces text arguments of a library's log records: they may hold a user's message.

    The Telegram library logs raw updates and request bodies (an unreadable update at CRITICAL,
    a truncated response at ERROR, every request at DEBUG). Numbers pass; text does not.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Hide every non-numeric argument; never drops a record."""
        args = record.args
        if isinstance(args, dict):
            record.args = {k: _hide(v) for k, v in args.items()}
        elif args:
            record.args = tuple(_hide(a) for a in args)
        return True


def _hide(value: object) -> object:
    return value if isinstance(value, int | float) else HIDDEN


def hide_payloads(prefix: str) -> None:
    """Add :class:`HidePayload` to every logger under ``prefix`` that exists now."""
    names = [n for n in logging.root.manager.loggerDict if n.startswith(f"{prefix}.")]
    for name in [prefix, *names]:
        logger = logging.getLogger(name)
        if not any(isinstance(f, HidePayload) for f in logger.filters):
            logger.addFilter(HidePayload())


def protect_logs(token: str) -> None:
    """Keep the token out of every log handler of the root logger."""
    quiet_http_logs()
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactToken) for f in handler.filters):
            handler.addFilter(redact)

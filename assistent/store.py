"""SQLite storage: user profiles and anonymous counters. No message text unless opted in.

Users are stored under a keyed hash of their chat id (the key lives in the database), so the
file holds no Telegram ids. Events carry no user key at all: they are anonymous counts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from assistent.profile import Profile


@dataclass(frozen=True)
class Event:
    """One anonymous count."""

    kind: str
    gemeente: str | None = None
    wijk: str | None = None
    soort: str | None = None
    onderwerp: str | None = None
    abstained: bool | None = None
    crisis: str | None = None
    feedback: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def _period(since: datetime | None, until: datetime | None) -> tuple[str, str]:
    """ISO bounds of a period for ``ts >= ? AND ts < ?``; a missing end is open."""
    lo = since or datetime(1970, 1, 1, tzinfo=UTC)
    hi = until or datetime(9999, 1, 1, tzinfo=UTC)
    return lo.isoformat(), hi.isoformat()


class Store:
    """Profiles, counters and (opt-in) question texts in one SQLite file."""

    def __init__(self, path: Path, *, store_question_text: bool = False) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.store_question_text = store_question_text
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL never corrupts the file; a power cut may lose the last counts only.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(
            resources.files("assistent").joinpath("data", "schema.sql").read_text("utf-8")
        )
        row = self._db.execute("SELECT value FROM meta WHERE key='user_salt'").fetchone()
        if row is None:
            salt = secrets.token_hex(32)
            self._db.execute("INSERT INTO meta VALUES ('user_salt', ?)", (salt,))
        else:
            salt = row[0]
        self._salt = bytes.fromhex(salt)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def user_key(self, user_id: int | str) -> str:
        """Keyed hash of a chat/user id; the id itself is never stored."""
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]

    # --- profiles ---
    def get_profile(self, user_id: int | str) -> Profile | None:
        """The stored profile, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT gemeente, wijk, leeftijd, rol FROM profiles WHERE user_key=?",
                (self.user_key(user_id),),
            ).fetchone()
        return Profile(*row) if row else None

    def save_profile(self, user_id: int | str, profile: Profile) -> None:
        """Insert or replace a profile."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO profiles VALUES (?,?,?,?,?,?)",
                (
                    self.user_key(user_id),
                    profile.gemeente,
                    profile.wijk,
                    profile.leeftijd,
                    profile.rol,
                    _now().isoformat(),
                ),
            )

    def forget(self, user_id: int | str) -> int:
        """Delete everything stored about this user; returns the number of rows removed."""
        key = self.user_key(user_id)
        with self._tx() as db:
            n = db.execute("DELETE FROM profiles WHERE user_key=?", (key,)).rowcount
            n += db.execute("DELETE FROM question_texts WHERE user_key=?", (key,)).rowcount
        return n

    # --- counters ---
    def record(self, event: Event) -> None:
        """Add one anonymous count."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO events (ts, kind, gemeente, wijk, soort, onderwerp, abstained, "
                "crisis, feedback) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    _now().isoformat(),
                    event.kind,
                    event.gemeente,
                    event.wijk,
                    event.soort,
                    event.onderwerp,
                    None if event.abstained is None else int(event.abstained),
                    event.crisis,
                    event.feedback,
                ),
            )

    def record_question_text(self, user_id: int | str, reason: str, text: str) -> bool:
        """Keep a question text for the gap report, only when the operator opted in."""
        if not self.store_question_text:
            return False
        with self._tx() as db:
            db.execute(
                "INSERT INTO question_texts (ts, user_key, reason, text) VALUES (?,?,?,?)",
                (_now().isoformat(), self.user_key(user_id), reason, text[:1000]),
            )
        return True

    def events(self, since: datetime | None = None, until: datetime | None = None) -> list[dict]:
        """Events in a period, as dicts (for reports)."""
        query = "SELECT * FROM events WHERE ts >= ? AND ts < ? ORDER BY ts"
        with self._lock:
            cur = self._db.execute(query, _period(since, until))
            names = [c[0] for c in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def question_texts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict]:
        """Opted-in question texts in a period."""
        with self._lock:
            rows = self._db.execute(
                "SELECT ts, reason, text FROM question_texts WHERE ts >= ? AND ts < ? ORDER BY ts",
                _period(since, until),
            ).fetchall()
        return [{"ts": ts, "reason": reason, "text": text} for ts, reason, text in rows]

    def counts(self) -> dict[str, int]:
        """Totals for /stats."""
        with self._lock:
            q = self._db.execute
            return {
                "vragen": q("SELECT COUNT(*) FROM events WHERE kind='vraag'").fetchone()[0],
                "geen_match": q(
                    "SELECT COUNT(*) FROM events WHERE kind='vraag' AND abstained=1"
                ).fetchone()[0],
                "crisis": q("SELECT COUNT(*) FROM events WHERE kind='crisis'").fetchone()[0],
                "duim_omhoog": q(
                    "SELECT COUNT(*) FROM events WHERE kind='feedback' AND feedback='goed'"
                ).fetchone()[0],
                "duim_omlaag": q(
                    "SELECT COUNT(*) FROM events WHERE kind='feedback' AND feedback='slecht'"
                ).fetchone()[0],
                "profielen": q("SELECT COUNT(*) FROM profiles").fetchone()[0],
            }

    def crisis_counts(self) -> dict[str, int]:
        """Crisis referrals per category."""
        with self._lock:
            rows = self._db.execute(
                "SELECT crisis, COUNT(*) FROM events WHERE kind='crisis' GROUP BY crisis"
            ).fetchall()
        return {str(k): int(v) for k, v in rows}

    def purge(self, retention_days: int) -> int:
        """Delete counts, texts and idle profiles older than the retention period."""
        limit = (_now() - timedelta(days=retention_days)).isoformat()
        with self._tx() as db:
            n = db.execute("DELETE FROM events WHERE ts < ?", (limit,)).rowcount
            n += db.execute("DELETE FROM question_texts WHERE ts < ?", (limit,)).rowcount
            n += db.execute("DELETE FROM profiles WHERE updated < ?", (limit,)).rowcount
        return n

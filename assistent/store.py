"""SQLite storage: user profiles and anonymous counters. No message text unless opted in.

Users are stored under a keyed hash of their chat id, so the file holds no Telegram ids. The
key (``user_salt``) comes from a setting, a separate key file, or (the old default) the
database itself. Events carry no user key at all: they are anonymous counts.

Storage never blocks an answer: writes (counts, profiles, opted-in texts) go to a bounded
in-memory queue that one writer thread flushes; reads wait at most ``READ_TIMEOUT`` for a lock.
A corrupt database is moved aside and a fresh one started; a read-only one is used without
storing; without a usable file the store keeps nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from assistent.profile import Profile

log = logging.getLogger(__name__)

READ_TIMEOUT = 0.05  # seconds a read on the answer path may wait for a lock
WRITE_TIMEOUT = 1.0  # seconds the writer thread waits for a lock before it retries later
BATCH = 500  # writes per transaction
MAX_PENDING = 10_000  # queued writes; beyond this the oldest are dropped (and counted)
FLUSH_TIMEOUT = 5.0  # how long reads for reports, /stats and /vergeet wait for the queue
KEY_BYTES = 32

Op = Callable[[sqlite3.Connection], int]
Done = Callable[[], None] | None


class HashKeyError(ValueError):
    """The key that hashes user ids is unreadable, or missing while profiles exist."""


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
    behoefte: str | None = None  # the question's onderwerp ("" = none fits), never its text
    leeftijd: str | None = None  # an age band (age_band), never the exact age
    rol: str | None = None


def age_band(age: int | None) -> str | None:
    """The report's age band of a child's age: 0-3, 4-11, 12-17 or 18+ (None when unknown)."""
    if age is None:
        return None
    return "0-3" if age <= 3 else "4-11" if age <= 11 else "12-17" if age <= 17 else "18+"


def _now() -> datetime:
    return datetime.now(UTC)


def _period(since: datetime | None, until: datetime | None) -> tuple[str, str]:
    """ISO bounds of a period for ``ts >= ? AND ts < ?``; a missing end is open."""
    lo = since or datetime(1970, 1, 1, tzinfo=UTC)
    hi = until or datetime(9999, 1, 1, tzinfo=UTC)
    return lo.isoformat(), hi.isoformat()


def _parse_key(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) < 16:
        raise HashKeyError(
            f"{where}: de hash-sleutel is onleesbaar (verwacht: minstens 32 hexadecimale tekens)."
        )
    return key


@dataclass
class _Pending:
    """One queued write: the user it concerns (for /vergeet) and what to run."""

    user_key: str | None
    op: Op
    done: threading.Event | None = None
    result: int = 0
    on_done: Callable[[], None] | None = None  # called (in the writer thread) once handled


class Store:
    """Profiles, counters and (opt-in) question texts in one SQLite file."""

    def __init__(
        self,
        path: Path,
        *,
        store_question_text: bool = False,
        hash_key: str | None = None,
        hash_key_file: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.store_question_text = store_question_text
        self.writable = True
        self.lost = 0  # writes dropped because the queue was full
        self.key_problem: str | None = None  # set when profiles exist but their key is gone
        self._read_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._queue: deque[_Pending] = deque()
        self._pending_profiles: dict[str, Profile] = {}
        self._pending_votes: set[tuple[str, int]] = set()
        self._cond = threading.Condition()
        self._closing = False
        self._read: sqlite3.Connection | None = None
        self._write: sqlite3.Connection | None = None
        self._marks: sqlite3.Connection | None = None  # answered update ids, written at once
        self._open()
        self._salt = self._resolve_key(hash_key, hash_key_file)
        self._writer = threading.Thread(target=self._write_loop, name="store-writer", daemon=True)
        self._writer.start()

    # --- opening ---
    def _open(self) -> None:
        try:
            self._open_writable()
        except sqlite3.DatabaseError as exc:
            if _is_read_only(exc):
                self._open_read_only()
                return
            self._close_connections()
            self._move_aside(exc)
            self._open_writable()
        except OSError:  # the data folder can't be made
            self._open_read_only()

    def _open_writable(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=WRITE_TIMEOUT
        )
        try:
            write.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL never corrupts the file; a power cut may lose the last counts only.
            write.execute("PRAGMA synchronous=NORMAL")
            write.executescript(
                resources.files("assistent").joinpath("data", "schema.sql").read_text("utf-8")
            )
            have = {row[1] for row in write.execute("PRAGMA table_info(events)")}
            for column in sorted({"behoefte", "leeftijd", "rol"} - have):  # added later
                write.execute(f"ALTER TABLE events ADD COLUMN {column} TEXT")
            write.execute("SELECT COUNT(*) FROM profiles").fetchone()
        except BaseException:
            write.close()
            raise
        self._write = write
        self._read = self._connect_read(f"file:{self.path}")
        self._marks = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=0
        )
        self._marks.execute("PRAGMA synchronous=NORMAL")  # no fsync per update on the event loop

    def _connect_read(self, uri: str) -> sqlite3.Connection:
        return sqlite3.connect(
            uri, uri=True, check_same_thread=False, isolation_level=None, timeout=READ_TIMEOUT
        )

    def _open_read_only(self) -> None:
        self._close_connections()
        self.writable = False
        if not self.path.exists():
            log.warning(
                "Database %s kan niet gemaakt worden; ik antwoord, maar bewaar niets", self.path
            )
            return
        try:
            read = self._connect_read(f"file:{self.path}?mode=ro")
            read.execute("SELECT COUNT(*) FROM profiles").fetchone()
        except sqlite3.Error as exc:
            log.warning(
                "Database %s is niet te lezen (%s); ik antwoord, maar bewaar niets",
                self.path,
                type(exc).__name__,
            )
            return
        self._read = read
        log.warning("Database %s is alleen-lezen; ik antwoord, maar bewaar niets", self.path)

    def _move_aside(self, exc: sqlite3.DatabaseError) -> None:
        stamp = _now().strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.kapot-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                os.replace(part, Path(f"{target}{suffix}"))
        log.error(
            "Database %s is beschadigd (%s); verplaatst naar %s. Ik begin met een nieuwe.",
            self.path,
            exc,
            target,
        )

    def _resolve_key(self, setting: str | None, key_file: Path | None) -> bytes:
        """The key: the setting, else the key file, else the database (the old default)."""
        if setting:
            return _parse_key(setting, "ASSISTENT_HASH_KEY")
        stored = self._meta_key()
        if key_file is not None:
            if key_file.exists():
                return _parse_key(key_file.read_text("utf-8"), str(key_file))
            if stored is not None:  # move the key out of the database, next to it
                self._write_key_file(key_file, stored)
                self._run_now(lambda db: db.execute("DELETE FROM meta WHERE key='user_salt'"))
                log.warning("Hash-sleutel uit de database verplaatst naar %s", key_file)
                return _parse_key(stored, str(key_file))
        elif stored is not None:
            return _parse_key(stored, f"{self.path} › meta.user_salt")
        key = secrets.token_hex(KEY_BYTES)
        if self._has_profiles():
            where = key_file or f"{self.path} › meta.user_salt"
            self.key_problem = (
                f"De hash-sleutel ontbreekt ({where}), maar de database heeft profielen. "
                "Zet de oude sleutel terug (ASSISTENT_HASH_KEY of ASSISTENT_HASH_KEY_FILE)."
            )
            return bytes.fromhex(key)  # unused: user_key() refuses while key_problem is set
        if key_file is not None:
            self._write_key_file(key_file, key)
        else:
            self._run_now(lambda db: db.execute("INSERT INTO meta VALUES ('user_salt', ?)", (key,)))
        return bytes.fromhex(key)

    def _meta_key(self) -> str | None:
        row = self._read_one("SELECT value FROM meta WHERE key='user_salt'")
        return str(row[0]) if row else None

    def _has_profiles(self) -> bool:
        row = self._read_one("SELECT COUNT(*) FROM profiles")
        return bool(row and row[0])

    @staticmethod
    def _write_key_file(key_file: Path, key: str) -> None:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")

    def _run_now(self, op: Callable[[sqlite3.Connection], object]) -> None:
        if self._write is None:
            return
        with self._write_lock:
            op(self._write)

    # --- the write queue ---
    def _enqueue(
        self,
        user_key: str | None,
        op: Op,
        wait: bool = False,
        on_done: Callable[[], None] | None = None,
    ) -> _Pending:
        item = _Pending(user_key, op, threading.Event() if wait else None, on_done=on_done)
        if self._write is None:
            if item.done is not None:
                item.done.set()
            if on_done is not None:
                on_done()
            return item
        with self._cond:
            if len(self._queue) >= MAX_PENDING:
                dropped = self._queue.popleft()
                if dropped.on_done is not None:
                    dropped.on_done()
                self.lost += 1
                if self.lost == 1 or self.lost % 1000 == 0:
                    log.warning("Database bezet: %d telling(en) niet bewaard", self.lost)
            self._queue.append(item)
            self._cond.notify_all()
        return item

    def _write_loop(self) -> None:
        delay = 0.05
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if not self._queue:
                    return
                batch = list(self._queue)[:BATCH]
            try:
                self._apply(batch)
            except sqlite3.Error as exc:
                if self._closing or not isinstance(exc, sqlite3.OperationalError):
                    log.warning("Schrijven mislukt (%s): %d kwijt", type(exc).__name__, len(batch))
                    self.lost += len(batch)
                    self._done(batch)
                    if self._closing:
                        return
                    continue
                log.debug("Schrijven uitgesteld: %s", type(exc).__name__)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            delay = 0.05
            self._done(batch)

    def _done(self, batch: list[_Pending]) -> None:
        """Take a handled batch off the queue and wake whoever waits for it."""
        with self._cond:
            for item in batch:
                if self._queue and self._queue[0] is item:
                    self._queue.popleft()
                if item.done is not None:
                    item.done.set()
                if item.on_done is not None:
                    item.on_done()
            self._forget_written(batch)
            self._cond.notify_all()

    def _apply(self, batch: list[_Pending]) -> None:
        assert self._write is not None
        with self._write_lock:
            db = self._write
            db.execute("BEGIN IMMEDIATE")
            try:
                results = [item.op(db) for item in batch]
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        for item, result in zip(batch, results, strict=True):
            item.result = result

    def _forget_written(self, batch: list[_Pending]) -> None:
        queued = {item.user_key for item in self._queue}
        for item in batch:
            if item.user_key is not None and item.user_key not in queued:
                self._pending_profiles.pop(item.user_key, None)

    def flush(self, timeout: float = FLUSH_TIMEOUT) -> bool:
        """Wait until every queued write is stored; False if the database stayed busy."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue:
                left = deadline - time.monotonic()
                if left <= 0 or not self._writer.is_alive():
                    return False
                self._cond.wait(min(left, 0.1))
        return True

    @property
    def pending(self) -> int:
        """Writes still waiting for the database."""
        with self._cond:
            return len(self._queue)

    def close(self) -> None:
        """Store what is queued (waiting at most a few seconds), then close the database."""
        self.flush()
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._writer.join(timeout=FLUSH_TIMEOUT)
        self._close_connections()

    def _close_connections(self) -> None:
        for name in ("_read", "_write", "_marks"):
            db = getattr(self, name)
            setattr(self, name, None)
            if db is not None:
                db.close()

    # --- reading ---
    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        with self._read_lock:
            yield self._read

    def _read_one(self, query: str, args: tuple = ()) -> tuple | None:
        with self._reading() as db:
            return None if db is None else db.execute(query, args).fetchone()

    def user_key(self, user_id: int | str) -> str:
        """Keyed hash of a chat/user id; the id itself is never stored."""
        if self.key_problem:
            raise HashKeyError(self.key_problem)
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]

    # --- profiles ---
    def get_profile(self, user_id: int | str) -> Profile | None:
        """The stored profile, or None (also when the database is busy or broken)."""
        key = self.user_key(user_id)
        with self._cond:
            if key in self._pending_profiles:
                return self._pending_profiles[key]
        try:
            row = self._read_one(
                "SELECT gemeente, wijk, leeftijd, rol FROM profiles WHERE user_key=?", (key,)
            )
        except sqlite3.Error as exc:
            log.warning("Profiel lezen mislukt (%s); ik ga verder zonder", type(exc).__name__)
            return None
        return Profile(*row) if row else None

    def save_profile(self, user_id: int | str, profile: Profile) -> None:
        """Insert or replace a profile (queued; visible to get_profile at once)."""
        key = self.user_key(user_id)
        p = profile
        row = (key, p.gemeente, p.wijk, p.leeftijd, p.rol, _now().isoformat())
        with self._cond:
            self._pending_profiles[key] = profile
        sql = "INSERT OR REPLACE INTO profiles VALUES (?,?,?,?,?,?)"
        self._enqueue(key, lambda db: db.execute(sql, row).rowcount)

    def forget(self, user_id: int | str) -> int:
        """Delete everything stored about this user; returns the number of rows removed."""
        key = self.user_key(user_id)
        with self._cond:
            self._pending_profiles.pop(key, None)
            self._queue = deque(item for item in self._queue if item.user_key != key)

        def delete(db: sqlite3.Connection) -> int:
            n = db.execute("DELETE FROM profiles WHERE user_key=?", (key,)).rowcount
            n += db.execute("DELETE FROM votes WHERE user_key=?", (key,)).rowcount
            return n + db.execute("DELETE FROM question_texts WHERE user_key=?", (key,)).rowcount

        item = self._enqueue(None, delete, wait=True)
        if item.done is not None and not item.done.wait(FLUSH_TIMEOUT):
            log.warning("Database bezet: /vergeet wordt later uitgevoerd")
        return item.result

    # --- one 👍/👎 per answer per user; answered Telegram updates (ids only, never content) ---
    def _write_one(self, key: str | None, sql: str, args: tuple, on_done: Done = None) -> None:
        self._enqueue(key, lambda db: db.execute(sql, args).rowcount, on_done=on_done)

    def first_vote(self, user_id: int | str, message_id: int) -> bool:
        """True the first time this user rates this answer (kept until retention or /vergeet)."""
        vote = (self.user_key(user_id), message_id)
        with self._cond:
            if vote in self._pending_votes:
                return False
        with contextlib.suppress(sqlite3.Error):  # busy or broken: the session still counts once
            if self._read_one("SELECT 1 FROM votes WHERE user_key=? AND message_id=?", vote):
                return False
        with self._cond:
            self._pending_votes.add(vote)
        sql, done = "INSERT OR IGNORE INTO votes VALUES (?,?,?)", self._pending_votes.discard
        self._write_one(vote[0], sql, (*vote, _now().isoformat()), lambda: done(vote))
        return True

    def answered_updates(self) -> set[int]:
        """Ids of updates answered but perhaps not yet confirmed to Telegram (read at start)."""
        with contextlib.suppress(sqlite3.Error), self._reading() as db:  # busy: start without
            return {int(row[0]) for row in db.execute("SELECT id FROM answered")} if db else set()
        return set()

    def save_answered(self, update_id: int, on_saved: Callable[[], None]) -> None:
        """Store an answered update id, at once if the database is free; then ``on_saved``."""
        with contextlib.suppress(sqlite3.Error):  # busy: the queue writes it
            if self._marks is not None:
                self._marks.execute("INSERT OR IGNORE INTO answered VALUES (?)", (update_id,))
                return on_saved()
        self._write_one(None, "INSERT OR IGNORE INTO answered VALUES (?)", (update_id,), on_saved)

    def forget_answered(self, below: int) -> None:
        """Telegram confirmed every update below ``below``: their ids are no longer needed."""
        self._write_one(None, "DELETE FROM answered WHERE id < ?", (below,))

    # --- counters ---
    def record(self, event: Event) -> None:
        """Add one anonymous count (queued: never waits for the database)."""
        row = (
            _now().isoformat(),
            event.kind,
            event.gemeente,
            event.wijk,
            event.soort,
            event.onderwerp,
            None if event.abstained is None else int(event.abstained),
            event.crisis,
            event.feedback,
            event.behoefte,
            event.leeftijd,
            event.rol,
        )
        self._enqueue(
            None,
            lambda db: (
                db.execute(
                    "INSERT INTO events (ts, kind, gemeente, wijk, soort, onderwerp, abstained, "
                    "crisis, feedback, behoefte, leeftijd, rol) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    row,
                ).rowcount
            ),
        )

    def record_question_text(self, user_id: int | str, reason: str, text: str) -> bool:
        """Keep a question text for the gap report, only when the operator opted in."""
        if not self.store_question_text:
            return False
        key = self.user_key(user_id)
        row = (_now().isoformat(), key, reason, text[:1000])
        self._enqueue(
            key,
            lambda db: (
                db.execute(
                    "INSERT INTO question_texts (ts, user_key, reason, text) VALUES (?,?,?,?)", row
                ).rowcount
            ),
        )
        return True

    def events(self, since: datetime | None = None, until: datetime | None = None) -> list[dict]:
        """Events in a period, as dicts (for reports)."""
        self.flush()
        query = "SELECT * FROM events WHERE ts >= ? AND ts < ? ORDER BY ts"
        with self._reading() as db:
            if db is None:
                return []
            cur = db.execute(query, _period(since, until))
            names = [c[0] for c in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def question_texts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict]:
        """Opted-in question texts in a period."""
        self.flush()
        with self._reading() as db:
            if db is None:
                return []
            rows = db.execute(
                "SELECT ts, reason, text FROM question_texts WHERE ts >= ? AND ts < ? ORDER BY ts",
                _period(since, until),
            ).fetchall()
        return [{"ts": ts, "reason": reason, "text": text} for ts, reason, text in rows]

    def counts(self) -> dict[str, int]:
        """Totals for /stats."""
        self.flush()
        feedback = "SELECT COUNT(*) FROM events WHERE kind='feedback'"
        queries = {
            "vragen": "SELECT COUNT(*) FROM events WHERE kind='vraag'",
            "geen_match": "SELECT COUNT(*) FROM events WHERE kind='vraag' AND abstained=1",
            "crisis": "SELECT COUNT(*) FROM events WHERE kind='crisis'",
            "duim_omhoog": f"{feedback} AND feedback='goed'",
            "duim_omlaag": f"{feedback} AND feedback='slecht'",
            "profielen": "SELECT COUNT(*) FROM profiles",
        }
        with self._reading() as db:
            if db is None:
                return dict.fromkeys(queries, 0)
            return {name: db.execute(q).fetchone()[0] for name, q in queries.items()}

    def crisis_counts(self) -> dict[str, int]:
        """Crisis referrals per category."""
        self.flush()
        with self._reading() as db:
            if db is None:
                return {}
            rows = db.execute(
                "SELECT crisis, COUNT(*) FROM events WHERE kind='crisis' GROUP BY crisis"
            ).fetchall()
        return {str(k): int(v) for k, v in rows}

    def purge(self, retention_days: int) -> int:
        """Delete counts, texts and idle profiles older than the retention period."""
        limit = (_now() - timedelta(days=retention_days)).isoformat()

        def delete(db: sqlite3.Connection) -> int:
            n = db.execute("DELETE FROM events WHERE ts < ?", (limit,)).rowcount
            n += db.execute("DELETE FROM question_texts WHERE ts < ?", (limit,)).rowcount
            n += db.execute("DELETE FROM votes WHERE ts < ?", (limit,)).rowcount
            return n + db.execute("DELETE FROM profiles WHERE updated < ?", (limit,)).rowcount

        item = self._enqueue(None, delete, wait=True)
        if item.done is not None:
            item.done.wait(FLUSH_TIMEOUT)
        return item.result


def _is_read_only(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text

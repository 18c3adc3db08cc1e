"""Municipality report, the counting: one period's anonymous events as the numbers it shows.

For a policy officer: questions per week, how often the answer fitted (found and not 👎), what
parents needed (``behoefte``: the question's own onderwerp, classified at answer time), by
leeftijd and rol, which soorten people were pointed to (per wijk where known), 👍/👎, crisis
referrals per category, the gaps, and the trend against the previous period of the same length.
Question texts are only taken when the operator opted in (``store_question_text``); they are
grouped by onderwerp as candidate voorbeeldvragen. The HTML is made in
:mod:`assistent.beheer.rapport_html`, the CSV of the figures in :mod:`assistent.beheer.rapport_csv`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from assistent.config import Settings
from assistent.errors import KennisbankError
from assistent.kennisbank import load_kennisbank
from assistent.kennisbank.topics import TopicClassifier
from assistent.store import Store

UNKNOWN = "onbekend"
NO_TOPIC = "geen onderwerp herkend"
MAX_TEXTS = 200


_STOPWORDS_TEXT = """
aan al als bij dan dat de den der des deze die dit doen door dus een en er ga gaat geen
had heb hebben heeft hem het hier hij hoe hun ik in is ja je jij jou jouw kan kun kunnen
maar me mee meer men met mij mijn moet na naar niet niks nog nu of om onder ons ook op
over te tegen toch toe tot u uit van veel voor waar wat wel werd wie wil wij wordt zal
ze zei zelf zich zij zijn zo zonder zou mn m'n wel erg even iets iemand heel echt steeds
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def percent(part: int, whole: int) -> str:
    """``part`` as a whole percentage of ``whole`` (``37%``), ``-`` when there is no whole."""
    return f"{round(100 * part / whole)}%" if whole else "-"


# --- data ----------------------------------------------------------------------------------------
@dataclass
class ReportData:
    """Everything the report shows, computed from the events of one period."""

    start: date | None
    end: date | None  # inclusive
    vragen: int = 0
    abstained: int = 0
    per_week: list[tuple[str, int, int]] = field(default_factory=list)  # label, answered, abst.
    soorten: Counter[str] = field(default_factory=Counter)
    onderwerpen: Counter[str] = field(default_factory=Counter)
    gemeenten: Counter[str] = field(default_factory=Counter)
    wijken: dict[str, dict[str, Counter[str]]] = field(default_factory=dict)
    goed: int = 0
    slecht: int = 0
    feedback_soort: dict[str, Counter[str]] = field(default_factory=dict)
    crisis: Counter[str] = field(default_factory=Counter)
    gap_onderwerpen: Counter[str] = field(default_factory=Counter)
    gap_wijken: Counter[str] = field(default_factory=Counter)
    texts: list[dict] = field(default_factory=list)
    texts_allowed: bool = False
    behoeften: Counter[str] = field(default_factory=Counter)  # by need; UNKNOWN = not counted
    leeftijden: Counter[str] = field(default_factory=Counter)
    rollen: Counter[str] = field(default_factory=Counter)
    candidates: dict[str, list[dict]] = field(default_factory=dict)  # onderwerp → texts
    previous: ReportData | None = None  # the period of the same length just before

    @property
    def found(self) -> int:
        """Questions for which the assistant found something specific (it did not abstain)."""
        return self.vragen - self.abstained

    @property
    def passend(self) -> int:
        """Questions with a fitting answer: something was found and it was not rated 👎.

        A 👎 is counted once, against the answers found: ratings are anonymous, so the report
        can't tell which question one belongs to. This errs on the low side.
        """
        return max(0, self.found - self.slecht)

    @property
    def empty(self) -> bool:
        return not (self.vragen or self.goed or self.slecht or sum(self.crisis.values()))


def event_day(ts: str) -> date:
    """The UTC day of an event's ISO timestamp."""
    return datetime.fromisoformat(ts).astimezone(UTC).date()


def _weeks(start: date, end: date) -> list[date]:
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def collect(
    events: Sequence[dict],
    texts: Sequence[dict],
    start: date | None,
    end: date | None,
    texts_allowed: bool,
) -> ReportData:
    """Count the events of one period (``start``/``end`` inclusive; None = from the data)."""
    days = [event_day(e["ts"]) for e in events]
    data = ReportData(start or (min(days) if days else None), end or (max(days) if days else None))
    week_answered: Counter[date] = Counter()
    week_abstained: Counter[date] = Counter()
    for event, day in zip(events, days, strict=True):
        monday = day - timedelta(days=day.weekday())
        wijk = event.get("wijk") or UNKNOWN
        kind = event.get("kind")
        need = _need(event)
        if kind == "vraag":
            data.vragen += 1
            data.gemeenten[event.get("gemeente") or UNKNOWN] += 1
            data.behoeften[need] += 1
            data.leeftijden[event.get("leeftijd") or UNKNOWN] += 1
            data.rollen[event.get("rol") or UNKNOWN] += 1
            per_wijk = data.wijken.setdefault(
                wijk, {"vragen": Counter(), "soorten": Counter(), "onderwerpen": Counter()}
            )
            per_wijk["vragen"]["totaal"] += 1
            if need not in (UNKNOWN, NO_TOPIC):
                per_wijk["onderwerpen"][need] += 1
            if event.get("abstained"):
                data.abstained += 1
                week_abstained[monday] += 1
                per_wijk["vragen"]["zonder"] += 1
                data.gap_wijken[wijk] += 1
                data.gap_onderwerpen[need] += 1
            else:
                week_answered[monday] += 1
                if event.get("soort"):
                    data.soorten[event["soort"]] += 1
                    per_wijk["soorten"][event["soort"]] += 1
                if event.get("onderwerp"):  # the voorziening's topic (kept, not shown as need)
                    data.onderwerpen[event["onderwerp"]] += 1
        elif kind == "feedback":
            good = event.get("feedback") == "goed"
            data.goed += good
            data.slecht += not good
            soort = event.get("soort") or UNKNOWN
            data.feedback_soort.setdefault(soort, Counter())["goed" if good else "slecht"] += 1
            if not good:
                data.gap_onderwerpen[need] += 1
        elif kind == "crisis":
            data.crisis[event.get("crisis") or UNKNOWN] += 1
    if data.start and data.end:
        for monday in _weeks(data.start, data.end):
            year, week, _ = monday.isocalendar()
            data.per_week.append((f"{week}\n{year}", week_answered[monday], week_abstained[monday]))
    data.texts_allowed = texts_allowed
    if texts_allowed:
        data.texts = list(texts)[-MAX_TEXTS:]
    return data


def _need(event: dict) -> str:
    """What the question was about: its own topic; ``""`` = counted, but no topic fitted;
    missing (counts from before needs were counted) = UNKNOWN."""
    need = event.get("behoefte")
    if need is None:
        return UNKNOWN
    return need or NO_TOPIC


def _day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    since = datetime(start.year, start.month, start.day, tzinfo=UTC) if start else None
    until = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1) if end else None
    return since, until


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length that ends the day before ``start``."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def group_candidates(texts: Sequence[dict], classifier: TopicClassifier | None) -> dict:
    """Opted-in question texts by onderwerp (classified now): candidate voorbeeldvragen."""
    groups: dict[str, list[dict]] = {}
    for text in texts:
        topic = (classifier.classify(text["text"]) if classifier else None) or NO_TOPIC
        groups.setdefault(topic, []).append(text)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] == NO_TOPIC, -len(kv[1]), kv[0])))


def _classifier(settings: Settings) -> TopicClassifier | None:
    try:
        return TopicClassifier(load_kennisbank(settings.kennisbank).entries)
    except KennisbankError:
        return None


def load_data(settings: Settings, start: date | None, end: date | None) -> tuple[ReportData, bool]:
    """Read the period (and the one before it) from the database; the flag says whether a
    database file exists."""
    path = settings.database
    if not path.exists():
        return collect([], [], start, end, settings.store_question_text), False
    store = Store(path, store_question_text=settings.store_question_text)
    try:
        since, until = _day_bounds(start, end)
        events = store.events(since, until)
        texts = store.question_texts(since, until) if settings.store_question_text else []
        data = collect(events, texts, start, end, settings.store_question_text)
        if data.start and data.end:
            prev_start, prev_end = previous_period(data.start, data.end)
            before = store.events(*_day_bounds(prev_start, prev_end))
            data.previous = collect(before, [], prev_start, prev_end, False)
    finally:
        store.close()
    if data.texts:
        data.candidates = group_candidates(data.texts, _classifier(settings))
    return data, True


def frequent_words(texts: Iterable[str], n: int = 15) -> list[tuple[str, int]]:
    """The most frequent meaningful words in question texts (a rough view of the gaps)."""
    counts: Counter[str] = Counter()
    for text in texts:
        words = {w for w in re.findall(r"[a-zà-ÿ]{3,}", text.casefold()) if w not in STOPWORDS}
        counts.update(words)
    return [(w, c) for w, c in counts.most_common(n) if c > 1]


def parse_day(value: str | None) -> date | None:
    """A day typed as JJJJ-MM-DD or DD-MM-JJJJ (None stays None); ValueError otherwise."""
    if value is None:
        return None
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{value}' is geen datum.")


def open_counting_store(settings: Settings) -> Store:
    """The bot's database, for anonymous counts only (``chat --tel``): never question texts.

    Raises ValueError (a Dutch message) when the key that hashes user ids can't be used.
    """
    key = settings.hash_key.get_secret_value() if settings.hash_key else None
    store = Store(
        settings.database,
        store_question_text=False,
        hash_key=key,
        hash_key_file=settings.hash_key_file,
    )
    if store.key_problem:
        store.close()
        raise ValueError(store.key_problem)
    return store

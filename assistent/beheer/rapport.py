"""Municipality report: one self-contained HTML file from the anonymous counters.

For a policy officer: questions per week, how often the assistant found something specific,
which soorten and onderwerpen people were pointed to (per wijk where known), 👍/👎, crisis
referrals per category, and the gaps (questions without a fitting answer, 👎). Question texts
appear only when the operator opted in (``store_question_text``) and texts exist.

Charts are PNGs made with matplotlib's object API on the Agg canvas (no pyplot, no global
state), embedded as base64, so the file can be mailed as is. Every text from the database is
escaped.
"""

from __future__ import annotations

import base64
import html
import io
import re
import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from assistent.config import Settings
from assistent.safety.categories import LABELS as CATEGORY_LABELS
from assistent.store import Store

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
REASONS = {"geen-match": "geen passend antwoord", "slecht": "👎 gegeven"}
UNKNOWN = "onbekend"
TOP = 10
MAX_TEXTS = 200

# Colours that stay apart for colour-blind readers (Okabe-Ito).
BLUE, ORANGE, GREEN, RED, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#999999"

_STOPWORDS_TEXT = """
aan al als bij dan dat de den der des deze die dit doen door dus een en er ga gaat geen
had heb hebben heeft hem het hier hij hoe hun ik in is ja je jij jou jouw kan kun kunnen
maar me mee meer men met mij mijn moet na naar niet niks nog nu of om onder ons ook op
over te tegen toch toe tot u uit van veel voor waar wat wel werd wie wil wij wordt zal
ze zei zelf zich zij zijn zo zonder zou mn m'n wel erg even iets iemand heel echt steeds
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def nl_date(day: date) -> str:
    """``3 oktober 2026``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


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

    @property
    def empty(self) -> bool:
        return not (self.vragen or self.goed or self.slecht or sum(self.crisis.values()))


def _day(ts: str) -> date:
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
    days = [_day(e["ts"]) for e in events]
    data = ReportData(start or (min(days) if days else None), end or (max(days) if days else None))
    week_answered: Counter[date] = Counter()
    week_abstained: Counter[date] = Counter()
    for event, day in zip(events, days, strict=True):
        monday = day - timedelta(days=day.weekday())
        wijk = event.get("wijk") or UNKNOWN
        kind = event.get("kind")
        if kind == "vraag":
            data.vragen += 1
            data.gemeenten[event.get("gemeente") or UNKNOWN] += 1
            per_wijk = data.wijken.setdefault(
                wijk, {"vragen": Counter(), "soorten": Counter(), "onderwerpen": Counter()}
            )
            per_wijk["vragen"]["totaal"] += 1
            if event.get("abstained"):
                data.abstained += 1
                week_abstained[monday] += 1
                per_wijk["vragen"]["zonder"] += 1
                data.gap_wijken[wijk] += 1
                if event.get("onderwerp"):
                    data.gap_onderwerpen[event["onderwerp"]] += 1
            else:
                week_answered[monday] += 1
                if event.get("soort"):
                    data.soorten[event["soort"]] += 1
                    per_wijk["soorten"][event["soort"]] += 1
                if event.get("onderwerp"):
                    data.onderwerpen[event["onderwerp"]] += 1
                    per_wijk["onderwerpen"][event["onderwerp"]] += 1
        elif kind == "feedback":
            good = event.get("feedback") == "goed"
            data.goed += good
            data.slecht += not good
            soort = event.get("soort") or UNKNOWN
            data.feedback_soort.setdefault(soort, Counter())["goed" if good else "slecht"] += 1
            if not good and event.get("onderwerp"):
                data.gap_onderwerpen[event["onderwerp"]] += 1
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


def load_data(settings: Settings, start: date | None, end: date | None) -> tuple[ReportData, bool]:
    """Read the period from the database; the flag says whether a database file exists."""
    path = settings.database
    if not path.exists():
        return collect([], [], start, end, settings.store_question_text), False
    since = datetime(start.year, start.month, start.day, tzinfo=UTC) if start else None
    until = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1) if end else None
    store = Store(path, store_question_text=settings.store_question_text)
    try:
        events = store.events(since, until)
        texts = store.question_texts(since, until) if settings.store_question_text else []
    finally:
        store.close()
    return collect(events, texts, start, end, settings.store_question_text), True


# --- charts --------------------------------------------------------------------------------------
def _png(figure: object) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)  # type: ignore[attr-defined]
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float) -> object:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _style(ax: object) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)  # type: ignore[attr-defined]
    ax.tick_params(labelsize=9)  # type: ignore[attr-defined]


def _week_labels(labels: list[str]) -> list[str]:
    """Week numbers; the year only under the first label and where the year changes."""
    shown, last_year = [], None
    for label in labels:
        week, year = label.split("\n")
        shown.append(week if year == last_year else f"{week}\n{year}")
        last_year = year
    return shown


def chart_weeks(per_week: list[tuple[str, int, int]]) -> str:
    """Stacked bars: questions per week, answered and without a fitting answer."""
    figure = _figure(9, 3.8)
    ax = figure.add_subplot()
    labels = [label for label, _, _ in per_week]
    answered = [a for _, a, _ in per_week]
    abstained = [b for _, _, b in per_week]
    x = list(range(len(labels)))
    ax.bar(x, answered, color=BLUE, label="met passend antwoord")
    ax.bar(x, abstained, bottom=answered, color=ORANGE, label="zonder passend antwoord")
    step = max(1, len(labels) // 16)
    ax.set_xticks(x[::step], _week_labels(labels[::step]))
    pad = max(0, 8 - len(x)) / 2  # a few weeks: keep bars narrow and centred
    ax.set_xlim(-0.5 - pad, len(x) - 0.5 + pad)
    ax.set_xlabel("weeknummer")
    ax.set_ylabel("aantal vragen")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(
        frameon=False,
        fontsize=9,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=2,
        borderaxespad=0.2,
    )
    _style(ax)
    return _png(figure)


def _wrap_label(text: str, width: int = 30) -> str:
    lines = textwrap.wrap(text, width=width, break_on_hyphens=True) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width=width, placeholder="…")]
    return "\n".join(lines)


def chart_counts(counts: Iterable[tuple[str, int]], color: str, xlabel: str) -> str:
    """Horizontal bars, largest on top, with the number at the end of each bar."""
    items = list(counts)[::-1]
    figure = _figure(7.5, 0.5 * len(items) + 1.0)
    ax = figure.add_subplot()
    labels = [_wrap_label(label) for label, _ in items]
    values = [value for _, value in items]
    bars = ax.barh(range(len(items)), values, color=color)
    ax.set_yticks(range(len(items)), labels)
    ax.bar_label(bars, padding=3, fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_xlim(0, max(values) * 1.15 if values else 1)
    ax.xaxis.get_major_locator().set_params(integer=True)
    _style(ax)
    return _png(figure)


def chart_feedback(goed: int, slecht: int) -> str:
    """One bar split into 👍 and 👎 (with counts), easy to read at a glance."""
    figure = _figure(7.5, 1.4)
    ax = figure.add_subplot()
    total = goed + slecht
    ax.barh([0], [goed], color=GREEN)
    ax.barh([0], [slecht], left=[goed], color=RED)
    if goed:
        label = f"duim omhoog: {goed} ({_pct(goed, total)})"
        ax.text(goed / 2, 0, label, ha="center", va="center", color="white")
    if slecht:
        label = f"duim omlaag: {slecht} ({_pct(slecht, total)})"
        ax.text(goed + slecht / 2, 0, label, ha="center", va="center", color="white")
    ax.set_xlim(0, total)
    ax.set_yticks([])
    ax.set_xticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    return _png(figure)


# --- HTML ----------------------------------------------------------------------------------------
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2933;
 margin:0;background:#f5f7fa;line-height:1.5}
main{max-width:60rem;margin:0 auto;padding:2rem 1.5rem;background:#fff}
h1{font-size:1.8rem;margin:0 0 .25rem}h2{font-size:1.3rem;margin:2.2rem 0 .5rem;
 border-bottom:2px solid #e4e7eb;padding-bottom:.25rem}h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
.lead{color:#52606d;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:.75rem;margin:1.25rem 0}
.card{flex:1 1 10rem;border:1px solid #e4e7eb;border-radius:.5rem;padding:.75rem 1rem}
.card .num{font-size:1.7rem;font-weight:700;display:block}.card .lbl{color:#52606d;font-size:.9rem}
img{max-width:100%;height:auto;display:block;margin:.5rem 0}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.95rem}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e4e7eb;vertical-align:top}
th{background:#f0f4f8}td.n,th.n{text-align:right;white-space:nowrap}
.note{background:#fffbea;border-left:4px solid #f0b429;padding:.6rem .9rem;margin:1rem 0}
.empty{background:#f0f4f8;border-left:4px solid #9fb3c8;padding:.8rem 1rem;margin:1rem 0}
ul.texts li{margin:.2rem 0}.muted{color:#7b8794;font-size:.9rem}
@media print{body{background:#fff}main{padding:0}h2{break-after:avoid}img,table{break-inside:avoid}}
"""


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: set[int]) -> str:
    head = "".join(
        f'<th class="n">{_esc(h)}</th>' if i in numeric else f"<th>{_esc(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_esc(v)}</td>' if i in numeric else f"<td>{_esc(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _img(png: str, alt: str) -> str:
    return f'<img src="data:image/png;base64,{png}" alt="{_esc(alt)}">'


def _top(counter: Counter[str], n: int = 3) -> str:
    return ", ".join(f"{k} ({v})" for k, v in counter.most_common(n)) or "-"


def frequent_words(texts: Iterable[str], n: int = 15) -> list[tuple[str, int]]:
    """The most frequent meaningful words in question texts (a rough view of the gaps)."""
    counts: Counter[str] = Counter()
    for text in texts:
        words = {w for w in re.findall(r"[a-zà-ÿ]{3,}", text.casefold()) if w not in STOPWORDS}
        counts.update(words)
    return [(w, c) for w, c in counts.most_common(n) if c > 1]


def render_html(data: ReportData, title_scope: str, generated: datetime) -> str:
    """The complete report as one HTML document."""
    period = (
        f"{nl_date(data.start)} tot en met {nl_date(data.end)}"
        if data.start and data.end
        else "de hele bewaarde periode"
    )
    parts: list[str] = [
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Rapport opvoedassistent {_esc(title_scope)} – {_esc(period)}</title>",
        f"<style>{CSS}</style></head><body><main>",
        f"<h1>Rapport opvoedassistent{(' ' + _esc(title_scope)) if title_scope else ''}</h1>",
        f'<p class="lead">Periode: {_esc(period)}. Gemaakt op {_esc(nl_date(generated.date()))}.'
        "</p>",
    ]
    if data.empty:
        parts.append(
            '<div class="empty"><strong>Er zijn in deze periode geen gegevens.</strong> '
            "Er zijn nog geen vragen gesteld, of de assistent telt nog niet mee in deze periode. "
            "Kies een andere periode met --van en --tot, of maak het rapport later opnieuw."
            "</div>"
        )
        parts.append(_about(data))
        parts.append("</main></body></html>")
        return "\n".join(parts)

    answered = data.vragen - data.abstained
    cards = [
        (str(data.vragen), "vragen gesteld"),
        (_pct(answered, data.vragen), "kreeg een passend antwoord"),
        (_pct(data.abstained, data.vragen), "zonder passend antwoord (doorverwezen naar het CJG)"),
        (str(sum(data.crisis.values())), "keer direct een hulplijn getoond"),
        (
            _pct(data.goed, data.goed + data.slecht),
            "van de beoordelingen was een duim omhoog",
        ),
    ]
    parts.append(
        '<div class="cards">'
        + "".join(
            f'<div class="card"><span class="num">{_esc(num)}</span>'
            f'<span class="lbl">{_esc(label)}</span></div>'
            for num, label in cards
        )
        + "</div>"
    )

    parts.append("<h2>Vragen per week</h2>")
    if data.vragen:
        parts.append(
            "<p>Elke balk is een week (weeknummer). Blauw: de assistent vond een passende "
            "voorziening. Oranje: hij vond niets specifieks en verwees naar het CJG."
            + (
                " De eerste of de laatste week valt maar voor een deel in de periode en telt "
                "daardoor minder vragen."
                if data.start and data.end and (data.start.weekday() or data.end.weekday() != 6)
                else ""
            )
            + "</p>"
        )
        parts.append(_img(chart_weeks(data.per_week), "Staafdiagram: aantal vragen per week"))
        parts.append(
            _table(
                ["", "aantal", "aandeel"],
                [
                    ("met passend antwoord", answered, _pct(answered, data.vragen)),
                    ("zonder passend antwoord", data.abstained, _pct(data.abstained, data.vragen)),
                    ("totaal", data.vragen, "100%"),
                ],
                {1, 2},
            )
        )
    else:
        parts.append("<p>Er zijn in deze periode geen vragen gesteld.</p>")
    if len(data.gemeenten) > 1:
        parts.append("<h3>Per gemeente</h3>")
        parts.append(_table(["gemeente", "vragen"], data.gemeenten.most_common(), {1}))

    parts.append("<h2>Waar mensen naartoe zijn gewezen</h2>")
    if data.soorten:
        parts.append(
            "<p>Het soort voorziening dat bovenaan stond bij een vraag met een passend "
            "antwoord.</p>"
        )
        parts.append(
            _img(
                chart_counts(data.soorten.most_common(TOP), BLUE, "aantal vragen"),
                "Staafdiagram: meest gevonden soorten voorzieningen",
            )
        )
    if data.onderwerpen:
        parts.append("<h3>Onderwerpen</h3><p>Het onderwerp waarop de vraag aansloot.</p>")
        parts.append(
            _img(
                chart_counts(data.onderwerpen.most_common(TOP), GREEN, "aantal vragen"),
                "Staafdiagram: meest gevonden onderwerpen",
            )
        )
    if not data.soorten and not data.onderwerpen:
        parts.append("<p>Nog geen vragen met een passend antwoord in deze periode.</p>")

    known_wijken = {w: v for w, v in data.wijken.items() if w != UNKNOWN}
    parts.append("<h2>Per wijk</h2>")
    if known_wijken:
        rows = []
        for wijk, counts in sorted(
            data.wijken.items(), key=lambda kv: (kv[0] == UNKNOWN, -kv[1]["vragen"]["totaal"])
        ):
            total = counts["vragen"]["totaal"]
            rows.append(
                (
                    "wijk niet opgegeven" if wijk == UNKNOWN else wijk,
                    total,
                    _pct(counts["vragen"]["zonder"], total),
                    _top(counts["soorten"]),
                    _top(counts["onderwerpen"]),
                )
            )
        parts.append(
            _table(
                [
                    "wijk",
                    "vragen",
                    "zonder passend antwoord",
                    "meest gevonden soorten",
                    "meest gevonden onderwerpen",
                ],
                rows,
                {1, 2},
            )
        )
    else:
        parts.append(
            "<p>Niemand heeft in deze periode een wijk opgegeven, dus een verdeling per wijk is "
            "er niet.</p>"
        )

    parts.append("<h2>Tevredenheid</h2>")
    if data.goed + data.slecht:
        parts.append(
            f"<p>Na een antwoord kan iemand een duim omhoog of omlaag geven. In deze periode "
            f"{data.goed + data.slecht} keer: {data.goed} keer omhoog en {data.slecht} keer "
            "omlaag.</p>"
        )
        parts.append(
            _img(chart_feedback(data.goed, data.slecht), "Balk: verhouding duim omhoog en omlaag")
        )
        rows = sorted(
            (
                (soort, c["goed"], c["slecht"], _pct(c["goed"], c["goed"] + c["slecht"]))
                for soort, c in data.feedback_soort.items()
            ),
            key=lambda r: -(r[1] + r[2]),
        )
        parts.append(
            _table(
                ["soort voorziening", "duim omhoog", "duim omlaag", "aandeel omhoog"],
                rows,
                {1, 2, 3},
            )
        )
    else:
        parts.append("<p>Er is in deze periode geen duim omhoog of omlaag gegeven.</p>")

    parts.append("<h2>Verwijzingen bij crisis</h2>")
    if data.crisis:
        parts.append(
            "<p>Zo vaak zag de assistent een teken van gevaar of grote nood en toonde hij meteen "
            "de hulplijn.</p>"
        )
        labelled = [(CATEGORY_LABELS.get(k, k), v) for k, v in data.crisis.most_common()]
        parts.append(
            _img(chart_counts(labelled, RED, "aantal keer"), "Staafdiagram: crisisverwijzingen")
        )
        parts.append(_table(["soort nood", "aantal keer"], labelled, {1}))
    else:
        parts.append("<p>In deze periode is geen crisisverwijzing gegeven.</p>")

    parts.append(_gaps(data))
    parts.append(_about(data))
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _gaps(data: ReportData) -> str:
    parts = ["<h2>Gaten in het aanbod</h2>"]
    parts.append(
        f"<p>{data.abstained} vragen kregen geen passend antwoord en {data.slecht} keer gaf "
        "iemand een duim omlaag. Dat kan betekenen dat een voorziening ontbreekt in de "
        "kennisbank, of dat de voorbeeldvragen van een voorziening beter kunnen.</p>"
    )
    if data.gap_wijken and any(w != UNKNOWN for w in data.gap_wijken):
        parts.append("<h3>Vragen zonder passend antwoord per wijk</h3>")
        parts.append(
            _table(
                ["wijk", "aantal"],
                [
                    ("wijk niet opgegeven" if w == UNKNOWN else w, n)
                    for w, n in data.gap_wijken.most_common()
                ],
                {1},
            )
        )
    if data.gap_onderwerpen:
        parts.append("<h3>Onderwerpen</h3>")
        parts.append(_table(["onderwerp", "aantal"], data.gap_onderwerpen.most_common(TOP), {1}))
    slecht_soort = [(s, c["slecht"]) for s, c in data.feedback_soort.items() if c["slecht"]]
    if slecht_soort:
        parts.append("<h3>Duim omlaag per soort voorziening</h3>")
        parts.append(
            _table(
                ["soort voorziening", "duim omlaag"], sorted(slecht_soort, key=lambda r: -r[1]), {1}
            )
        )
    parts.append("<h3>De vragen zelf</h3>")
    if not data.texts_allowed:
        parts.append(
            "<p>De tekst van vragen wordt niet bewaard. Dat is de standaard, voor de privacy van "
            "ouders en jongeren. De beheerder kan dit aanzetten met "
            "<code>ASSISTENT_STORE_QUESTION_TEXT=true</code>; dan staan hier de vragen zonder "
            "passend antwoord en de vragen met een duim omlaag.</p>"
        )
    elif not data.texts:
        parts.append(
            "<p>Het bewaren van vragen staat aan, maar in deze periode is geen vraag zonder "
            "passend antwoord of met een duim omlaag bewaard.</p>"
        )
    else:
        parts.append(
            '<div class="note">Deze vragen zijn letterlijk door ouders, jongeren of '
            "professionals getypt. Ze kunnen persoonlijke details bevatten. Deel dit rapport "
            "daarom niet buiten de organisatie.</div>"
        )
        words = frequent_words(t["text"] for t in data.texts)
        if words:
            parts.append(
                "<p>Woorden die vaak terugkomen: "
                + ", ".join(f"{_esc(w)} ({c})" for w, c in words)
                + ".</p>"
            )
        by_reason: dict[str, list[dict]] = defaultdict(list)
        for text in data.texts:
            by_reason[text["reason"]].append(text)
        for reason, items in by_reason.items():
            parts.append(
                f"<h3>{_esc(REASONS.get(reason, reason)).capitalize()} ({len(items)})</h3>"
            )
            parts.append('<ul class="texts">' + "".join(_grouped_texts(items)) + "</ul>")
    return "\n".join(parts)


def _grouped_texts(items: list[dict]) -> Iterable[str]:
    """Identical questions once, with how often and when last; most frequent first."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        groups[" ".join(item["text"].casefold().split())].append(item)
    ordered = sorted(groups.values(), key=lambda g: (-len(g), g[-1]["ts"]))
    for group in ordered:
        last = nl_date(_day(max(t["ts"] for t in group)))
        times = f"{len(group)}×, laatst " if len(group) > 1 else ""
        yield (
            f"<li>{_esc(group[-1]['text'])} "
            f'<span class="muted">({_esc(times)}{_esc(last)})</span></li>'
        )


def _about(data: ReportData) -> str:
    return (
        "<h2>Over deze cijfers</h2>"
        "<p>De assistent telt anoniem: per vraag alleen de gemeente, de wijk (als iemand die "
        "heeft opgegeven), het soort voorziening en het onderwerp. Er staat geen naam, "
        "telefoonnummer of chat-id bij. Kleine aantallen zeggen weinig: kijk vooral naar "
        "trends over meerdere weken.</p>"
        "<p>‘Zonder passend antwoord’ betekent dat de assistent niets specifieks vond en de "
        "vrager naar het CJG van de gemeente verwees. Een crisisverwijzing telt apart: dan "
        "toonde de assistent meteen een hulplijn, zoals 112 of de Kindertelefoon.</p>"
    )


@dataclass
class ReportResult:
    """What ``write_report`` produced."""

    path: Path
    data: ReportData
    database_found: bool


def write_report(
    settings: Settings,
    target: Path,
    start: date | None = None,
    end: date | None = None,
    now: datetime | None = None,
) -> ReportResult:
    """Build the report for a period and write it as one HTML file."""
    from assistent.kennisbank.write import write_atomic

    data, found = load_data(settings, start, end)
    gemeenten = [g for g in data.gemeenten if g != UNKNOWN]
    scope = settings.gemeente or (gemeenten[0] if len(gemeenten) == 1 else "")
    document = render_html(data, scope, now or datetime.now(UTC))
    write_atomic(Path(target), document)
    return ReportResult(Path(target), data, found)

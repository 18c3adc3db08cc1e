"""Municipality report, the document: one self-contained HTML file, written for a policy officer.

Charts are embedded as base64 PNGs (:mod:`assistent.beheer.rapport_charts`) and the style sheet
(``data/rapport.css``) inline, so the file can be mailed as is. Every text from the database is
escaped. Question texts appear only when the operator opted in and texts exist.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from assistent.beheer.rapport import (
    NO_TOPIC,
    UNKNOWN,
    ReportData,
    event_day,
    frequent_words,
    load_data,
    percent,
)
from assistent.beheer.rapport_charts import (
    BLUE,
    GREEN,
    RED,
    chart_counts,
    chart_feedback,
    chart_weeks,
)
from assistent.beheer.rapport_sections import candidates_section, needs_section, trend_section
from assistent.config import Settings
from assistent.files import write_atomic
from assistent.safety.categories import LABELS as CATEGORY_LABELS

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
TOP = 10


def nl_date(day: date) -> str:
    """``3 oktober 2026``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _css() -> str:
    """The report's style sheet, ``data/rapport.css``."""
    return resources.files("assistent").joinpath("data", "rapport.css").read_text(encoding="utf-8")


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
        f"<style>\n{_css()}</style></head><body><main>",
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

    answered = data.found
    cards = [
        (str(data.vragen), "vragen gesteld"),
        (percent(data.passend, data.vragen), "kreeg een passend antwoord (gevonden, geen 👎)"),
        (
            percent(data.abstained, data.vragen),
            "zonder passend antwoord (doorverwezen naar het CJG)",
        ),
        (str(sum(data.crisis.values())), "keer direct een hulplijn getoond"),
        (
            percent(data.goed, data.goed + data.slecht),
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
                    ("iets specifieks gevonden", answered, percent(answered, data.vragen)),
                    (
                        "zonder passend antwoord",
                        data.abstained,
                        percent(data.abstained, data.vragen),
                    ),
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

    parts.append(trend_section(data))
    needs = [(k, v) for k, v in data.behoeften.most_common() if k not in (UNKNOWN, NO_TOPIC)]
    chart = (
        _img(
            chart_counts(needs[:TOP], GREEN, "aantal vragen"),
            "Staafdiagram: waar de vragen het vaakst over gingen",
        )
        if needs
        else None
    )
    parts.append(needs_section(data, chart))

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
    else:
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
                    percent(counts["vragen"]["zonder"], total),
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
                    "meest gevraagde onderwerpen",
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
                (soort, c["goed"], c["slecht"], percent(c["goed"], c["goed"] + c["slecht"]))
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
    gaps = [(k, v) for k, v in data.gap_onderwerpen.most_common(TOP) if k != UNKNOWN]
    if gaps:
        parts.append(
            "<h3>Onderwerpen</h3><p>Waar de vragen zonder passend antwoord of met een 👎 over "
            "gingen.</p>"
        )
        parts.append(_table(["onderwerp", "aantal"], gaps, {1}))
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
        parts.append(candidates_section(data))
    return "\n".join(parts)


def _grouped_texts(items: list[dict]) -> Iterable[str]:
    """Identical questions once, with how often and when last; most frequent first."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        groups[" ".join(item["text"].casefold().split())].append(item)
    ordered = sorted(groups.values(), key=lambda g: (-len(g), g[-1]["ts"]))
    for group in ordered:
        last = nl_date(event_day(max(t["ts"] for t in group)))
        times = f"{len(group)}×, laatst " if len(group) > 1 else ""
        yield (
            f"<li>{_esc(group[-1]['text'])} "
            f'<span class="muted">({_esc(times)}{_esc(last)})</span></li>'
        )


def _about(data: ReportData) -> str:
    return (
        "<h2>Over deze cijfers</h2>"
        "<p>De assistent telt anoniem: per vraag alleen de gemeente, de wijk, de leeftijdsgroep "
        "en de rol (als iemand die heeft opgegeven), het soort voorziening en het onderwerp van "
        "de vraag. Er staat geen naam, "
        "telefoonnummer of chat-id bij. Kleine aantallen zeggen weinig: kijk vooral naar "
        "trends over meerdere weken.</p>"
        "<p>‘Passend antwoord’ betekent: de assistent vond iets specifieks en de vrager gaf "
        "er geen duim omlaag (👎) voor. Beoordelingen zijn anoniem, dus elke 👎 gaat af van de "
        "gevonden antwoorden; het echte aandeel is dus eerder hoger dan lager.</p>"
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
    data, found = load_data(settings, start, end)
    gemeenten = [g for g in data.gemeenten if g != UNKNOWN]
    scope = settings.gemeente or (gemeenten[0] if len(gemeenten) == 1 else "")
    document = render_html(data, scope, now or datetime.now(UTC))
    write_atomic(Path(target), document)
    return ReportResult(Path(target), data, found)

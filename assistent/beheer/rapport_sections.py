"""Municipality report, the sections about need: trend, what parents needed, by leeftijd and rol,
and candidate voorbeeldvragen (opted-in texts grouped by onderwerp)."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Sequence

from assistent.beheer.rapport import NO_TOPIC, UNKNOWN, ReportData, percent

ROL_LABELS = {"ouder": "ouder", "jongere": "jongere zelf", "professional": "professional"}
AGE_ORDER = ("0-3", "4-11", "12-17", "18+")
MAX_CANDIDATES = 8  # questions shown per onderwerp


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: set[int]) -> str:
    """A plain HTML table; cells escaped, ``numeric`` columns right-aligned."""
    head = "".join(
        f'<th class="num">{_esc(h)}</th>' if i in numeric else f"<th>{_esc(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_esc(c)}</td>' if i in numeric else f"<td>{_esc(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def change(now: int, before: int | None) -> str:
    """``+12`` / ``-3`` / ``0`` against the previous period; ``-`` when there is none."""
    if before is None:
        return "-"
    delta = now - before
    return f"+{delta}" if delta > 0 else str(delta)


def trend_rows(data: ReportData) -> list[tuple[str, int, int | None, str]]:
    """The headline figures now, in the previous period and the change."""
    prev = data.previous if data.previous is not None and not data.previous.empty else None

    def row(label: str, now: int, before: int | None) -> tuple[str, int, int | None, str]:
        return (label, now, before, change(now, before))

    return [
        row("vragen", data.vragen, prev.vragen if prev else None),
        row("passend antwoord (gevonden, geen 👎)", data.passend, prev.passend if prev else None),
        row("zonder passend antwoord", data.abstained, prev.abstained if prev else None),
        row("duim omlaag", data.slecht, prev.slecht if prev else None),
        row(
            "hulplijn getoond",
            sum(data.crisis.values()),
            sum(prev.crisis.values()) if prev else None,
        ),
    ]


def trend_section(data: ReportData) -> str:
    parts = ["<h2>Vergeleken met de periode ervoor</h2>"]
    prev = data.previous
    if prev is None or prev.empty or prev.start is None or prev.end is None:
        parts.append(
            "<p>Er zijn geen gegevens van de periode ervoor (even lang, direct voor deze "
            "periode), dus een vergelijking is er nog niet.</p>"
        )
        return "\n".join(parts)
    parts.append(
        f"<p>De periode ervoor is {_esc(prev.start.isoformat())} tot en met "
        f"{_esc(prev.end.isoformat())}, even lang als deze.</p>"
    )
    rows = [(label, now, before, delta) for label, now, before, delta in trend_rows(data)]
    parts.append(table(["", "deze periode", "periode ervoor", "verschil"], rows, {1, 2, 3}))
    risers = [
        (need, n, prev.behoeften.get(need, 0), change(n, prev.behoeften.get(need, 0)))
        for need, n in data.behoeften.most_common()
        if need not in (UNKNOWN, NO_TOPIC) and n > prev.behoeften.get(need, 0)
    ][:5]
    if risers:
        parts.append("<h3>Onderwerpen die vaker gevraagd werden</h3>")
        parts.append(
            table(["onderwerp", "deze periode", "periode ervoor", "verschil"], risers, {1, 2, 3})
        )
    return "\n".join(parts)


def _share_rows(counter: Counter[str], total: int, order: Sequence[str], labels: dict) -> list:
    keys = [k for k in order if counter.get(k)] + sorted(
        k for k in counter if k not in order and k != UNKNOWN
    )
    rows = [(labels.get(k, k), counter[k], percent(counter[k], total)) for k in keys]
    if counter.get(UNKNOWN):
        rows.append(("niet opgegeven", counter[UNKNOWN], percent(counter[UNKNOWN], total)))
    return rows


def needs_section(data: ReportData, chart: str | None) -> str:
    """What parents needed (the question's own onderwerp), and by leeftijd and rol."""
    parts = ["<h2>Waar de vragen over gingen</h2>"]
    known = {k: v for k, v in data.behoeften.items() if k not in (UNKNOWN, NO_TOPIC)}
    if known:
        parts.append(
            "<p>Het onderwerp van de vraag zelf, gekozen uit de onderwerpen van de kennisbank "
            "op het moment van de vraag. De vraag zelf wordt daarvoor niet bewaard. Dit is "
            "wat ouders en jongeren nodig hadden, ook als er geen passende voorziening was.</p>"
        )
        if chart:
            parts.append(chart)
        rows = [(k, v, percent(v, data.vragen)) for k, v in Counter(known).most_common(15)]
        for label, key in (("geen onderwerp herkend", NO_TOPIC), ("niet geteld", UNKNOWN)):
            if data.behoeften.get(key):
                rows.append((label, data.behoeften[key], percent(data.behoeften[key], data.vragen)))
        parts.append(table(["onderwerp", "vragen", "aandeel"], rows, {1, 2}))
    else:
        parts.append(
            "<p>In deze periode is van geen enkele vraag het onderwerp geteld. Het onderwerp "
            "wordt geteld vanaf de versie die de vraag zelf indeelt; oudere tellingen hebben "
            "alleen het onderwerp van de gevonden voorziening, en dat zegt niet wat ouders "
            "nodig hadden.</p>"
        )
    parts.append("<h3>Naar leeftijd van het kind en rol</h3>")
    if any(k != UNKNOWN for k in data.leeftijden) or any(k != UNKNOWN for k in data.rollen):
        parts.append(
            "<p>Als iemand een leeftijd of rol heeft opgegeven. Leeftijden staan in groepen, "
            "nooit precies.</p>"
        )
        ages = _share_rows(data.leeftijden, data.vragen, AGE_ORDER, {})
        parts.append(table(["leeftijd (jaar)", "vragen", "aandeel"], ages, {1, 2}))
        rollen = _share_rows(data.rollen, data.vragen, tuple(ROL_LABELS), ROL_LABELS)
        parts.append(table(["wie vroeg", "vragen", "aandeel"], rollen, {1, 2}))
    else:
        parts.append("<p>Niemand heeft in deze periode een leeftijd of rol opgegeven.</p>")
    return "\n".join(parts)


def candidates_section(data: ReportData) -> str:
    """Opted-in texts without a match or with 👎, by onderwerp: candidate voorbeeldvragen."""
    if not data.candidates:
        return ""
    parts = [
        "<h3>Kandidaat-voorbeeldvragen per onderwerp</h3>",
        "<p>Vragen zonder passend antwoord of met een 👎, per onderwerp. Past een vraag bij "
        "een voorziening die er al is? Zet haar (in eigen woorden, zonder persoonlijke "
        "details) bij <code>voorbeeldvragen</code> van die voorziening. Past ze nergens bij? "
        "Dan ontbreekt er misschien een voorziening.</p>",
    ]
    for topic, items in data.candidates.items():
        shown_as: dict[str, str] = {}
        texts: Counter[str] = Counter()
        for item in items:  # the same question typed twice, once
            key = " ".join(item["text"].casefold().split())
            shown_as.setdefault(key, " ".join(item["text"].split()))
            texts[key] += 1
        shown = "".join(
            f"<li>{_esc(shown_as[text])}"
            + (f' <span class="muted">({n}×)</span>' if n > 1 else "")
            + "</li>"
            for text, n in texts.most_common(MAX_CANDIDATES)
        )
        more = len(texts) - MAX_CANDIDATES
        extra = f'<li class="muted">en nog {more} andere</li>' if more > 0 else ""
        parts.append(f'<h4>{_esc(topic)} ({len(items)})</h4><ul class="texts">{shown}{extra}</ul>')
    return "\n".join(parts)

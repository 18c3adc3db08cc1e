"""Municipality report, the figures as CSV: one row per number, with the previous period beside it.

Columns ``onderdeel;categorie;aantal;periode_ervoor`` (semicolons and UTF-8 with BOM, so Excel
in Dutch opens it in columns). ``periode_ervoor`` is empty when there is no earlier data. Only
counts: never a question text, whatever the setting.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from assistent.beheer.rapport import ReportData
from assistent.files import write_bytes_atomic

HEADER = ("onderdeel", "categorie", "aantal", "periode_ervoor")


def figures(data: ReportData) -> list[tuple[str, str, int, int | None]]:
    """Every figure of the report as (onderdeel, categorie, aantal, periode ervoor)."""
    prev = data.previous if data.previous is not None and not data.previous.empty else None
    rows: list[tuple[str, str, int, int | None]] = []

    def totals(d: ReportData) -> dict[str, int]:
        return {
            "vragen": d.vragen,
            "iets specifieks gevonden": d.found,
            "passend antwoord (gevonden, geen duim omlaag)": d.passend,
            "zonder passend antwoord": d.abstained,
            "duim omhoog": d.goed,
            "duim omlaag": d.slecht,
            "hulplijn getoond": sum(d.crisis.values()),
        }

    before = totals(prev) if prev else {}
    for name, value in totals(data).items():
        rows.append(("totaal", name, value, before.get(name)))

    def counter(section: str, now: Counter[str], old: Counter[str] | None) -> None:
        for key in sorted(set(now) | set(old or ()), key=lambda k: (-now.get(k, 0), k)):
            rows.append(
                (section, key, now.get(key, 0), old.get(key, 0) if old is not None else None)
            )

    counter("onderwerp van de vraag", data.behoeften, prev.behoeften if prev else None)
    counter("leeftijd", data.leeftijden, prev.leeftijden if prev else None)
    counter("rol", data.rollen, prev.rollen if prev else None)
    counter("soort voorziening gevonden", data.soorten, prev.soorten if prev else None)
    counter("hulplijn per soort nood", data.crisis, prev.crisis if prev else None)
    counter("zonder passend antwoord of 👎, per onderwerp", data.gap_onderwerpen, None)
    wijken = Counter({w: c["vragen"]["totaal"] for w, c in data.wijken.items()})
    old_wijken = (
        Counter({w: c["vragen"]["totaal"] for w, c in prev.wijken.items()}) if prev else None
    )
    counter("vragen per wijk", wijken, old_wijken)
    for label, answered, abstained in data.per_week:
        week, year = label.split("\n")
        rows.append(("vragen per week", f"{year}-W{int(week):02d}", answered + abstained, None))
    return rows


def write_csv(path: Path, data: ReportData) -> Path:
    """Write the figures; returns the path."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for section, category, value, before in figures(data):
        writer.writerow((section, category, value, "" if before is None else before))
    write_bytes_atomic(Path(path), buffer.getvalue().encode("utf-8-sig"))
    return Path(path)

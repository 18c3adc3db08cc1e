"""Find, parse and validate the kennisbank files; collect every problem and warning at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import yaml
from pydantic import ValidationError

from assistent.errors import KennisbankError, Problem
from assistent.kennisbank.messages import translate
from assistent.kennisbank.model import Kennisbank, Voorziening, same_name
from assistent.kennisbank.vocabulary import FALLBACK_SOORT, KNOWN_SOORTEN


def split_front_matter(text: str) -> tuple[str, str] | None:
    """Split a Markdown file into (front matter, body); None when there is no front matter."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1 :])
    return None


def parse_file(path: Path) -> tuple[Voorziening | None, list[Problem]]:
    """Parse and validate one file; returns the entry (or None) and its problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(path, None, "is geen UTF-8-tekst. Sla het bestand op als UTF-8.")]
    except OSError as exc:  # e.g. no read permission: report it like any other problem
        return None, [Problem(path, None, f"kan het bestand niet lezen ({exc.strerror or exc}).")]
    parts = split_front_matter(text)
    if parts is None:
        return None, [
            Problem(
                path,
                None,
                "begint niet met front matter. Zet de velden tussen twee regels met alleen '---' "
                "bovenaan het bestand.",
            )
        ]
    front, body = parts
    try:
        data = yaml.safe_load(front) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (regel {mark.line + 2})" if mark else ""
        return None, [
            Problem(
                path,
                None,
                f"de front matter is geen geldige YAML{where}: {getattr(exc, 'problem', exc)}. "
                "Let op dubbele punten in tekst: zet zulke tekst tussen aanhalingstekens.",
            )
        ]
    if not isinstance(data, dict):
        return None, [Problem(path, None, "de front matter moet velden bevatten, zoals 'id: ...'.")]
    problems: list[Problem] = []
    if "beschrijving" in data:
        problems.append(
            Problem(
                path,
                "beschrijving",
                "hoort niet in de front matter: schrijf de beschrijving onder de tweede '---'.",
            )
        )
        data.pop("beschrijving")
    data["beschrijving"] = body.strip()
    try:
        entry = Voorziening.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            name, message = translate(error)
            if name == "beschrijving":
                message = "ontbreekt: schrijf onder de front matter wat de voorziening doet."
            problems.append(Problem(path, name or None, message))
        return None, problems
    if entry.id != path.stem:
        problems.append(
            Problem(
                path,
                "id",
                f"'{entry.id}' is niet gelijk aan de bestandsnaam '{path.stem}'. "
                f"Hernoem het bestand naar {entry.id}.md of pas het id aan.",
            )
        )
    return (None if problems else entry), problems


def _entry_warnings(entry: Voorziening, path: Path) -> Iterable[Problem]:
    if entry.soort not in KNOWN_SOORTEN:
        guess = difflib.get_close_matches(entry.soort, KNOWN_SOORTEN, n=1)
        hint = f" Bedoel je '{guess[0]}'?" if guess else ""
        yield Problem(path, "soort", f"'{entry.soort}' is een nieuwe soort.{hint}", warning=True)
    if not entry.voorbeeldvragen:
        yield Problem(
            path,
            "voorbeeldvragen",
            "er zijn geen voorbeeldvragen. Met 3 tot 8 vragen zoals ouders ze typen wordt de "
            "voorziening veel beter gevonden.",
            warning=True,
        )
    folder = path.parent.name
    if entry.landelijk and folder != "landelijk":
        yield Problem(path, "landelijk", "staat niet in de map 'landelijk'.", warning=True)
    if entry.gemeente and folder.casefold() != entry.gemeente.casefold().replace(" ", "-"):
        yield Problem(
            path,
            "gemeente",
            f"'{entry.gemeente}' past niet bij de map '{folder}'.",
            warning=True,
        )


def load_kennisbank(root: Path) -> Kennisbank:
    """Load every ``*.md`` under ``root``; raise KennisbankError listing all problems."""
    root = Path(root)
    if not root.is_dir():
        raise KennisbankError(
            [
                Problem(
                    root,
                    None,
                    "deze map bestaat niet. Geef de kennisbank aan met --kennisbank MAP of "
                    "ASSISTENT_KENNISBANK.",
                )
            ]
        )
    problems: list[Problem] = []
    entries: list[Voorziening] = []
    paths: dict[str, Path] = {}
    files = sorted(p for p in root.rglob("*.md") if not p.name.startswith(("_", ".")))
    files = [p for p in files if p.name.lower() != "readme.md"]
    for path in files:
        entry, file_problems = parse_file(path)
        problems += file_problems
        if entry is None:
            continue
        if entry.id in paths:
            problems.append(
                Problem(
                    path,
                    "id",
                    f"'{entry.id}' komt ook voor in {paths[entry.id]}. Elk id moet uniek zijn.",
                )
            )
            continue
        paths[entry.id] = path
        entries.append(entry)
        problems += _entry_warnings(entry, path)
    if not files:
        problems.append(
            Problem(root, None, "bevat geen voorzieningen (*.md). Zie docs/kennisbank.md.")
        )
    kb = Kennisbank(root=root, entries=entries, paths=paths)
    for gemeente in kb.gemeenten:
        if not any(e.soort == FALLBACK_SOORT and same_name(e.gemeente, gemeente) for e in entries):
            problems.append(
                Problem(
                    root,
                    "soort",
                    f"gemeente {gemeente} heeft geen voorziening met soort 'cjg'. Die is het "
                    "vangnet als de assistent niets specifieks vindt.",
                    warning=True,
                )
            )
    errors = [p for p in problems if not p.warning]
    if errors:
        raise KennisbankError(problems)
    kb.warnings = problems
    return kb


def stale_entries(kb: Kennisbank, today: date, max_age_months: int) -> list[Voorziening]:
    """Entries whose ``laatst_gecontroleerd`` is older than ``max_age_months`` (or missing)."""
    limit = months_before(today, max_age_months)
    return [
        e for e in kb.entries if e.laatst_gecontroleerd is None or e.laatst_gecontroleerd < limit
    ]


def months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    # clamp the day for short months (31 March minus one month = 28/29 February)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")

"""Find, parse and validate the kennisbank files; collect every problem and warning at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import yaml
from pydantic import ValidationError

from assistent.errors import KennisbankError, Problem, did_you_mean
from assistent.kennisbank.messages import translate
from assistent.kennisbank.model import Gemeente, Kennisbank, Voorziening, same_name, slugify
from assistent.kennisbank.phones import phone_doubt
from assistent.kennisbank.vocabulary import FALLBACK_SOORT, KNOWN_SOORTEN
from assistent.kennisbank.yamltext import (
    DuplicateFieldError,
    read_front_matter,
    read_yaml_text,
    yaml_problem,
)

GEMEENTE_FILE = "gemeente.yaml"


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
        data, dropped = read_front_matter(front)
        data = data or {}
    except DuplicateFieldError as exc:
        return None, [Problem(path, exc.field, exc.dutch(first_line=2))]
    except yaml.YAMLError as exc:
        return None, [Problem(path, None, yaml_problem(exc, first_line=2))]
    if not isinstance(data, dict):
        return None, [Problem(path, None, "de front matter moet velden bevatten, zoals 'id: ...'.")]
    notes = [
        Problem(
            path,
            name,
            f"alles na ' #' leest de assistent als opmerking en toont hij niet: '{cut}'. "
            "Hoort het bij de tekst, zet de hele waarde dan tussen aanhalingstekens, "
            'bijvoorbeeld aanmelden: "bel en kies optie #2".',
            warning=True,
        )
        for name, cut in dropped
    ]
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
        return None, problems + notes
    if entry.id != path.stem:
        problems.append(Problem(path, "id", _rename_advice(entry.id, path)))
    return (None if problems else entry), problems + notes


def _rename_advice(entry_id: str, path: Path) -> str:
    """What to do when the id differs from the file name, never advising to overwrite a file."""
    message = f"'{entry_id}' is niet gelijk aan de bestandsnaam '{path.stem}'. "
    if (path.parent / f"{entry_id}.md").exists():
        return message + (
            f"Er is al een bestand {entry_id}.md: is dit een kopie? Geef deze voorziening dan "
            f"een eigen id, bijvoorbeeld 'id: {path.stem}'."
        )
    return message + f"Hernoem het bestand naar {entry_id}.md of pas het id aan."


def _entry_warnings(entry: Voorziening, path: Path) -> Iterable[Problem]:
    if entry.soort not in KNOWN_SOORTEN:
        hint = did_you_mean(entry.soort, KNOWN_SOORTEN)
        yield Problem(path, "soort", f"'{entry.soort}' is een nieuwe soort.{hint}", warning=True)
    if not entry.voorbeeldvragen:
        yield Problem(
            path,
            "voorbeeldvragen",
            "er zijn geen voorbeeldvragen. Schrijf er 4 tot 8, in de woorden van ouders, "
            "jongeren of professionals (zie docs/beheer.md, 'Goede voorbeeldvragen schrijven'). "
            "Dan vindt de assistent deze voorziening veel beter.",
            warning=True,
        )
    for name in ("telefoon", "whatsapp"):
        typed = getattr(entry.contact, name)
        if typed and (doubt := phone_doubt(typed)):
            yield Problem(path, f"contact.{name}", doubt, warning=True)
    folder = path.parent.name
    if entry.landelijk and folder != "landelijk":
        yield Problem(path, "landelijk", "staat niet in de map 'landelijk'.", warning=True)
    if entry.gemeente and slugify(folder) != slugify(entry.gemeente):
        yield Problem(
            path,
            "gemeente",
            f"'{entry.gemeente}' past niet bij de map '{folder}'. De map van deze gemeente "
            f"heet '{slugify(entry.gemeente)}'.",
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
    problems += _misnamed_files(root)
    gemeente_files = _load_gemeente_files(root, problems)
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
    kb = Kennisbank(root=root, entries=entries, paths=paths, gemeente_files=gemeente_files)
    problems += _wijk_problems(kb)
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


def _starts_with_front_matter(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(8).removeprefix(b"\xef\xbb\xbf").startswith(b"---")
    except OSError:
        return False


def _misnamed_files(root: Path) -> list[Problem]:
    """Files that look like voorzieningen but are not read, e.g. Notepad's ``naam.md.txt``."""
    problems = []
    for path in sorted(root.rglob("*")):
        name = path.name
        lower = name.casefold()
        hidden = any(part.startswith((".", "_")) for part in path.relative_to(root).parts)
        if hidden or lower == "readme.md" or not path.is_file():
            continue
        if lower.endswith(".md") and name != path.stem + ".md":  # e.g. NAAM.MD
            problems.append(
                Problem(
                    path,
                    None,
                    f"wordt niet gelezen: de extensie moet '.md' zijn (kleine letters). Hernoem "
                    f"het naar {path.stem}.md.",
                    warning=True,
                )
            )
        elif lower.endswith((".md.txt", ".markdown")) or (
            lower.endswith(".txt") and _starts_with_front_matter(path)
        ):
            stem = name.split(".", 1)[0]
            target = path.parent / f"{stem}.md"
            advice = (
                f"Hernoem het naar {stem}.md."
                if not target.exists()
                else f"Er is al een {stem}.md: voeg de inhoud samen of verwijder dit bestand."
            )
            problems.append(
                Problem(
                    path,
                    None,
                    f"wordt niet gelezen, want alleen bestanden die op '.md' eindigen tellen mee "
                    f"(Kladblok plakt er vaak '.txt' achter). {advice}",
                    warning=True,
                )
            )
    return problems


def _load_gemeente_files(root: Path, problems: list[Problem]) -> list[Gemeente]:
    """Read every ``<root>/<map>/gemeente.yaml``; problems are added to ``problems``."""
    found = []
    for path in sorted(root.glob(f"*/{GEMEENTE_FILE}")):
        try:
            data = read_yaml_text(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            problems.append(Problem(path, None, "is geen UTF-8-tekst. Sla het op als UTF-8."))
            continue
        except OSError as exc:
            problems.append(Problem(path, None, f"kan niet gelezen worden ({exc.strerror})."))
            continue
        except yaml.YAMLError as exc:
            message = yaml_problem(exc).replace("de front matter is", "het bestand is")
            problems.append(Problem(path, None, message))
            continue
        try:
            gemeente = Gemeente.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                name, message = translate(error)
                problems.append(Problem(path, name or None, message))
            continue
        if slugify(gemeente.naam) != slugify(path.parent.name):
            problems.append(
                Problem(
                    path,
                    "naam",
                    f"'{gemeente.naam}' past niet bij de map '{path.parent.name}'. De map van "
                    f"deze gemeente heet '{slugify(gemeente.naam)}'.",
                )
            )
            continue
        found.append(gemeente)
    return found


def _wijk_problems(kb: Kennisbank) -> list[Problem]:
    """Wijken not in gemeente.yaml are errors; without that file, doubtful wijken are warnings."""
    problems = []
    for gemeente in kb.gemeenten:
        own = [e for e in kb.entries if same_name(e.gemeente, gemeente)]
        info = kb.gemeente(gemeente)
        if info is not None and info.wijken:
            listed = info.wijk_names()
            for entry in own:
                for wijk in entry.wijken:
                    if wijk in listed:
                        continue
                    guess = [w for w in listed if same_name(w, wijk)] or difflib.get_close_matches(
                        wijk, listed, n=1
                    )
                    hint = f" Bedoel je '{guess[0]}'?" if guess else ""
                    problems.append(
                        Problem(
                            kb.paths[entry.id],
                            "wijken",
                            f"'{wijk}' staat niet in de wijken van {info.naam} "
                            f"({', '.join(listed)}).{hint} Staat de wijk er echt niet bij, zet "
                            f"hem dan in {slugify(info.naam)}/{GEMEENTE_FILE}.",
                        )
                    )
            continue
        counts: dict[str, int] = {}
        for entry in own:
            for wijk in entry.wijken:
                counts[wijk] = counts.get(wijk, 0) + 1
        for entry in own:
            for wijk in entry.wijken:
                twins = [w for w in counts if w != wijk and same_name(w, wijk)]
                if twins:
                    why = f"'{wijk}' en '{twins[0]}' verschillen alleen in hoofdletters of spaties."
                elif counts[wijk] == 1:
                    why = f"'{wijk}' komt maar één keer voor in {gemeente}. Is het een tikfout?"
                else:
                    continue
                problems.append(
                    Problem(
                        kb.paths[entry.id],
                        "wijken",
                        f"{why} Zet de wijken van de gemeente in {GEMEENTE_FILE}, dan controleert "
                        "check ze (zie docs/kennisbank.md).",
                        warning=True,
                    )
                )
    return problems


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

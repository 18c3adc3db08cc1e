"""Load and validate the kennisbank: one Markdown file per voorziening, YAML front matter + body.

Every problem in every file is collected and reported at once, in Dutch, with the file, the
field and what to do. See docs/kennisbank.md for the format.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistent.errors import KennisbankError, Problem

Doelgroep = Literal["ouders", "professionals", "jongeren", "kinderen"]

KNOWN_SOORTEN = (
    "cjg",
    "jeugdgezondheidszorg",
    "home-start",
    "maatjesproject",
    "ouderplatform",
    "wijkteam",
    "schoolmaatschappelijk-werk",
    "peuteropvang",
    "cursus",
    "scheiding",
    "schuldhulp",
    "fonds",
    "onderwijs",
    "leerplicht",
    "huisarts",
    "jeugd-ggz",
    "mantelzorg",
    "welzijn",
    "jongerenwerk",
    "lotgenoten",
    "sport",
    "taal",
    "professionals",
    "hulplijn",
    "noodnummer",
)

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_PHONE = re.compile(r"^\+?[\d\s\-()]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_URL = re.compile(r"^https?://[^\s/.]+\.[^\s]+$")


def _check_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if not _PHONE.match(value) or not 3 <= len(digits) <= 15:
        raise ValueError(
            f"'{value}' is geen geldig telefoonnummer. Gebruik alleen cijfers, spaties en '-', "
            "bijvoorbeeld 012-345 6701 of 0800-2000."
        )
    return value.strip()


def _as_text(value: Any) -> Any:
    # YAML reads `telefoon: 112` as a number; a phone number is text.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Leeftijd(BaseModel):
    """Age range of the child in years, both ends inclusive."""

    model_config = ConfigDict(extra="forbid")
    van: int = Field(0, ge=0, le=30)
    tot: int = Field(30, ge=0, le=30)

    @model_validator(mode="after")
    def _ordered(self) -> Leeftijd:
        if self.van > self.tot:
            raise ValueError(f"'van' ({self.van}) is groter dan 'tot' ({self.tot}). Draai ze om.")
        return self

    def contains(self, age: int) -> bool:
        """True when ``age`` falls inside the range."""
        return self.van <= age <= self.tot


class Contact(BaseModel):
    """How to reach a voorziening; at least one way."""

    model_config = ConfigDict(extra="forbid")
    telefoon: str | None = None
    email: str | None = None
    website: str | None = None
    adres: str | None = None
    whatsapp: str | None = None
    chat: str | None = None

    _text = field_validator("telefoon", "whatsapp", mode="before")(_as_text)

    @field_validator("telefoon", "whatsapp")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else _check_phone(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value.strip()):
            raise ValueError(f"'{value}' is geen geldig e-mailadres, zoals naam@organisatie.nl.")
        return value.strip() if value else value

    @field_validator("website", "chat")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not _URL.match(value.strip()):
            raise ValueError(
                f"'{value}' is geen volledige webadres. Begin met https://, "
                "bijvoorbeeld https://www.organisatie.nl."
            )
        return value.strip() if value else value

    @model_validator(mode="after")
    def _at_least_one(self) -> Contact:
        if not any(getattr(self, name) for name in type(self).model_fields):
            raise ValueError(
                "geef minstens één manier om contact op te nemen: telefoon, email, website, "
                "adres, whatsapp of chat."
            )
        return self


class Voorziening(BaseModel):
    """One local or national provision, as CJG staff write it in the kennisbank."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG)
    naam: str = Field(min_length=1)
    soort: str = Field(pattern=SLUG)
    gemeente: str | None = None
    landelijk: bool = False
    wijken: list[str] = Field(default_factory=list)
    doelgroep: list[Doelgroep] = Field(default_factory=list)
    leeftijd: Leeftijd | None = None
    onderwerpen: list[str] = Field(default_factory=list)
    voorbeeldvragen: list[str] = Field(default_factory=list)
    contact: Contact
    openingstijden: str | None = None
    kosten: str | None = None
    aanmelden: str | None = None
    laatst_gecontroleerd: date | None = None
    eigenaar: str | None = None
    beschrijving: str = Field(min_length=1)

    _text = field_validator("naam", "gemeente", "openingstijden", "kosten", mode="before")(_as_text)

    @field_validator("naam", "beschrijving")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("mag niet leeg zijn.")
        return value.strip()

    @field_validator("wijken", "onderwerpen", "voorbeeldvragen", mode="after")
    @classmethod
    def _clean_list(cls, values: list[str]) -> list[str]:
        return [v.strip() for v in values if v and v.strip()]

    @model_validator(mode="after")
    def _scope(self) -> Voorziening:
        if self.landelijk and self.gemeente:
            raise ValueError("gebruik óf 'gemeente: <naam>' óf 'landelijk: true', niet allebei.")
        if not self.landelijk and not self.gemeente:
            raise ValueError("vul 'gemeente: <naam>' in, of 'landelijk: true' voor heel Nederland.")
        if self.landelijk and self.wijken:
            raise ValueError("een landelijke voorziening heeft geen 'wijken'.")
        return self

    @property
    def scope(self) -> str:
        """The gemeente, or 'landelijk'."""
        return "landelijk" if self.landelijk else str(self.gemeente)

    def content_hash(self) -> str:
        """Hash of everything that can change an answer; used to detect a stale index."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


@dataclass
class Kennisbank:
    """All voorzieningen of one kennisbank folder, validated, in a stable order."""

    root: Path
    entries: list[Voorziening]
    paths: dict[str, Path] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def by_id(self) -> dict[str, Voorziening]:
        """Entries keyed by id."""
        return {e.id: e for e in self.entries}

    @property
    def gemeenten(self) -> list[str]:
        """The gemeenten that have entries, sorted."""
        return gemeenten_of(self.entries)

    def wijken(self, gemeente: str | None = None) -> list[str]:
        """The wijken named by entries (of one gemeente, when given), sorted."""
        return wijken_of(self.entries, gemeente)

    def content_hash(self) -> str:
        """One hash over all entries."""
        digest = hashlib.sha256()
        for entry in self.entries:
            digest.update(entry.content_hash().encode())
        return digest.hexdigest()[:16]


def gemeenten_of(entries: Iterable[Voorziening]) -> list[str]:
    """The gemeenten that have entries, sorted."""
    return sorted({e.gemeente for e in entries if e.gemeente})


def wijken_of(entries: Iterable[Voorziening], gemeente: str | None = None) -> list[str]:
    """The wijken named by entries (of one gemeente, when given), sorted."""
    return sorted(
        {
            w
            for e in entries
            if gemeente is None or same_name(e.gemeente, gemeente)
            for w in e.wijken
        }
    )


def same_name(a: str | None, b: str | None) -> bool:
    """Compare gemeente or wijk names the way people type them (case and spaces ignored)."""
    if a is None or b is None:
        return False
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


_FIELD_NAMES = [*Voorziening.model_fields, *Contact.model_fields, "van", "tot"]

_TYPE_MESSAGES = {
    "missing": "ontbreekt; dit veld is verplicht.",
    "string_type": "moet tekst zijn.",
    "int_type": "moet een heel getal zijn.",
    "int_parsing": "moet een heel getal zijn.",
    "bool_type": "moet true of false zijn.",
    "bool_parsing": "moet true of false zijn.",
    "list_type": "moet een lijst zijn, bijvoorbeeld [a, b] of regels die beginnen met '- '.",
    "date_type": "moet een datum zijn in de vorm JJJJ-MM-DD, bijvoorbeeld 2026-10-01.",
    "date_parsing": "moet een datum zijn in de vorm JJJJ-MM-DD, bijvoorbeeld 2026-10-01.",
    "date_from_datetime_parsing": "moet een datum zijn in de vorm JJJJ-MM-DD.",
    "model_type": "moet een groep velden zijn (ingesprongen regels eronder).",
    "dict_type": "moet een groep velden zijn (ingesprongen regels eronder).",
    "string_too_short": "mag niet leeg zijn.",
    "greater_than_equal": "is te klein.",
    "less_than_equal": "is te groot (maximaal 30 jaar).",
}


def _translate(error: dict[str, Any]) -> tuple[str, str]:
    """Turn one pydantic error into (field path, Dutch message with what to do)."""
    loc = [str(part) for part in error["loc"]]
    name = ".".join(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        unknown = loc[-1]
        guess = difflib.get_close_matches(unknown, _FIELD_NAMES, n=1, cutoff=0.6)
        hint = f" Bedoel je '{guess[0]}'?" if guess else " Zie docs/kennisbank.md voor de velden."
        return name, f"onbekend veld '{unknown}'.{hint}"
    if kind == "literal_error" and loc and loc[0] == "doelgroep":
        return name, (
            f"'{error.get('input')}' is geen doelgroep. Kies uit: ouders, professionals, "
            "jongeren, kinderen."
        )
    if kind == "string_pattern_mismatch":
        return name, (
            f"'{error.get('input')}' mag alleen kleine letters, cijfers en '-' bevatten, "
            "bijvoorbeeld home-start-noord."
        )
    if kind in ("value_error", "assertion_error"):
        message = str(error.get("ctx", {}).get("error", error["msg"]))
        return name, message
    return name, _TYPE_MESSAGES.get(kind, error["msg"])


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
            name, message = _translate(error)
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
        if not any(e.soort == "cjg" and same_name(e.gemeente, gemeente) for e in entries):
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

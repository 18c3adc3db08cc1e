"""Crisis lines and curated crisis/contrast sentences, loaded from the package data.

All I/O of the safety layer lives here; :mod:`assistent.safety.detector` only receives the loaded
objects. Both files ship inside the package (``assistent/data``) and are read with
:mod:`importlib.resources`, so they work from a wheel and from a source checkout.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistent.files import read_yaml
from assistent.safety.categories import CATEGORIES, LINE_IDS

CRISISLIJNEN_FILE = "crisislijnen.yaml"
VOORBEELDEN_FILE = "crisis_voorbeelden.yaml"

_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]*[0-9]$")
_NOT_WORD = re.compile(r"[^\w]+")


class CrisisLijn(BaseModel):
    """One crisis line, as shown to a person who may be in danger."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    naam: str = Field(min_length=1)
    telefoon: list[str] = Field(min_length=1)
    bereikbaar: str | None = None
    chat: str | None = None
    website: str | None = None
    kosten: str | None = None
    boodschap: str = Field(min_length=1)
    # how people name the line in a message ("veilig thuis", "kindertelefoon"): a message that
    # names it gets the line first. Whole words, in lower case; optional.
    genoemd: list[str] = Field(default_factory=list)

    @field_validator("telefoon")
    @classmethod
    def _check_phones(cls, numbers: list[str]) -> list[str]:
        for number in numbers:
            if not _PHONE.match(number):
                raise ValueError(f"geen geldig telefoonnummer: {number!r}")
        return numbers

    @field_validator("chat", "website")
    @classmethod
    def _check_url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith("https://"):
            raise ValueError(f"een link moet beginnen met https://: {url!r}")
        return url


class Crisislijnen(BaseModel):
    """All crisis lines, keyed by safety category, with who checked them and when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gecontroleerd: date
    gecontroleerd_door: str = Field(min_length=1)
    volgende_controle: str = Field(min_length=1)
    lijnen: dict[str, CrisisLijn]

    @model_validator(mode="after")
    def _check_categories(self) -> Crisislijnen:
        if set(self.lijnen) != set(CATEGORIES):
            raise ValueError(
                f"crisislijnen moet precies deze categorieën hebben: {', '.join(CATEGORIES)}"
            )
        for category, lijn in self.lijnen.items():
            if lijn.id != LINE_IDS[category]:
                raise ValueError(f"lijn {category!r} moet id {LINE_IDS[category]!r} hebben")
        return self

    def named_in(self, text: str) -> str | None:
        """The category of the first line (in priority order) a message names, or None."""
        lowered = _spaced(text)
        for category in CATEGORIES:
            if any(f" {name.casefold()} " in lowered for name in self.lijnen[category].genoemd):
                return category
        return None

    def without_names(self, text: str) -> str:
        """The message without the names of lines, in lower case: what else it asks. A message
        that names no line comes back as it is."""
        lowered = spaced = _spaced(text)
        for lijn in self.lijnen.values():
            for name in lijn.genoemd:
                lowered = lowered.replace(f" {name.casefold()} ", " ")
        return text if lowered == spaced else lowered.strip()


def _spaced(text: str) -> str:
    """The words of a text in lower case, with one space around each."""
    return " " + " ".join(_NOT_WORD.sub(" ", text.casefold()).split()) + " "


class CrisisExamples(BaseModel):
    """Curated example sentences: crisis sentences per category, and contrast sentences."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    crisis: dict[str, list[str]]
    contrast: list[str] = Field(min_length=1)

    @field_validator("crisis")
    @classmethod
    def _check_crisis(cls, crisis: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(crisis) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"onbekende categorie(ën): {', '.join(sorted(unknown))}")
        for category, sentences in crisis.items():
            if not sentences:
                raise ValueError(f"categorie {category!r} heeft geen voorbeeldzinnen")
        return crisis

    @model_validator(mode="after")
    def _check_overlap(self) -> CrisisExamples:
        crisis = {s.strip().lower() for sentences in self.crisis.values() for s in sentences}
        both = crisis & {s.strip().lower() for s in self.contrast}
        if both:
            raise ValueError(f"zin staat zowel bij crisis als bij contrast: {sorted(both)[0]!r}")
        return self


def _read(name: str) -> object:
    text = resources.files("assistent").joinpath("data", name).read_text(encoding="utf-8")
    return read_yaml(text)


@cache
def load_crisislijnen() -> Crisislijnen:
    """The crisis lines from ``assistent/data/crisislijnen.yaml`` (read once)."""
    return Crisislijnen.model_validate(_read(CRISISLIJNEN_FILE))


@cache
def load_crisis_voorbeelden() -> CrisisExamples:
    """The curated crisis and contrast sentences from ``crisis_voorbeelden.yaml`` (read once)."""
    return CrisisExamples.model_validate(_read(VOORBEELDEN_FILE))


# --- the labelled corpus the crisis classifier learns from ----------------------------------
CORPUS_DIR = "crisis_corpus"
SITUATIONS_FILE = "crisis_situaties.yaml"
RULES_FILE = "crisis_regels.yaml"
NONE = "geen"


class Situation(BaseModel):
    """One situation of the taxonomy: its category and reply level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    niveau: Literal["acuut", "zorg"] = "acuut"
    omschrijving: str


class Taxonomy(BaseModel):
    """Per crisis category the situations it covers, and the groups of hard negatives."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    categorieen: dict[str, list[Situation]]
    harde_negatieven: list[Situation]

    @model_validator(mode="after")
    def _check(self) -> Taxonomy:
        if set(self.categorieen) != set(CATEGORIES):
            raise ValueError(f"crisis_situaties moet precies deze categorieën hebben: {CATEGORIES}")
        return self

    def levels(self) -> dict[str, Literal["acuut", "zorg"]]:
        """Per category its reply level: zorg only when every situation in it is zorg."""
        return {
            c: "zorg" if all(s.niveau == "zorg" for s in sits) else "acuut"
            for c, sits in self.categorieen.items()
        }

    def category_of(self) -> dict[str, str]:
        """Situation id → category (or 'geen' for a hard negative group)."""
        out = {s.id: c for c, sits in self.categorieen.items() for s in sits}
        out.update({s.id: NONE for s in self.harde_negatieven})
        return out


@dataclass(frozen=True)
class CorpusMessage:
    """One labelled message of the corpus."""

    tekst: str
    situatie: str
    register: str
    categorie: str = NONE
    bestand: str = ""


class AcuteRule(BaseModel):
    """A high-precision phrase that always means this category (no contrast word cancels it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    categorie: str
    patroon: str
    voorbeeld: str

    @model_validator(mode="after")
    def _check(self) -> AcuteRule:
        if self.categorie not in CATEGORIES:
            raise ValueError(f"onbekende categorie {self.categorie!r}")
        if not re.search(self.patroon, self.voorbeeld):
            raise ValueError(f"patroon {self.patroon!r} past niet op zijn voorbeeld")
        return self


class AcuteRules(BaseModel):
    """The declarative acute-phrase layer and the words that ask for all help lines at once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hulpwoorden: list[str]
    noodwoorden: list[str] = []
    noodnummers: dict[str, str] = {}  # a line's number in a short call: that line leads
    regels: list[AcuteRule]

    @model_validator(mode="after")
    def _check_numbers(self) -> AcuteRules:
        unknown = sorted(set(self.noodnummers.values()) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"noodnummers: onbekende categorie {unknown[0]!r}")
        return self


@cache
def load_taxonomy() -> Taxonomy:
    """The situation taxonomy from ``crisis_situaties.yaml``."""
    return Taxonomy.model_validate(_read(SITUATIONS_FILE))


@cache
def load_acute_rules() -> AcuteRules:
    """The acute phrases and help words from ``crisis_regels.yaml``."""
    return AcuteRules.model_validate(_read(RULES_FILE))


def corpus_fingerprint() -> str:
    """A hash of every file the classifier learns from, without parsing them (cheap)."""
    data = resources.files("assistent").joinpath("data")
    digest = hashlib.sha256()
    names = [SITUATIONS_FILE, VOORBEELDEN_FILE]
    names += [f"{CORPUS_DIR}/{p.name}" for p in data.joinpath(CORPUS_DIR).iterdir()]
    for name in sorted(names):
        digest.update(name.encode() + b"\0" + data.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def load_corpus() -> list[CorpusMessage]:
    """Every labelled message in ``assistent/data/crisis_corpus/*.yaml``, with its category."""
    category_of = load_taxonomy().category_of()
    folder = resources.files("assistent").joinpath("data", CORPUS_DIR)
    messages: list[CorpusMessage] = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".yaml"):
            continue
        for row in read_yaml(item.read_text(encoding="utf-8")) or []:
            situation = str(row["situatie"])
            if situation not in category_of:
                raise ValueError(f"{item.name}: onbekende situatie {situation!r}")
            messages.append(
                CorpusMessage(
                    tekst=str(row["tekst"]),
                    situatie=situation,
                    register=str(row["register"]),
                    categorie=category_of[situation],
                    bestand=item.name,
                )
            )
    return messages

"""The kennisbank's data model: pydantic models of one voorziening and of a whole kennisbank."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistent.errors import Problem

Doelgroep = Literal["ouders", "professionals", "jongeren", "kinderen"]

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
    # The Markdown loader keeps every scalar as text; other callers (a spreadsheet cell, code)
    # may still hand over a number. A phone number or a price is text.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


# `landelijk` is a yes/no field. The loader keeps `ja`, `on` etc. as text; these are the words
# it accepts (any case), chosen on purpose: Dutch and English, and YAML 1.1's on/off.
YES_WORDS = frozenset({"true", "ja", "yes", "on"})
NO_WORDS = frozenset({"false", "nee", "no", "off"})


def _as_bool(value: Any) -> Any:
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise ValueError(f"'{value}' is geen ja of nee. Schrijf 'landelijk: ja' of laat het weg.")
    return value


# A check date may be a day ahead (time zones); later than this is a typing error.
FUTURE_SLACK = timedelta(days=1)


def slugify(text: str) -> str:
    """A kennisbank slug: lower case ``a-z``, ``0-9`` and single ``-``.

    Accents are dropped and apostrophes and brackets become ``-``, so 's-Hertogenbosch gives
    ``s-hertogenbosch``, Súdwest-Fryslân ``sudwest-fryslan`` and Bergen (NH) ``bergen-nh``.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


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

    _text = field_validator(
        "naam", "gemeente", "openingstijden", "kosten", "aanmelden", "eigenaar", mode="before"
    )(_as_text)
    _bool = field_validator("landelijk", mode="before")(_as_bool)

    @field_validator("laatst_gecontroleerd", mode="after")
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today() + FUTURE_SLACK:
            raise ValueError(
                f"{value.isoformat()} ligt in de toekomst. Vul de dag in waarop je de gegevens "
                "hebt nagekeken, bijvoorbeeld " + date.today().isoformat() + "."
            )
        return value

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

    def content_hash(self) -> str:
        """Hash of everything that can change an answer; used to detect a stale index."""
        # the bytes of model_dump_json(), without decoding and encoding them again (100k
        # entries are hashed on every build of a national kennisbank)
        return hashlib.sha256(self.__pydantic_serializer__.to_json(self)).hexdigest()[:16]


_POSTCODE = re.compile(r"^[1-9][0-9]{3}(?:[A-Z]{2})?$")


class Wijk(BaseModel):
    """One wijk of a gemeente, with the postcodes (4 digits, or 4 digits and 2 letters) in it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    naam: str = Field(min_length=1)
    postcodes: list[str] = Field(default_factory=list)

    _text = field_validator("naam", mode="before")(_as_text)

    @field_validator("postcodes", mode="before")
    @classmethod
    def _codes(cls, values: Any) -> Any:
        if not isinstance(values, list):
            return values
        codes = []
        for value in values:
            code = "".join(str(_as_text(value)).split()).upper()
            if not _POSTCODE.match(code):
                raise ValueError(
                    f"'{value}' is geen postcode. Schrijf 4 cijfers (1011) of 4 cijfers en "
                    "2 letters (1011 AB)."
                )
            codes.append(code)
        return codes


class Gemeente(BaseModel):
    """``kennisbank/<gemeente>/gemeente.yaml``: the gemeente's name, provincie and wijken."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    naam: str = Field(min_length=1)
    provincie: str | None = None
    wijken: list[Wijk] = Field(default_factory=list)

    _text = field_validator("naam", "provincie", mode="before")(_as_text)

    @field_validator("wijken", mode="before")
    @classmethod
    def _names_or_tables(cls, values: Any) -> Any:
        # `- Noord` is short for `- naam: Noord`
        if isinstance(values, list):
            return [{"naam": v} if isinstance(v, str | int) else v for v in values]
        return values

    def wijk_names(self) -> list[str]:
        """The wijken, as written in gemeente.yaml."""
        return [w.naam for w in self.wijken]

    def wijk_for_postcode(self, postcode: str) -> str | None:
        """The wijk of a postcode (``1011 AB`` or ``1011``), or None when it is not listed."""
        code = "".join(postcode.split()).upper()
        exact = [w.naam for w in self.wijken if code in w.postcodes]
        area = [w.naam for w in self.wijken if code[:4] in w.postcodes]
        return (exact or area or [None])[0]


@dataclass
class Kennisbank:
    """All voorzieningen of one kennisbank folder, validated, in a stable order."""

    root: Path
    entries: list[Voorziening]
    paths: dict[str, Path] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    gemeente_files: list[Gemeente] = field(default_factory=list)

    def by_id(self) -> dict[str, Voorziening]:
        """Entries keyed by id."""
        return {e.id: e for e in self.entries}

    @property
    def gemeenten(self) -> list[str]:
        """The gemeenten that have entries, sorted."""
        return gemeenten_of(self.entries)

    def wijken(self, gemeente: str | None = None) -> list[str]:
        """The wijken of one gemeente (or all), sorted: from gemeente.yaml when it lists them,
        else as named by the entries."""
        info = self.gemeente(gemeente) if gemeente is not None else None
        if info is not None and info.wijken:
            return sorted(info.wijk_names())
        return wijken_of(self.entries, gemeente)

    def gemeente(self, name: str | None) -> Gemeente | None:
        """The gemeente.yaml of a gemeente, when there is one."""
        return next((g for g in self.gemeente_files if same_name(g.naam, name)), None)

    def wijk_for_postcode(self, gemeente: str, postcode: str) -> str | None:
        """The wijk of a postcode in a gemeente, when its gemeente.yaml lists postcodes."""
        info = self.gemeente(gemeente)
        return info.wijk_for_postcode(postcode) if info else None

    def content_hash(self) -> str:
        """One hash over all entries."""
        return combined_hash([entry.content_hash() for entry in self.entries])


def combined_hash(entry_hashes: Iterable[str]) -> str:
    """One hash over the entries' hashes, in order (``Kennisbank.content_hash``)."""
    digest = hashlib.sha256()
    for h in entry_hashes:
        digest.update(h.encode())
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

"""The kennisbank's data model: pydantic models of one voorziening and of a whole kennisbank."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
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

"""Open Referral HSDS 3.0 import: turn a package's services into kennisbank entries, as a plan.

Import (``importeer-hsds``) reads the data package (:mod:`assistent.beheer.hsds_package`) and
turns each active service into a kennisbank entry, validated with the kennisbank's own model;
every problem names file, row and column. A package we exported ourselves maps back to the same
files through its uuid5 ids. An entry that already exists keeps what HSDS does not know
(voorbeeldvragen, onderwerpen, wijken, doelgroep, soort). A folder with only ``services.json``
(our JSON export) is read too.

A ``maximum_age`` above the kennisbank's 30 years is not cut to 30 silently: the entry gets no
upper limit (30 in the kennisbank means "no upper limit") and a warning names the cell. A phone
number in quotes (``"+44 1234 234567"``, as in the spec's example) loses its quotes. A service
area that reads as a sentence is no gemeente: then the city of the address is used, or the
import asks for ``--gemeente``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistent.beheer.hsds import (
    AREA_SEPARATOR,
    LANDELIJK_AREA,
    TAXONOMY_DOELGROEP,
    TAXONOMY_ONDERWERP,
    TAXONOMY_SOORT,
    hsds_id,
)
from assistent.beheer.hsds_package import HsdsPackage, Record, read_package
from assistent.beheer.plan import (
    Change,
    ImportPlan,
    InputFileError,
    changed_fields,
    same_entry,
    scan_kennisbank,
)
from assistent.errors import Problem
from assistent.kennisbank import KNOWN_SOORTEN, Voorziening
from assistent.kennisbank.messages import translate
from assistent.kennisbank.vocabulary import HSDS_DEFAULT_SOORT, HSDS_SOORT_KEYWORDS
from assistent.kennisbank.write import slugify, target_path

DAYS = {
    "MO": "maandag",
    "TU": "dinsdag",
    "WE": "woensdag",
    "TH": "donderdag",
    "FR": "vrijdag",
    "SA": "zaterdag",
    "SU": "zondag",
}


# --- HSDS → kennisbank ---------------------------------------------------------------------------
@dataclass
class Source:
    """Where a kennisbank field came from, to point errors at the right file, row and column."""

    record: Record
    column: str


def guess_soort(*texts: str) -> str | None:
    """A soort from keywords (soorten.yaml, hsds_trefwoorden), or None.

    The first text with a keyword decides: the service's name before its organisation's. Within
    it, the keyword that stands last: a regional sociale kaart names a service after who runs it
    ("CJG Kranenveld – Triple P groepscursus" is a course, not the CJG), and a Dutch compound
    ends in what it is ("groepscursus"). On the same place, the first keyword of the table."""
    for text in texts:
        lowered = (text or "").casefold()
        found = [
            (lowered.rfind(keyword), -order, soort)
            for order, (keyword, soort) in enumerate(HSDS_SOORT_KEYWORDS)
            if keyword in lowered
        ]
        if found:
            return max(found)[2]
    return None


MAX_AGE = 30  # the kennisbank's highest age (Leeftijd.tot)
PROFESSIONALS = "professionals"  # the soort, and the doelgroep, of a service for professionals
_SENTENCE = re.compile(r"[.,;:!?]")


def plausible_gemeente(name: str) -> bool:
    """True when a service area's name can be a gemeente (not a sentence such as the spec's)."""
    return 0 < len(name) <= 40 and len(name.split()) <= 4 and not _SENTENCE.search(name)


def _phone(number: str) -> str:
    return number.strip().strip("\"'“”‘’").strip()


def _age(value: str) -> int | None:
    if not value:
        return None
    # whole years, as int(float()) would, but without overflowing on absurdly long numbers
    return int(re.split(r"[.,]", value, maxsplit=1)[0])


def _schedule_text(record: Record) -> str:
    """A schedule as one line: its description as typed; the days and hours of their own
    columns after a description that gives no times itself ("inloop: maandag 09:00-11:00 uur")."""
    days = [DAYS.get(d.strip()[-2:], d.strip()) for d in record.get("byday").split(",") if d]
    hours = "-".join(t[:5] for t in (record.get("opens_at"), record.get("closes_at")) if t)
    when = " ".join(part for part in (", ".join(days), hours and f"{hours} uur") if part)
    described = record.get("description")
    if described and when and not any(c.isdigit() for c in described):
        return f"{described}: {when}"
    return described or when


@dataclass
class Converted:
    """One service converted to kennisbank data, with the sources of its fields."""

    service: Record
    data: dict[str, Any]
    sources: dict[str, Source]
    soort_guessed: bool = False
    notes: list[Problem] = field(default_factory=list)


def convert_service(
    package: HsdsPackage, service: Record, gemeente: str | None
) -> tuple[Converted | None, list[Problem]]:
    """Turn one HSDS service (and what links to it) into kennisbank front-matter data."""
    problems: list[Problem] = []
    notes: list[Problem] = []
    sid = service.get("id")
    org = package.by_id("organization").get(service.get("organization_id"))
    sources: dict[str, Source] = {}
    data: dict[str, Any] = {}

    def take(target: str, record: Record | None, column: str) -> None:
        if record is not None and record.get(column):
            data[target] = record.get(column)
            sources[target] = Source(record, column)

    take("naam", service, "name")
    take("beschrijving", org, "description")
    take("beschrijving", service, "description")
    take("aanmelden", service, "application_process")
    take("kosten", service, "fees_description")
    take("laatst_gecontroleerd", service, "assured_date")
    take("eigenaar", service, "assurer_email")

    contact: dict[str, str] = {}

    def take_contact(target: str, record: Record | None, column: str) -> None:
        if record is not None and record.get(column) and target not in contact:
            value = record.get(column)
            contact[target] = _phone(value) if target in ("telefoon", "whatsapp") else value
            sources[f"contact.{target}"] = Source(record, column)

    take_contact("email", service, "email")
    take_contact("email", org, "email")
    take_contact("website", service, "url")
    take_contact("website", org, "website")

    links = [r for r in package.tables.get("service_at_location", []) if r.get("service_id") == sid]
    locations = package.by_id("location")
    location_ids = [r.get("location_id") for r in links]
    cities: list[str] = []
    for location_id in location_ids:
        location = locations.get(location_id)
        if location is None:
            continue
        if location.get("location_type") == "virtual":
            take_contact("chat", location, "url")
            continue
        for address in package.tables.get("address", []):
            if address.get("location_id") != location_id or "adres" in contact:
                continue
            cities.append(address.get("city"))
            city_part = " ".join(p for p in (address.get("postal_code"), address.get("city")) if p)
            contact["adres"] = ", ".join(
                p for p in (address.get("address_1"), address.get("address_2"), city_part) if p
            )
            sources["contact.adres"] = Source(address, "address_1")

    phones = package.tables.get("phone", [])
    own = [p for p in phones if p.get("service_id") == sid]
    own += [p for p in phones if not p.get("service_id") and p.get("location_id") in location_ids]
    if org is not None:
        own += [
            p
            for p in phones
            if not p.get("service_id")
            and not p.get("location_id")
            and p.get("organization_id") == org.get("id")
        ]
    for phone in own:
        is_whatsapp = "whatsapp" in phone.get("description").casefold()
        take_contact("whatsapp" if is_whatsapp else "telefoon", phone, "number")
    data["contact"] = contact

    lo, hi = service.get("minimum_age"), service.get("maximum_age")
    if hi and (_age(hi) or 0) > MAX_AGE:
        # HSDS often says 100 for "no upper limit"; the kennisbank counts ages up to 30.
        notes.append(
            Problem(
                service.path,
                service.where("maximum_age"),
                f"maximum_age {hi} is hoger dan {MAX_AGE}; '{service.get('name')}' krijgt geen "
                "bovengrens voor de leeftijd. Kijk na of dat klopt.",
                warning=True,
            )
        )
        hi = ""
    for column, value in (("minimum_age", lo), ("maximum_age", hi)):
        if value and re.search(r"[.,]0*[1-9]", value):  # 4.9: the kennisbank counts whole years
            notes.append(
                Problem(
                    service.path,
                    service.where(column),
                    f"{column} {value} is geen heel jaar; de kennisbank telt in hele jaren, dus "
                    f"het wordt {_age(value)}. Kijk na of dat klopt.",
                    warning=True,
                )
            )
    if lo or hi:
        leeftijd: dict[str, int] = {}
        if lo:
            leeftijd["van"] = _age(lo) or 0
            sources["leeftijd.van"] = Source(service, "minimum_age")
        if hi:
            leeftijd["tot"] = _age(hi) or 0
            sources["leeftijd.tot"] = Source(service, "maximum_age")
        data["leeftijd"] = leeftijd
        sources["leeftijd"] = Source(service, "minimum_age" if lo else "maximum_age")

    schedules = [s for s in package.tables.get("schedule", []) if s.get("service_id") == sid]
    texts = [t for t in (_schedule_text(s) for s in schedules) if t]
    if texts:
        data["openingstijden"] = "; ".join(texts)
        sources["openingstijden"] = Source(schedules[0], "description")

    areas = [a for a in package.tables.get("service_area", []) if a.get("service_id") == sid]
    wijken: list[str] = []
    area_gemeente: str | None = None
    landelijk = False
    for area in areas:
        name = area.get("name")
        if name.casefold() in (LANDELIJK_AREA.casefold(), "landelijk"):
            landelijk = True
        elif AREA_SEPARATOR in name:
            area_gemeente, wijk = name.split(AREA_SEPARATOR, 1)
            wijken.append(wijk.strip())
        elif plausible_gemeente(name):
            area_gemeente = name
    if not area_gemeente and not landelijk and cities and plausible_gemeente(cities[0]):
        area_gemeente = cities[0]
    if gemeente:
        data["gemeente"] = gemeente
    elif landelijk:
        data["landelijk"] = True
    elif area_gemeente:
        data["gemeente"] = area_gemeente.strip()
    else:
        problems.append(
            Problem(
                service.path,
                service.where(),
                f"voor '{service.get('name')}' weet ik de gemeente niet (geen service_area met "
                "een plaatsnaam, geen adres). Geef de gemeente op met --gemeente.",
            )
        )
    if wijken and not data.get("landelijk"):
        data["wijken"] = wijken

    terms = package.by_id("taxonomy_term")
    for attribute in package.tables.get("attribute", []):
        if attribute.get("link_id") != sid:
            continue
        term = terms.get(attribute.get("taxonomy_term_id"))
        taxonomy = term.get("taxonomy") if term else attribute.get("link_type")
        # our terms: name is the value, code is 'soort:cjg' (before 3.0 conformance: the value)
        value = (term.get("name") or term.get("code")) if term else attribute.get("value")
        if not value:
            continue
        if taxonomy == TAXONOMY_SOORT:
            data["soort"] = value
            sources["soort"] = Source(attribute, "taxonomy_term_id")
        elif taxonomy == TAXONOMY_DOELGROEP:
            data.setdefault("doelgroep", []).append(value)
            sources["doelgroep"] = Source(attribute, "taxonomy_term_id")
        elif taxonomy == TAXONOMY_ONDERWERP:
            data.setdefault("onderwerpen", []).append(value)

    guessed = False
    if "soort" not in data:
        data["soort"] = (
            guess_soort(service.get("name"), org.get("name") if org else "") or HSDS_DEFAULT_SOORT
        )
        guessed = True
        if data["soort"] == PROFESSIONALS and "doelgroep" not in data:
            data["doelgroep"] = [PROFESSIONALS]  # "consultatiepunt meldcode": not for parents
    base = slugify(service.get("name")) or slugify(sid)
    place = slugify(str(data.get("gemeente") or ""))
    data["id"] = base if (not place or place in base) else f"{base}-{place}"
    sources["id"] = Source(service, "name")
    if problems:
        return None, problems
    return Converted(service, data, sources, guessed, notes), []


def _source_of(converted: Converted, loc: tuple[Any, ...]) -> tuple[Record, str]:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    for n in range(len(parts), 0, -1):
        source = converted.sources.get(".".join(parts[:n]))
        if source:
            return source.record, source.column
    if parts and parts[0] == "contact":
        return converted.service, "email"
    if parts and parts[0] == "beschrijving":
        return converted.service, "description"
    return converted.service, "name"


# Fields HSDS has no (or only an optional) place for: when the package leaves them empty, an
# update keeps what the kennisbank file already says.
KEEP_WHEN_MISSING = ("voorbeeldvragen", "onderwerpen", "wijken", "doelgroep", "eigenaar")


def plan_hsds_import(
    folder: Path, kb_root: Path, gemeente: str | None = None
) -> tuple[ImportPlan, list[Problem]]:
    """Read the package and work out the changes (nothing is written); raises InputFileError.

    Returns the plan and notes (for example a guessed soort) to show with it.
    """
    package = read_package(folder)
    problems: list[Problem] = []
    notes: list[Problem] = []
    converted: list[Converted] = []
    for service in package.tables["service"]:
        if service.get("status") != "active":
            notes.append(
                Problem(
                    service.path,
                    service.where("status"),
                    f"'{service.get('name')}' heeft status '{service.get('status')}' en is "
                    "overgeslagen.",
                    warning=True,
                )
            )
            continue
        item, item_problems = convert_service(package, service, gemeente)
        problems += item_problems
        if item is not None:
            converted.append(item)
            notes += item.notes

    disk = scan_kennisbank(kb_root)
    plan = ImportPlan(Path(kb_root), Path(folder))
    # A package we exported ourselves carries uuid5(kennisbank id): map it back to the same file.
    known_ids = {hsds_id("service", entry_id): entry_id for entry_id in disk}
    used: dict[str, Record] = {}
    for item in converted:
        if item.service.get("id") in known_ids:
            item.data["id"] = known_ids[item.service.get("id")]
        base_id = item.data["id"]
        n = 2
        while item.data["id"] in used:
            item.data["id"] = f"{base_id}-{n}"
            n += 1
        used[item.data["id"]] = item.service
        current = disk.get(item.data["id"])
        if current is not None and current.entry is not None:
            old = current.entry.model_dump(exclude_none=True)
            for name in KEEP_WHEN_MISSING:
                if name not in item.data and old.get(name):
                    item.data[name] = old[name]
            if item.soort_guessed:
                item.data["soort"] = old["soort"]
                item.soort_guessed = False
        try:
            entry = Voorziening.model_validate(item.data)
        except ValidationError as exc:
            for error in exc.errors():
                record, column = _source_of(item, tuple(error["loc"]))
                name, message = translate(error)
                problems.append(Problem(record.path, record.where(column), f"{name}: {message}"))
            continue
        if item.soort_guessed:
            notes.append(
                Problem(
                    item.service.path,
                    item.service.where("name"),
                    f"soort '{entry.soort}' is geraden voor {entry.id}. Kijk na of dat klopt"
                    + ("" if entry.soort in KNOWN_SOORTEN else " (nieuwe soort)")
                    + ".",
                    warning=True,
                )
            )
        if current is None:
            path = target_path(kb_root, entry)
            plan.changes.append(Change("toevoegen", entry.id, path, item.service.row, entry))
        elif same_entry(current.entry, entry):
            plan.unchanged += 1
        else:
            fields = changed_fields(current.entry, entry)
            plan.changes.append(
                Change(
                    "wijzigen",
                    entry.id,
                    current.path,
                    item.service.row,
                    entry,
                    fields,
                    old_entry=current.entry,
                )
            )
    if problems:
        raise InputFileError(problems + notes)
    return plan, notes

"""Open Referral HSDS 3.0: export the kennisbank, import an HSDS CSV data package.

Export (``exporteer-hsds``) writes ``services.json`` (every service with its organization,
phones, schedules, service areas, locations and attributes nested, as the HSDS 3.0 ``service``
schema) and ``organizations.json``; with ``tables=True`` also the tabular data package
(``organizations.csv``, ``services.csv``, ... and ``datapackage.json``).

Ids are UUIDs, deterministic (uuid5 of the kennisbank id), so a re-export gives the same ids.
The kennisbank has no separate organizations: each voorziening becomes one organization with
one service. Soort, doelgroep and onderwerpen travel as HSDS attributes with taxonomy terms of
our own taxonomies; wijken as service areas (``Voorbeeldstad - Noord``); age limits as the
service's ``minimum_age``/``maximum_age``. Voorbeeldvragen have no place in HSDS and are not
exported.

Import (``importeer-hsds``) reads organizations.csv, services.csv, locations.csv,
service_at_location.csv and phones.csv (plus addresses.csv, schedules.csv, service_areas.csv,
attributes.csv and taxonomy_terms.csv when present), checks the spec's required fields (every
problem names file, row and column) and turns each active service into a kennisbank entry,
validated with the kennisbank's own model. An entry that already exists keeps what HSDS does
not know (voorbeeldvragen, onderwerpen, wijken, doelgroep, soort).
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistent.beheer.spreadsheet import (
    Change,
    ImportPlan,
    InputFileError,
    _same,
    entry_cells,
    scan_kennisbank,
)
from assistent.errors import Problem
from assistent.kennisbank import KNOWN_SOORTEN, Voorziening, load_kennisbank
from assistent.kennisbank.messages import translate
from assistent.kennisbank.vocabulary import HSDS_DEFAULT_SOORT, HSDS_SOORT_KEYWORDS
from assistent.kennisbank.write import slugify, target_path, write_atomic, write_bytes_atomic

HSDS_VERSION = "3.0"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:opvoedassistent:kennisbank")
TAXONOMY_SOORT = "opvoedassistent-soort"
TAXONOMY_DOELGROEP = "opvoedassistent-doelgroep"
TAXONOMY_ONDERWERP = "opvoedassistent-onderwerp"
LANDELIJK_AREA = "Nederland"
AREA_SEPARATOR = " - "

SERVICE_STATUS = ("active", "inactive", "defunct", "temporarily closed")
LOCATION_TYPES = ("physical", "postal", "virtual")

# Columns of the tabular format we write, in the spec's order (HSDS 3.0 schema/*.json).
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "organization": (
        "organizations.csv",
        ("id", "name", "alternate_name", "description", "email", "website"),
    ),
    "service": (
        "services.csv",
        (
            "id",
            "organization_id",
            "program_id",
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
            "application_process",
            "fees_description",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
        ),
    ),
    "location": (
        "locations.csv",
        ("id", "location_type", "url", "organization_id", "name", "description"),
    ),
    "address": (
        "addresses.csv",
        (
            "id",
            "location_id",
            "address_1",
            "address_2",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ),
    ),
    "service_at_location": ("service_at_location.csv", ("id", "service_id", "location_id")),
    "phone": (
        "phones.csv",
        ("id", "location_id", "service_id", "organization_id", "number", "type", "description"),
    ),
    "schedule": ("schedules.csv", ("id", "service_id", "location_id", "description")),
    "service_area": ("service_areas.csv", ("id", "service_id", "name", "description")),
    "taxonomy_term": (
        "taxonomy_terms.csv",
        ("id", "code", "name", "description", "taxonomy", "language"),
    ),
    "attribute": (
        "attributes.csv",
        ("id", "link_id", "link_type", "link_entity", "taxonomy_term_id", "value", "label"),
    ),
}

# What the spec requires: columns that must exist, and values that must be filled in.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name", "description"),
    "service": ("id", "name", "status", "organization_id"),
    "location": ("id", "location_type"),
    "service_at_location": ("id", "service_id", "location_id"),
    "phone": ("id", "number"),
    "address": (
        "id",
        "location_id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ),
    "schedule": ("id",),
    "service_area": ("id",),
    "taxonomy_term": ("id", "name", "description"),
    "attribute": ("id", "link_id", "taxonomy_term_id", "link_entity"),
}
REQUIRED_VALUES: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name"),
    "service": ("id", "name", "status", "organization_id"),
    "location": ("id", "location_type"),
    "service_at_location": ("id", "service_id", "location_id"),
    "phone": ("id", "number"),
    "address": ("id", "location_id", "address_1"),
    "schedule": ("id",),
    "service_area": ("id",),
    "taxonomy_term": ("id", "name"),
    "attribute": ("id", "link_id", "taxonomy_term_id"),
}
REQUIRED_FILES = ("organization", "service")
FILE_ALIASES = {
    "service_at_location": ("service_at_location.csv", "service_at_locations.csv"),
    "address": ("addresses.csv", "address.csv"),
    "taxonomy_term": ("taxonomy_terms.csv", "taxonomy_term.csv"),
    "attribute": ("attributes.csv", "attribute.csv"),
}

DAYS = {
    "MO": "maandag",
    "TU": "dinsdag",
    "WE": "woensdag",
    "TH": "donderdag",
    "FR": "vrijdag",
    "SA": "zaterdag",
    "SU": "zondag",
}


def hsds_id(kind: str, key: str) -> str:
    """A deterministic UUID for one HSDS object, derived from the kennisbank id."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


# --- export --------------------------------------------------------------------------------------
_ADDRESS = re.compile(r"^(?P<street>.+?),\s*(?P<postcode>\d{4}\s?[A-Za-z]{2})\s+(?P<city>.+)$")


def split_address(adres: str, gemeente: str | None) -> dict[str, str]:
    """``Marktplein 1, 1234 AB Voorbeeldstad`` → address_1, postal_code, city."""
    match = _ADDRESS.match(adres.strip())
    if match:
        return {
            "address_1": match["street"].strip(),
            "postal_code": match["postcode"].upper(),
            "city": match["city"].strip(),
        }
    return {"address_1": adres.strip(), "postal_code": "", "city": gemeente or ""}


def _first_paragraph(text: str) -> str:
    return text.strip().split("\n\n", 1)[0].replace("\n", " ").strip()


def _eligibility(entry: Voorziening) -> str | None:
    sentences = []
    if entry.doelgroep:
        sentences.append("Voor " + ", ".join(entry.doelgroep) + ".")
    if entry.leeftijd:
        sentences.append(
            f"Leeftijd van het kind: {entry.leeftijd.van} tot en met {entry.leeftijd.tot} jaar."
        )
    return " ".join(sentences) or None


def entry_tables(entry: Voorziening) -> dict[str, list[dict[str, Any]]]:
    """One kennisbank entry as HSDS 3.0 table rows (flat, with foreign keys)."""
    tables: dict[str, list[dict[str, Any]]] = defaultdict(list)
    key = entry.id
    org_id = hsds_id("organization", key)
    service_id = hsds_id("service", key)
    contact = entry.contact
    tables["organization"].append(
        {
            "id": org_id,
            "name": entry.naam,
            "description": _first_paragraph(entry.beschrijving),
            "email": contact.email,
            "website": contact.website,
        }
    )
    tables["service"].append(
        {
            "id": service_id,
            "organization_id": org_id,
            "name": entry.naam,
            "description": entry.beschrijving,
            "url": contact.website,
            "email": contact.email,
            "status": "active",
            "application_process": entry.aanmelden,
            "fees_description": entry.kosten,
            "eligibility_description": _eligibility(entry),
            "minimum_age": entry.leeftijd.van if entry.leeftijd else None,
            "maximum_age": entry.leeftijd.tot if entry.leeftijd else None,
            "assured_date": entry.laatst_gecontroleerd.isoformat()
            if entry.laatst_gecontroleerd
            else None,
            "assurer_email": entry.eigenaar if entry.eigenaar and "@" in entry.eigenaar else None,
        }
    )
    for kind, number, phone_type, description in (
        ("telefoon", contact.telefoon, "voice", "Telefoon"),
        ("whatsapp", contact.whatsapp, "text", "WhatsApp"),
    ):
        if number:
            tables["phone"].append(
                {
                    "id": hsds_id(f"phone-{kind}", key),
                    "service_id": service_id,
                    "number": number,
                    "type": phone_type,
                    "description": description,
                }
            )
    if entry.openingstijden:
        tables["schedule"].append(
            {
                "id": hsds_id("schedule", key),
                "service_id": service_id,
                "description": entry.openingstijden,
            }
        )
    if entry.landelijk:
        areas = [(LANDELIJK_AREA, "Heel Nederland.")]
    elif entry.wijken:
        areas = [
            (f"{entry.gemeente}{AREA_SEPARATOR}{wijk}", f"Wijk {wijk} in {entry.gemeente}.")
            for wijk in entry.wijken
        ]
    else:
        areas = [(str(entry.gemeente), f"De hele gemeente {entry.gemeente}.")]
    for name, description in areas:
        tables["service_area"].append(
            {
                "id": hsds_id("service-area", f"{key}:{name}"),
                "service_id": service_id,
                "name": name,
                "description": description,
            }
        )
    locations = []
    if contact.adres:
        locations.append(("physical", contact.adres, None))
    if contact.chat:
        locations.append(("virtual", "Chat", contact.chat))
    for location_type, name, url in locations:
        location_id = hsds_id(f"location-{location_type}", key)
        tables["location"].append(
            {
                "id": location_id,
                "location_type": location_type,
                "url": url,
                "organization_id": org_id,
                "name": f"{entry.naam} ({name})" if location_type == "virtual" else entry.naam,
                "description": name if location_type == "physical" else None,
            }
        )
        if location_type == "physical":
            address = split_address(name, entry.gemeente)
            tables["address"].append(
                {
                    "id": hsds_id("address", key),
                    "location_id": location_id,
                    "address_1": address["address_1"],
                    "city": address["city"],
                    "state_province": "",
                    "postal_code": address["postal_code"],
                    "country": "NL",
                    "address_type": "physical",
                }
            )
        tables["service_at_location"].append(
            {
                "id": hsds_id(f"service-at-location-{location_type}", key),
                "service_id": service_id,
                "location_id": location_id,
            }
        )
    terms = [(TAXONOMY_SOORT, entry.soort)]
    terms += [(TAXONOMY_DOELGROEP, d) for d in entry.doelgroep]
    terms += [(TAXONOMY_ONDERWERP, o) for o in entry.onderwerpen]
    for taxonomy, value in terms:
        term_id = hsds_id("taxonomy-term", f"{taxonomy}:{value}")
        tables["taxonomy_term"].append(
            {
                "id": term_id,
                "code": value,
                "name": value,
                "description": f"{value} ({taxonomy})",
                "taxonomy": taxonomy,
                "language": "nl",
            }
        )
        tables["attribute"].append(
            {
                "id": hsds_id("attribute", f"{key}:{taxonomy}:{value}"),
                "link_id": service_id,
                "link_type": taxonomy,
                "link_entity": "service",
                "taxonomy_term_id": term_id,
                "value": value,
                "label": value,
            }
        )
    return tables


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None}


def kennisbank_tables(entries: list[Voorziening]) -> dict[str, list[dict[str, Any]]]:
    """All entries as HSDS tables; taxonomy terms shared between entries appear once."""
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    seen_terms: set[str] = set()
    for entry in entries:
        for name, rows in entry_tables(entry).items():
            for row in rows:
                if name == "taxonomy_term":
                    if row["id"] in seen_terms:
                        continue
                    seen_terms.add(row["id"])
                tables[name].append(row)
    return tables


def nested_services(tables: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Services with their related objects nested, as the HSDS 3.0 ``service`` schema."""
    by = defaultdict(list)
    for name in ("phone", "schedule", "service_area", "service_at_location"):
        for row in tables[name]:
            by[(name, row["service_id"])].append(row)
    addresses = defaultdict(list)
    for row in tables["address"]:
        addresses[row["location_id"]].append(row)
    locations = {row["id"]: row for row in tables["location"]}
    organizations = {row["id"]: row for row in tables["organization"]}
    terms = {row["id"]: row for row in tables["taxonomy_term"]}
    attributes = defaultdict(list)
    for row in tables["attribute"]:
        attributes[row["link_id"]].append(row)

    def strip_keys(row: dict[str, Any], *keys: str) -> dict[str, Any]:
        return _clean({k: v for k, v in row.items() if k not in keys})

    services = []
    for service in tables["service"]:
        sid = service["id"]
        nested = _clean(dict(service))
        nested["phones"] = [strip_keys(p, "service_id") for p in by[("phone", sid)]]
        nested["schedules"] = [strip_keys(s, "service_id") for s in by[("schedule", sid)]]
        nested["service_areas"] = [strip_keys(a, "service_id") for a in by[("service_area", sid)]]
        nested["service_at_locations"] = []
        for link in by[("service_at_location", sid)]:
            location = _clean(dict(locations[link["location_id"]]))
            location["addresses"] = [
                strip_keys(a, "location_id") for a in addresses[link["location_id"]]
            ]
            nested["service_at_locations"].append(
                {
                    "id": link["id"],
                    "service_id": sid,
                    "location_id": location["id"],
                    "location": location,
                }
            )
        nested["attributes"] = [
            {**_clean(a), "taxonomy_term": _clean(terms[a["taxonomy_term_id"]])}
            for a in attributes[sid]
        ]
        nested["organization"] = _clean(organizations[service["organization_id"]])
        services.append(nested)
    return services


@dataclass
class HsdsExportReport:
    """What ``export_hsds`` wrote."""

    folder: Path
    services: int
    files: list[Path] = field(default_factory=list)


def export_hsds(kb_root: Path, folder: Path, tables: bool = False) -> HsdsExportReport:
    """Write the kennisbank as HSDS 3.0 JSON (and optionally the CSV data package)."""
    kb = load_kennisbank(kb_root)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = kennisbank_tables(kb.entries)
    files = []
    services = nested_services(data)
    for name, payload in (
        ("services.json", services),
        ("organizations.json", [_clean(o) for o in data["organization"]]),
    ):
        path = folder / name
        write_atomic(path, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        files.append(path)
    if tables:
        resources = []
        for name, (filename, columns) in TABLES.items():
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
            writer.writeheader()
            for row in data[name]:
                writer.writerow({c: "" if row.get(c) is None else row[c] for c in columns})
            path = folder / filename
            write_bytes_atomic(path, buffer.getvalue().encode("utf-8"))
            files.append(path)
            resources.append(
                {
                    "name": name,
                    "path": filename,
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                }
            )
        package = {
            "name": "opvoedassistent-kennisbank",
            "title": "Kennisbank opvoedondersteuning (Open Referral HSDS 3.0)",
            "profile": "tabular-data-package",
            "version": HSDS_VERSION,
            "resources": resources,
        }
        path = folder / "datapackage.json"
        write_atomic(path, json.dumps(package, ensure_ascii=False, indent=2) + "\n")
        files.append(path)
    return HsdsExportReport(folder, len(services), files)


# --- import --------------------------------------------------------------------------------------
@dataclass
class Record:
    """One CSV row of the data package, with where it came from."""

    table: str
    path: Path
    row: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()

    def where(self, column: str | None = None) -> str:
        return f"rij {self.row}" + (f", kolom {column}" if column else "")


def _read_table(path: Path, table: str, problems: list[Problem]) -> list[Record]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem(path, None, "is geen UTF-8. Sla het bestand op als CSV UTF-8."))
        return []
    first = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS[table] if c not in header]
    for column in missing:
        problems.append(
            Problem(
                path,
                f"rij 1, kolom {column}",
                "deze kolom ontbreekt; HSDS 3.0 vraagt hem verplicht.",
            )
        )
    records = []
    for number, values in enumerate(reader, start=2):
        clean = {k: (v or "") for k, v in values.items() if k is not None}
        if not any(v.strip() for v in clean.values()):
            continue
        records.append(Record(table, path, number, clean))
    return records


def _find_file(folder: Path, table: str) -> Path | None:
    names = FILE_ALIASES.get(table, (TABLES[table][0],))
    for name in names:
        if (folder / name).is_file():
            return folder / name
    return None


@dataclass
class HsdsPackage:
    """A data package as read, by table name."""

    folder: Path
    tables: dict[str, list[Record]]
    _by_id: dict[str, dict[str, Record]] = field(default_factory=dict, repr=False, compare=False)

    def by_id(self, table: str) -> dict[str, Record]:
        """The records of one table by id (built once: every service looks things up here)."""
        if table not in self._by_id:
            self._by_id[table] = {r.get("id"): r for r in self.tables.get(table, [])}
        return self._by_id[table]


def read_package(folder: Path) -> HsdsPackage:
    """Read and check an HSDS CSV data package; raises InputFileError listing every problem."""
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        raise InputFileError([Problem(folder, None, "deze map bestaat niet.")])
    tables: dict[str, list[Record]] = {}
    for table in TABLES:
        path = _find_file(folder, table)
        if path is None:
            if table in REQUIRED_FILES:
                problems.append(
                    Problem(
                        folder / TABLES[table][0],
                        None,
                        "ontbreekt. Een HSDS-datapakket heeft minstens organizations.csv en "
                        "services.csv.",
                    )
                )
            continue
        tables[table] = _read_table(path, table, problems)
    for table, records in tables.items():
        seen: dict[str, int] = {}
        for record in records:
            for column in REQUIRED_VALUES[table]:
                if column in record.values and not record.get(column):
                    problems.append(
                        Problem(
                            record.path, record.where(column), "is leeg; dit veld is verplicht."
                        )
                    )
            rid = record.get("id")
            if rid:
                if rid in seen:
                    problems.append(
                        Problem(
                            record.path,
                            record.where("id"),
                            f"'{rid}' staat ook in rij {seen[rid]}; elk id moet uniek zijn.",
                        )
                    )
                seen[rid] = record.row
    package = HsdsPackage(folder, tables)
    _check_values(package, problems)
    if any(not p.warning for p in problems):
        raise InputFileError(problems)
    return package


def _check_values(package: HsdsPackage, problems: list[Problem]) -> None:
    organizations = package.by_id("organization")
    services = package.by_id("service")
    locations = package.by_id("location")
    for record in package.tables.get("service", []):
        status = record.get("status")
        if status and status not in SERVICE_STATUS:
            problems.append(
                Problem(
                    record.path,
                    record.where("status"),
                    f"'{status}' is geen geldige status. Kies uit: {', '.join(SERVICE_STATUS)}.",
                )
            )
        org = record.get("organization_id")
        if org and org not in organizations:
            problems.append(
                Problem(
                    record.path,
                    record.where("organization_id"),
                    f"'{org}' staat niet in organizations.csv.",
                )
            )
        for column in ("minimum_age", "maximum_age"):
            value = record.get(column)
            if value and not re.fullmatch(r"\d+(?:[.,]\d+)?", value):
                problems.append(
                    Problem(record.path, record.where(column), f"'{value}' is geen getal.")
                )
    for record in package.tables.get("location", []):
        kind = record.get("location_type")
        if kind and kind not in LOCATION_TYPES:
            problems.append(
                Problem(
                    record.path,
                    record.where("location_type"),
                    f"'{kind}' is geen geldig type. Kies uit: {', '.join(LOCATION_TYPES)}.",
                )
            )
    for record in package.tables.get("service_at_location", []):
        for column, known, filename in (
            ("service_id", services, "services.csv"),
            ("location_id", locations, "locations.csv"),
        ):
            value = record.get(column)
            if value and value not in known:
                problems.append(
                    Problem(
                        record.path, record.where(column), f"'{value}' staat niet in {filename}."
                    )
                )


# --- HSDS → kennisbank ---------------------------------------------------------------------------
@dataclass
class Source:
    """Where a kennisbank field came from, to point errors at the right file, row and column."""

    record: Record
    column: str


def guess_soort(*texts: str) -> str | None:
    """A soort from keywords in name or description, or None."""
    text = " ".join(texts).casefold()
    for keyword, soort in HSDS_SOORT_KEYWORDS:
        if keyword in text:
            return soort
    return None


def _age(value: str) -> int | None:
    if not value:
        return None
    # whole years, as int(float()) would, but without overflowing on absurdly long numbers
    return int(re.split(r"[.,]", value, maxsplit=1)[0])


def _schedule_text(record: Record) -> str:
    if record.get("description"):
        return record.get("description")
    days = [DAYS.get(d.strip()[-2:], d.strip()) for d in record.get("byday").split(",") if d]
    hours = "-".join(t[:5] for t in (record.get("opens_at"), record.get("closes_at")) if t)
    return " ".join(part for part in (", ".join(days), hours and f"{hours} uur") if part)


@dataclass
class Converted:
    """One service converted to kennisbank data, with the sources of its fields."""

    service: Record
    data: dict[str, Any]
    sources: dict[str, Source]
    soort_guessed: bool = False


def convert_service(
    package: HsdsPackage, service: Record, gemeente: str | None
) -> tuple[Converted | None, list[Problem]]:
    """Turn one HSDS service (and what links to it) into kennisbank front-matter data."""
    problems: list[Problem] = []
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
            contact[target] = record.get(column)
            sources[f"contact.{target}"] = Source(record, column)

    take_contact("email", service, "email")
    take_contact("email", org, "email")
    take_contact("website", service, "url")
    take_contact("website", org, "website")

    links = [r for r in package.tables.get("service_at_location", []) if r.get("service_id") == sid]
    locations = package.by_id("location")
    location_ids = [r.get("location_id") for r in links]
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
    if lo or hi:
        leeftijd: dict[str, int] = {}
        if lo:
            leeftijd["van"] = _age(lo) or 0
            sources["leeftijd.van"] = Source(service, "minimum_age")
        if hi:
            leeftijd["tot"] = min(_age(hi) or 0, 30)  # HSDS often says 100 for "no limit"
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
        elif name:
            area_gemeente = name
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
                f"voor '{service.get('name')}' weet ik de gemeente niet (geen service_area). "
                "Geef de gemeente op met --gemeente.",
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
        value = (term.get("code") or term.get("name")) if term else attribute.get("value")
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
    base = slugify(service.get("name")) or slugify(sid)
    place = slugify(str(data.get("gemeente") or ""))
    data["id"] = base if (not place or place in base) else f"{base}-{place}"
    sources["id"] = Source(service, "name")
    if problems:
        return None, problems
    return Converted(service, data, sources, guessed), []


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
        elif _same(current.entry, entry):
            plan.unchanged += 1
        else:
            fields = ["(bestand was onleesbaar)"]
            if current.entry is not None:
                old_cells = entry_cells(current.entry)
                fields = [n for n, v in entry_cells(entry).items() if old_cells.get(n) != v]
            plan.changes.append(
                Change("wijzigen", entry.id, current.path, item.service.row, entry, fields)
            )
    if problems:
        raise InputFileError(problems + notes)
    return plan, notes

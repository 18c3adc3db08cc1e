"""Read and check an Open Referral HSDS 3.0 CSV data package, every problem with file, row, column.

The package needs organizations.csv and services.csv; locations.csv, service_at_location.csv,
phones.csv, addresses.csv, schedules.csv, service_areas.csv, attributes.csv and
taxonomy_terms.csv are read when present. The spec's required columns and values are checked,
ids must be unique and links must point to something that exists.

A folder with ``services.json`` and no ``services.csv`` is read as JSON: the 3.0 page object
(``{"contents": [...]}``, as our export writes it since HSDS 3.0 conformance) or a bare array of
services (older exports); nested objects become the same tables, and problems name the service
and field (``dienst 3, veld phones.0.number``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from assistent.beheer.hsds import LOCATION_TYPES, SERVICE_STATUS, TABLES
from assistent.beheer.plan import InputFileError
from assistent.errors import Problem
from assistent.files import decode_csv, sniff_delimiter

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
    "taxonomy": ("id", "name", "description"),
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
    "taxonomy": ("id", "name"),
    "taxonomy_term": ("id", "name"),
    "attribute": ("id", "link_id", "taxonomy_term_id"),
}
REQUIRED_FILES = ("organization", "service")
FILE_ALIASES = {
    "service_at_location": ("service_at_location.csv", "service_at_locations.csv"),
    "address": ("addresses.csv", "address.csv"),
    "taxonomy": ("taxonomies.csv", "taxonomy.csv"),
    "taxonomy_term": ("taxonomy_terms.csv", "taxonomy_term.csv"),
    "attribute": ("attributes.csv", "attribute.csv"),
}


@dataclass
class Record:
    """One CSV row of the data package, with where it came from."""

    table: str
    path: Path
    row: int
    values: dict[str, str]
    prefix: str = ""  # JSON: where the object sits in the service, e.g. "phones.0."

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()

    def where(self, column: str | None = None) -> str:
        if self.path.suffix == ".json":
            return f"dienst {self.row}" + (f", veld {self.prefix}{column}" if column else "")
        return f"rij {self.row}" + (f", kolom {column}" if column else "")


def _read_table(path: Path, table: str, problems: list[Problem]) -> list[Record]:
    try:
        text = decode_csv(path.read_bytes(), fallback=None)
    except UnicodeDecodeError:
        problems.append(Problem(path, None, "is geen UTF-8. Sla het bestand op als CSV UTF-8."))
        return []
    delimiter = sniff_delimiter(text, fallback=",")
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


def _text(value: object) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _flatten(path: Path, number: int, service: dict, tables: dict[str, list[Record]]) -> None:
    """One nested service (and what it holds) as rows of the tables, with foreign keys filled."""
    sid = _text(service.get("id"))

    def add(table: str, obj: object, prefix: str, **links: str) -> dict:
        if not isinstance(obj, dict):
            return {}
        values = {k: _text(v) for k, v in obj.items() if k in TABLES[table][1]}
        for key, value in links.items():
            if value and not values.get(key):
                values[key] = value
        tables.setdefault(table, []).append(Record(table, path, number, values, prefix))
        return obj

    def items(obj: dict, key: str) -> list[tuple[str, object]]:
        value = obj.get(key)
        return [(f"{key}.{i}.", v) for i, v in enumerate(value)] if isinstance(value, list) else []

    organization = add("organization", service.get("organization"), "organization.")
    add("service", service, "", organization_id=_text(organization.get("id")))
    for prefix, phone in items(service, "phones"):
        add("phone", phone, prefix, service_id=sid)
    for prefix, schedule in items(service, "schedules"):
        add("schedule", schedule, prefix, service_id=sid)
    for prefix, area in items(service, "service_areas"):
        add("service_area", area, prefix, service_id=sid)
    for prefix, link in items(service, "service_at_locations"):
        location = link.get("location") if isinstance(link, dict) else None
        lid = _text(location.get("id")) if isinstance(location, dict) else ""
        add("service_at_location", link, prefix, service_id=sid, location_id=lid)
        if lid:
            add("location", location, prefix + "location.")
            for sub, address in items(location, "addresses"):
                add("address", address, f"{prefix}location.{sub}", location_id=lid)
            for sub, phone in items(location, "phones"):
                add("phone", phone, f"{prefix}location.{sub}", location_id=lid)
    for prefix, attribute in items(service, "attributes"):
        term = add("taxonomy_term", attribute.get("taxonomy_term"), prefix + "taxonomy_term.")
        tid = _text(term.get("id"))
        add("attribute", attribute, prefix, link_id=sid, taxonomy_term_id=tid)


def _read_json(path: Path) -> dict[str, list[Record]]:
    """services.json (page object or bare array) as tables; raises InputFileError."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError([Problem(path, None, f"is geen geldige JSON ({exc}).")]) from None
    services = data.get("contents") if isinstance(data, dict) else data
    if not isinstance(services, list):
        message = "verwacht een lijst diensten of een HSDS-pagina met 'contents'."
        raise InputFileError([Problem(path, None, message)])
    tables: dict[str, list[Record]] = {"organization": [], "service": []}
    for number, service in enumerate(services, start=1):
        if isinstance(service, dict):
            _flatten(path, number, service, tables)
    for table, records in tables.items():  # an object nested in several services: once
        unique = {r.get("id") or f"#{n}": r for n, r in enumerate(records)}
        tables[table] = list(unique.values())
    return tables


def read_package(folder: Path) -> HsdsPackage:
    """Read and check an HSDS CSV data package (or our JSON export); raises InputFileError."""
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        raise InputFileError([Problem(folder, None, "deze map bestaat niet.")])
    tables: dict[str, list[Record]] = {}
    json_file = folder / "services.json"
    if _find_file(folder, "service") is None and json_file.is_file():
        tables = _read_json(json_file)
    for table in TABLES if not tables else ():
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


# Values that must be one of the spec's choices (with what a wrong one is called), links that
# must point to an existing id, and which columns of which table are checked, in this order.
_CHOICES = {
    "status": ("geen geldige status", SERVICE_STATUS),
    "location_type": ("geen geldig type", LOCATION_TYPES),
}
_LINKS = {"organization_id": "organization", "service_id": "service", "location_id": "location"}
_CHECKED = {
    "service": ("status", "organization_id", "minimum_age", "maximum_age"),
    "location": ("location_type",),
    "service_at_location": ("service_id", "location_id"),
}


def _check_values(package: HsdsPackage, problems: list[Problem]) -> None:
    for table, columns in _CHECKED.items():
        for record in package.tables.get(table, []):
            for column in columns:
                value = record.get(column)
                message = _value_problem(package, column, value) if value else None
                if message:
                    problems.append(Problem(record.path, record.where(column), message))


def _value_problem(package: HsdsPackage, column: str, value: str) -> str | None:
    """What is wrong with one filled-in value of a checked column, or None."""
    if column in _CHOICES:
        called, choices = _CHOICES[column]
        if value not in choices:
            return f"'{value}' is {called}. Kies uit: {', '.join(choices)}."
    elif column in _LINKS:
        table = _LINKS[column]
        if value not in package.by_id(table):
            return f"'{value}' staat niet in {TABLES[table][0]}."
    elif not re.fullmatch(r"\d+(?:[.,]\d+)?", value):  # minimum_age, maximum_age
        return f"'{value}' is geen getal."
    return None

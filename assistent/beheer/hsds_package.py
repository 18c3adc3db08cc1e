"""Read and check an Open Referral HSDS 3.0 CSV data package, every problem with file, row, column.

The package needs organizations.csv and services.csv; locations.csv, service_at_location.csv,
phones.csv, addresses.csv, schedules.csv, service_areas.csv, attributes.csv and
taxonomy_terms.csv are read when present. The spec's required columns and values are checked,
ids must be unique and links must point to something that exists.
"""

from __future__ import annotations

import csv
import io
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

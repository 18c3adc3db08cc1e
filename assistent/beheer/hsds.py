"""Open Referral HSDS 3.0 export: the kennisbank as HSDS tables, nested services and files.

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

The names, tables and ids here are shared with the import (:mod:`assistent.beheer.hsds_import`).
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

from assistent.files import write_atomic, write_bytes_atomic
from assistent.kennisbank import Voorziening, load_kennisbank

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

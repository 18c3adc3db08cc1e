"""Open Referral HSDS 3.0 export: the kennisbank as HSDS tables, nested services and files.

Export (``exporteer-hsds``) writes ``services.json`` (the 3.0 API page object: paging fields and
``contents``, every service with its organization, phones, schedules, service areas, locations
and attributes nested, as the HSDS 3.0 ``service`` schema) and ``organizations.json`` (a page of
organizations); with ``tables=True`` also the tabular data package (``organizations.csv``,
``services.csv``, ... and ``datapackage.json`` with the spec's field schemas). Every CSV has all
columns of the spec's table, in the spec's order (``data/hsds_tabular.yaml``).

Ids are UUIDs, deterministic (uuid5 of the kennisbank id), so a re-export gives the same ids.
The kennisbank has no separate organizations: each voorziening becomes one organization with
one service. Soort, doelgroep and onderwerpen travel as HSDS attributes with taxonomy terms of
our own taxonomies (``taxonomies.csv``; a term's code is ``soort:cjg``, unique over the
taxonomies, its name the value); wijken as service areas (``Voorbeeldstad - Noord``); age
limits as the service's ``minimum_age``/``maximum_age``. An address's ``state_province``
(required) is the ``provincie`` of gemeente.yaml, or ``onbekend``. Voorbeeldvragen have no
place in HSDS and are not exported.

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
from importlib import resources
from pathlib import Path
from typing import Any

from assistent.files import read_yaml, write_atomic, write_bytes_atomic
from assistent.kennisbank import Kennisbank, Voorziening, load_kennisbank

HSDS_VERSION = "3.0"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:opvoedassistent:kennisbank")
TAXONOMY_SOORT = "opvoedassistent-soort"
TAXONOMY_DOELGROEP = "opvoedassistent-doelgroep"
TAXONOMY_ONDERWERP = "opvoedassistent-onderwerp"
TAXONOMY_DESCRIPTIONS = {
    TAXONOMY_SOORT: "Soort voorziening in de kennisbank van de opvoedassistent.",
    TAXONOMY_DOELGROEP: "Voor wie de voorziening is (doelgroep in de kennisbank).",
    TAXONOMY_ONDERWERP: "Onderwerpen van opvoedvragen (onderwerpen in de kennisbank).",
}
UNKNOWN_PROVINCE = "onbekend"
LANDELIJK_AREA = "Nederland"
AREA_SEPARATOR = " - "

SERVICE_STATUS = ("active", "inactive", "defunct", "temporarily closed")
LOCATION_TYPES = ("physical", "postal", "virtual")


def _tabular() -> list[dict[str, Any]]:
    text = resources.files("assistent").joinpath("data", "hsds_tabular.yaml").read_text("utf-8")
    return read_yaml(text)["resources"]


# The tables we write, as the spec's datapackage.json describes them (data/hsds_tabular.yaml),
# and by table: the file name and all columns in the spec's order.
TABULAR: list[dict[str, Any]] = _tabular()
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    r["name"]: (r["path"], tuple(f["name"] for f in r["schema"]["fields"])) for r in TABULAR
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


def entry_tables(entry: Voorziening, province: str = UNKNOWN_PROVINCE) -> dict[str, list[dict]]:
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
                    "state_province": province,
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
        tables["taxonomy"].append(
            {
                "id": hsds_id("taxonomy", taxonomy),
                "name": taxonomy,
                "description": TAXONOMY_DESCRIPTIONS[taxonomy],
            }
        )
        tables["taxonomy_term"].append(
            {
                "id": term_id,
                "code": term_code(taxonomy, value),
                "name": value,
                "description": f"{value} ({taxonomy})",
                "taxonomy": taxonomy,
                "language": "nl",
                "taxonomy_id": hsds_id("taxonomy", taxonomy),
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
            }
        )
    return tables


def term_code(taxonomy: str, value: str) -> str:
    """A taxonomy term's code, unique over our taxonomies: ``soort:cjg``, ``onderwerp:slapen``."""
    return f"{taxonomy.rsplit('-', 1)[-1]}:{value}"


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None}


def province_of(kb: Kennisbank, entry: Voorziening) -> str:
    """The provincie from the entry's gemeente.yaml, or ``onbekend``."""
    info = kb.gemeente(entry.gemeente) if entry.gemeente else None
    return (info.provincie if info else None) or UNKNOWN_PROVINCE


def kennisbank_tables(
    entries: list[Voorziening], kb: Kennisbank | None = None
) -> dict[str, list[dict[str, Any]]]:
    """All entries as HSDS tables; taxonomies and terms shared between entries appear once."""
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    seen: set[str] = set()
    for entry in entries:
        province = province_of(kb, entry) if kb is not None else UNKNOWN_PROVINCE
        for name, rows in entry_tables(entry, province).items():
            for row in rows:
                if name in ("taxonomy", "taxonomy_term"):
                    if row["id"] in seen:
                        continue
                    seen.add(row["id"])
                tables[name].append(row)
    return tables


def page(contents: list[dict[str, Any]]) -> dict[str, Any]:
    """All items as one page of the HSDS 3.0 API (the ``Page`` schema with ``contents``)."""
    return {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
    }


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
    data = kennisbank_tables(kb.entries, kb)
    files = []
    services = nested_services(data)
    for name, payload in (
        ("services.json", page(services)),
        ("organizations.json", page([_clean(o) for o in data["organization"]])),
    ):
        path = folder / name
        write_atomic(path, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        files.append(path)
    if tables:
        resources = []
        for resource in TABULAR:
            name = resource["name"]
            filename, columns = TABLES[name]
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
                    "schema": resource["schema"],
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

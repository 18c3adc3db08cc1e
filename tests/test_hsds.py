"""Open Referral HSDS 3.0: export structure, import of the sample package, errors, round trip."""

from __future__ import annotations

import csv
import json
import shutil
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistent.beheer.hsds import (
    LOCATION_TYPES,
    SERVICE_STATUS,
    export_hsds,
    hsds_id,
)
from assistent.beheer.hsds_import import plan_hsds_import
from assistent.beheer.plan import InputFileError, apply_plan
from assistent.cli import app
from assistent.kennisbank import load_kennisbank
from tests.support import FIXTURES

SAMPLE = FIXTURES / "hsds"


def is_uuid(value: object) -> bool:
    try:
        return str(uuid.UUID(str(value))) == value
    except ValueError:
        return False


def require(obj: dict, *keys: str) -> None:
    missing = [k for k in keys if k not in obj or obj[k] in (None, "")]
    assert not missing, f"{missing} ontbreekt in {obj}"


# --- export --------------------------------------------------------------------------------------
@pytest.fixture
def exported(kennisbank_copy: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "hsds"
    export_hsds(kennisbank_copy, folder, tables=True)
    return folder


def test_export_has_the_required_fields_and_valid_links(
    kennisbank_copy: Path, exported: Path
) -> None:
    kb = load_kennisbank(kennisbank_copy)
    services = json.loads((exported / "services.json").read_text(encoding="utf-8"))
    organizations = json.loads((exported / "organizations.json").read_text(encoding="utf-8"))
    assert len(services) == len(kb.entries) == len(organizations)
    org_ids = {o["id"] for o in organizations}
    for org in organizations:
        require(org, "id", "name", "description")
        assert is_uuid(org["id"])

    seen: set[str] = set()
    by_id = kb.by_id()
    for service in services:
        require(service, "id", "name", "status", "organization_id")
        assert is_uuid(service["id"]) and service["status"] in SERVICE_STATUS
        assert service["organization_id"] in org_ids
        assert service["organization"]["id"] == service["organization_id"]
        entry = next(e for e in by_id.values() if hsds_id("service", e.id) == service["id"])
        assert service["name"] == entry.naam and service["description"] == entry.beschrijving
        if entry.leeftijd:
            assert (service["minimum_age"], service["maximum_age"]) == (
                entry.leeftijd.van,
                entry.leeftijd.tot,
            )
        else:
            assert "minimum_age" not in service
        numbers = [p["number"] for p in service["phones"]]
        assert entry.contact.telefoon is None or entry.contact.telefoon in numbers
        for phone in service["phones"]:
            require(phone, "id", "number")
        for schedule in service["schedules"]:
            require(schedule, "id", "description")
        assert service["service_areas"], "every service says where it is available"
        for area in service["service_areas"]:
            require(area, "id", "name")
        for link in service["service_at_locations"]:
            require(link, "id", "service_id", "location_id")
            location = link["location"]
            require(location, "id", "location_type")
            assert location["location_type"] in LOCATION_TYPES
            for address in location["addresses"]:
                require(address, "id", "address_1", "city", "postal_code", "country")
                assert "state_province" in address and address["address_type"] == "physical"
        for attribute in service["attributes"]:
            require(attribute, "id", "link_id", "taxonomy_term_id", "link_entity")
            require(attribute["taxonomy_term"], "id", "name", "description")
        soort = [a["value"] for a in service["attributes"] if a["link_type"].endswith("soort")]
        assert soort == [entry.soort]
        for obj in (service, *service["phones"], *service["schedules"], *service["attributes"]):
            assert is_uuid(obj["id"]) and obj["id"] not in seen
            seen.add(obj["id"])


def test_export_ids_are_deterministic(
    kennisbank_copy: Path, exported: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    export_hsds(kennisbank_copy, again, tables=True)
    for path in exported.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name
    cjg = uuid.UUID(hsds_id("service", "cjg-voorbeeldstad"))
    assert cjg.version == 5 and str(cjg) == hsds_id("service", "cjg-voorbeeldstad")
    assert hsds_id("service", "cjg-voorbeeldstad") != hsds_id("organization", "cjg-voorbeeldstad")


def test_csv_package_matches_the_spec_layout(exported: Path) -> None:
    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    paths = {r["path"] for r in package["resources"]}
    assert {
        "organizations.csv",
        "services.csv",
        "locations.csv",
        "service_at_location.csv",
        "phones.csv",
    } <= paths
    with (exported / "services.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:4] == ["id", "organization_id", "program_id", "name"]
    assert {"status", "minimum_age", "maximum_age", "assured_date"} <= set(header)


def test_export_then_import_into_the_same_kennisbank_changes_nothing(
    kennisbank_copy: Path, exported: Path
) -> None:
    plan, notes = plan_hsds_import(exported, kennisbank_copy)
    assert plan.changes == [] and notes == []
    assert plan.unchanged == len(load_kennisbank(kennisbank_copy).entries)


# --- import --------------------------------------------------------------------------------------
def test_sample_package_becomes_valid_kennisbank_entries(tmp_path: Path) -> None:
    target = tmp_path / "kb"
    plan, notes = plan_hsds_import(SAMPLE, target)
    assert [c.kind for c in plan.changes] == ["toevoegen"] * 3
    assert any("inactive" in n.message and "overgeslagen" in n.message for n in notes)
    assert any("geraden" in n.message for n in notes)
    apply_plan(plan)

    kb = load_kennisbank(target)  # raises on any error
    entries = kb.by_id()
    assert set(entries) == {
        "cjg-proefstad",
        "opvoedcursus-stevig-ouderschap-proefstad",
        "gezinsmaatjes-proefstad",
    }
    assert all(p.parent == target / "proefstad" for p in kb.paths.values())
    cjg = entries["cjg-proefstad"]
    assert cjg.soort == "cjg" and cjg.gemeente == "Proefstad"
    assert (cjg.leeftijd.van, cjg.leeftijd.tot) == (0, 23)
    assert cjg.contact.telefoon == "012-345 6750" and cjg.contact.whatsapp == "012-345 6751"
    assert cjg.contact.chat == "https://cjg.proefstad.example/chat"
    assert cjg.contact.adres == "Dorpsstraat 10, 9999 ZZ Proefstad"
    assert str(cjg.laatst_gecontroleerd) == "2026-10-15"
    assert cjg.eigenaar == "kennisbank@cjg.proefstad.example"
    assert "\n\n" in cjg.beschrijving  # paragraphs kept

    cursus = entries["opvoedcursus-stevig-ouderschap-proefstad"]
    assert cursus.soort == "cursus"
    assert cursus.contact.email == "info@jgproefstad.example"  # from the organization

    maatjes = entries["gezinsmaatjes-proefstad"]
    assert maatjes.wijken == ["Oost"]
    assert maatjes.contact.telefoon == "012-345 6753"  # organization phone
    assert maatjes.leeftijd.tot == 30  # HSDS 100 = no upper limit
    assert maatjes.openingstijden == "maandag, woensdag 09:00-12:00 uur"


def test_reimport_keeps_what_only_the_kennisbank_knows(tmp_path: Path) -> None:
    target = tmp_path / "kb"
    apply_plan(plan_hsds_import(SAMPLE, target)[0])
    path = target / "proefstad" / "cjg-proefstad.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("soort: cjg\n", "soort: cjg\nvoorbeeldvragen:\n  - Wie helpt mij?\n"),
        encoding="utf-8",
    )
    plan, _ = plan_hsds_import(SAMPLE, target)
    assert plan.changes == [] and plan.unchanged == 3
    assert load_kennisbank(target).by_id()["cjg-proefstad"].voorbeeldvragen == ["Wie helpt mij?"]


def test_gemeente_option_overrides_the_service_area(tmp_path: Path) -> None:
    plan, _ = plan_hsds_import(SAMPLE, tmp_path / "kb", gemeente="Testdorp")
    assert {c.entry.gemeente for c in plan.changes} == {"Testdorp"}
    assert {c.path.parent.name for c in plan.changes} == {"testdorp"}


def _broken_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "kapot"
    shutil.copytree(SAMPLE, folder)

    def edit(filename: str, row: int, **values: str) -> None:
        path = folder / filename
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
            fields = list(rows[0].keys())
        rows[row - 2].update(values)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)

    edit("services.csv", 2, email="info(at)cjg")
    edit("services.csv", 3, status="open")
    edit("services.csv", 4, organization_id="00000000-0000-0000-0000-000000000000")
    edit("services.csv", 5, name="")
    # a required column removed from phones.csv
    phones = folder / "phones.csv"
    with phones.open(encoding="utf-8", newline="") as handle:
        rows = [r[:6] + r[7:] for r in csv.reader(handle)]  # drop 'number'
    with phones.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return folder


def test_errors_name_file_row_and_column(tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path)
    target = tmp_path / "kb"
    with pytest.raises(InputFileError) as caught:
        plan_hsds_import(folder, target)
    found = {(p.path.name, p.field) for p in caught.value.problems if not p.warning}
    assert ("phones.csv", "rij 1, kolom number") in found
    assert ("services.csv", "rij 3, kolom status") in found
    assert ("services.csv", "rij 4, kolom organization_id") in found
    assert ("services.csv", "rij 5, kolom name") in found
    assert not target.exists()


def test_invalid_value_is_traced_back_to_its_cell(tmp_path: Path) -> None:
    folder = tmp_path / "pakket"
    shutil.copytree(SAMPLE, folder)
    path = folder / "services.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("info@cjg.proefstad.example", "info(at)cjg"),
        encoding="utf-8",
    )
    with pytest.raises(InputFileError) as caught:
        plan_hsds_import(folder, tmp_path / "kb")
    [problem] = [p for p in caught.value.problems if not p.warning]
    assert (problem.path.name, problem.field) == ("services.csv", "rij 2, kolom email")
    assert "geen geldig e-mailadres" in problem.message


def test_missing_required_file(tmp_path: Path) -> None:
    folder = tmp_path / "leeg"
    folder.mkdir()
    with pytest.raises(InputFileError) as caught:
        plan_hsds_import(folder, tmp_path / "kb")
    assert {p.path.name for p in caught.value.problems} == {"organizations.csv", "services.csv"}


# --- command line --------------------------------------------------------------------------------
def test_cli_import_dry_run_then_for_real(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "kb"
    args = ["kennisbank", "importeer-hsds", str(SAMPLE), "--doel", str(target)]
    result = runner.invoke(app, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Toevoegen (3)" in result.output and "proefrun" in result.output
    assert not target.exists()
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(list(target.rglob("*.md"))) == 3


def test_cli_export(kennisbank_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "uit"
    args = ["kennisbank", "exporteer-hsds", str(folder), "--kennisbank", str(kennisbank_copy)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "uit" / "services.json").is_file()
    assert not (tmp_path / "uit" / "services.csv").exists()  # tables only with --csv

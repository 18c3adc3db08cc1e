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
    services = json.loads((exported / "services.json").read_text(encoding="utf-8"))["contents"]
    organizations = json.loads((exported / "organizations.json").read_text(encoding="utf-8"))
    organizations = organizations["contents"]
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
    assert maatjes.leeftijd.tot == 30  # HSDS 100 = no upper limit: the kennisbank's default
    [note] = [n for n in notes if "maximum_age" in n.message]
    assert (note.path.name, note.field) == ("services.csv", "rij 4, kolom maximum_age")
    assert note.warning and "geen bovengrens" in note.message
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


def _edit(folder: Path, filename: str, row: int, **values: str) -> None:
    """Change cells of one row of a package's CSV file (row 2 is the first)."""
    path = folder / filename
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0].keys())
    rows[row - 2].update(values)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _broken_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "kapot"
    shutil.copytree(SAMPLE, folder)
    _edit(folder, "services.csv", 2, email="info(at)cjg")
    _edit(folder, "services.csv", 3, status="open")
    _edit(folder, "services.csv", 4, organization_id="00000000-0000-0000-0000-000000000000")
    _edit(folder, "services.csv", 5, name="")
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


# --- conformance with the spec's own validators (tests/fixtures/hsds_spec, branch 3.0) ----------
SPEC = FIXTURES / "hsds_spec"


def _strict(node: object) -> object:
    """additionalProperties false everywhere, as the spec's validate_examples_json_schema.sh."""
    if isinstance(node, dict):
        node = {k: _strict(v) for k, v in node.items()}
        if "properties" in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


def spec_validator(name: str):
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schemas = {
        path.name: Resource.from_contents(
            _strict(json.loads(path.read_text(encoding="utf-8"))),
            default_specification=DRAFT202012,
        )
        for path in (SPEC / "schema").glob("*.json")
    }
    registry = Registry().with_resources(schemas.items())
    return Draft202012Validator(
        schemas[f"{name}.json"].contents, registry=registry, format_checker=FormatChecker()
    )


def spec_errors(name: str, objects: list[dict]) -> list[str]:
    validator = spec_validator(name)
    return [f"{e.json_path}: {e.message}" for obj in objects for e in validator.iter_errors(obj)]


def test_strict_validator_catches_what_the_spec_forbids() -> None:
    # the check itself works: an unknown field, a missing required one, a bad enum value
    bad = {"id": hsds_id("service", "x"), "name": "X", "status": "open", "label": "x"}
    errors = spec_errors("service", [bad])
    assert any("'label' was unexpected" in e for e in errors)
    assert any("'open' is not one of" in e for e in errors)
    assert spec_errors("phone", [{"id": hsds_id("phone", "x")}]) == [
        "$: 'number' is a required property"
    ]


def test_json_export_passes_the_spec_schemas_in_strict_mode(exported: Path) -> None:
    services = json.loads((exported / "services.json").read_text(encoding="utf-8"))
    organizations = json.loads((exported / "organizations.json").read_text(encoding="utf-8"))
    # the 3.0 API page object, with the keys of the spec's own example page
    example = json.loads((SPEC / "examples" / "service_list.json").read_text(encoding="utf-8"))
    for page in (services, organizations):
        assert set(page) == set(example)
        assert page["total_items"] == page["size"] == len(page["contents"]) > 0
        assert (page["page_number"], page["total_pages"]) == (1, 1)
        assert page["first_page"] and page["last_page"] and not page["empty"]
    assert spec_errors("service", services["contents"]) == []
    assert spec_errors("organization", organizations["contents"]) == []
    text = (exported / "services.json").read_text(encoding="utf-8")
    assert '"label"' not in text
    addresses = [
        a
        for s in services["contents"]
        for link in s["service_at_locations"]
        for a in link["location"]["addresses"]
    ]
    assert addresses and {a["state_province"] for a in addresses} == {"Voorbeeldprovincie"}


def _frictionless_errors(folder: Path, descriptor: dict) -> list[list]:
    from frictionless import Package

    package = Package.from_descriptor(descriptor, basepath=str(folder))
    report = package.validate()
    return report.flatten(["rowNumber", "fieldName", "type", "note"])


def spec_package(folder: Path) -> dict:
    """The spec's datapackage.json with only the tables that exist in ``folder``, as the spec's
    examples/make_datapackages.py does."""
    package = json.loads((SPEC / "examples" / "csv" / "datapackage.json").read_text("utf-8"))
    present = {p.name for p in folder.glob("*.csv")}
    package["resources"] = [r for r in package["resources"] if r["path"] in present]
    names = {r["name"] for r in package["resources"]}
    for resource in package["resources"]:
        keys = resource["schema"].pop("foreignKeys", [])
        keys = [k for k in keys if k["reference"]["resource"] in names]
        if keys:
            resource["schema"]["foreignKeys"] = keys
    return package


def test_csv_package_passes_frictionless_with_the_spec_schemas(exported: Path) -> None:
    ours = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    assert all(r["schema"]["fields"] for r in ours["resources"])  # field schemas included
    assert _frictionless_errors(exported, ours) == []
    spec = spec_package(exported)
    assert {r["name"] for r in spec["resources"]} == {r["name"] for r in ours["resources"]}
    assert _frictionless_errors(exported, spec) == []
    # the cases that failed before: state_province filled, taxonomy codes unique, no label
    with (exported / "taxonomy_terms.csv").open(encoding="utf-8", newline="") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    assert len(codes) == len(set(codes)) and "soort:cjg" in codes
    with (exported / "attributes.csv").open(encoding="utf-8", newline="") as handle:
        assert "label" not in next(csv.reader(handle))


def test_frictionless_check_catches_a_broken_package(exported: Path) -> None:
    path = exported / "addresses.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["state_province"] = ""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    errors = _frictionless_errors(exported, spec_package(exported))
    assert [e[1:3] for e in errors] == [["state_province", "constraint-error"]]


def test_state_province_without_provincie_is_onbekend(
    kennisbank_copy: Path, tmp_path: Path
) -> None:
    info = kennisbank_copy / "voorbeeldstad" / "gemeente.yaml"
    info.write_text(
        "\n".join(x for x in info.read_text("utf-8").splitlines() if "provincie" not in x),
        encoding="utf-8",
    )
    export_hsds(kennisbank_copy, tmp_path / "uit", tables=True)
    with (tmp_path / "uit" / "addresses.csv").open(encoding="utf-8", newline="") as handle:
        assert {row["state_province"] for row in csv.DictReader(handle)} == {"onbekend"}


def test_the_spec_example_package_imports(tmp_path: Path) -> None:
    example = SPEC / "examples" / "csv"
    assert _frictionless_errors(example, spec_package(example)) == []  # the example itself is valid
    target = tmp_path / "kb"
    plan, notes = plan_hsds_import(example, target)  # no --gemeente: the address's city
    apply_plan(plan)
    [entry] = load_kennisbank(target).entries
    assert entry.gemeente == "MyCity" and entry.naam == "Community Counselling"
    assert entry.contact.telefoon == "+44 1234 234567"  # the quotes of the example are gone
    assert (entry.leeftijd.van, entry.leeftijd.tot) == (12, 30)  # 100: no upper limit
    assert any("maximum_age 100" in n.message and n.warning for n in notes)


def test_a_sentence_is_no_gemeente(tmp_path: Path) -> None:
    folder = tmp_path / "pakket"
    shutil.copytree(SPEC / "examples" / "csv", folder)
    (folder / "addresses.csv").unlink()
    with pytest.raises(InputFileError) as caught:
        plan_hsds_import(folder, tmp_path / "kb")
    [problem] = [p for p in caught.value.problems if not p.warning]
    assert (problem.path.name, problem.field) == ("services.csv", "rij 2")
    assert "--gemeente" in problem.message
    plan, _ = plan_hsds_import(folder, tmp_path / "kb", gemeente="Proefstad")
    assert [c.path.relative_to(tmp_path / "kb").as_posix() for c in plan.changes] == [
        "proefstad/community-counselling-proefstad.md"
    ]


def test_the_spec_example_service_imports_as_json(tmp_path: Path) -> None:
    folder = tmp_path / "json"
    folder.mkdir()
    shutil.copy(SPEC / "examples" / "service_full.json", folder / "services.json")  # bare object
    service = json.loads((folder / "services.json").read_text(encoding="utf-8"))
    (folder / "services.json").write_text(json.dumps([service]), encoding="utf-8")  # bare array
    plan, _ = plan_hsds_import(folder, tmp_path / "kb", gemeente="Proefstad")
    [change] = plan.changes
    assert change.entry.naam == "Community Counselling" and change.entry.contact.telefoon


def test_json_export_imports_back_unchanged(kennisbank_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "json"
    export_hsds(kennisbank_copy, folder)  # services.json and organizations.json only
    plan, notes = plan_hsds_import(folder, kennisbank_copy)
    assert plan.changes == [] and notes == []
    assert plan.unchanged == len(load_kennisbank(kennisbank_copy).entries)
    # into an empty kennisbank: the same entries, apart from what HSDS has no place for
    target = tmp_path / "leeg"
    apply_plan(plan_hsds_import(folder, target)[0])
    before, after = load_kennisbank(kennisbank_copy).by_id(), load_kennisbank(target).by_id()
    assert len(after) == len(before)
    for entry in after.values():
        original = next(e for e in before.values() if e.naam == entry.naam)
        assert (entry.soort, entry.gemeente, entry.wijken, entry.leeftijd) == (
            original.soort,
            original.gemeente,
            original.wijken,
            original.leeftijd,
        )
        assert entry.contact == original.contact


def test_old_exports_still_import(kennisbank_copy: Path, tmp_path: Path) -> None:
    # before HSDS 3.0 conformance: services.json a bare array, taxonomy code = the value
    folder = tmp_path / "oud"
    export_hsds(kennisbank_copy, folder)
    page = json.loads((folder / "services.json").read_text(encoding="utf-8"))
    for service in page["contents"]:
        for attribute in service["attributes"]:
            attribute["label"] = attribute["value"]
            attribute["taxonomy_term"]["code"] = attribute["value"]
    (folder / "services.json").write_text(json.dumps(page["contents"]), encoding="utf-8")
    plan, notes = plan_hsds_import(folder, kennisbank_copy)
    assert plan.changes == [] and notes == []


def test_json_problems_name_the_service_and_field(kennisbank_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "json"
    export_hsds(kennisbank_copy, folder)
    page = json.loads((folder / "services.json").read_text(encoding="utf-8"))
    page["contents"][2]["phones"][0]["number"] = "bel maar"
    (folder / "services.json").write_text(json.dumps(page), encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        plan_hsds_import(folder, kennisbank_copy)
    [problem] = [p for p in caught.value.problems if not p.warning]
    assert (problem.path.name, problem.field) == ("services.json", "dienst 3, veld phones.0.number")
    (folder / "services.json").write_text("{kapot", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        plan_hsds_import(folder, kennisbank_copy)
    assert "geen geldige JSON" in caught.value.problems[0].message


def _edited_copy(tmp_path: Path, filename: str, row: int, **values: str) -> Path:
    """The sample package with cells of one row changed (row 2 is the first)."""
    folder = tmp_path / "pakket"
    shutil.copytree(SAMPLE, folder)
    _edit(folder, filename, row, **values)
    return folder


def test_a_schedule_keeps_its_days_and_hours_beside_a_short_description(tmp_path: Path) -> None:
    """A schedule with description 'inloop' and days and hours in their own columns became
    'openingstijden: inloop': the days and hours were lost (found importing a regional sociale
    kaart). A description that gives times itself stays as it is."""
    folder = _edited_copy(tmp_path, "schedules.csv", 3, description="inloop")
    apply_plan(plan_hsds_import(folder, tmp_path / "kb")[0])
    entries = load_kennisbank(tmp_path / "kb").by_id()
    assert entries["gezinsmaatjes-proefstad"].openingstijden == (
        "inloop: maandag, woensdag 09:00-12:00 uur"
    )
    assert entries["cjg-proefstad"].openingstijden == (
        "maandag tot en met vrijdag 9.00-17.00 uur; inloop op woensdagmiddag"
    )


@pytest.mark.parametrize(
    ("name", "soort"),
    [
        ("CJG Proefstad – Triple P groepscursus", "cursus"),  # the CJG runs it; it is a course
        ("GGD Proefstad – JGZ 0-4 Oost", "jeugdgezondheidszorg"),
        ("Sociaal Team Proefstad-Oost", "wijkteam"),
        ("CJG Proefstad – Consultatiepunt meldcode", "professionals"),
        ("Stichting Leergeld Proefstad", "fonds"),
        # the national lines are in every sociale kaart: hidden, never a place in the list
        ("De Kindertelefoon", "hulplijn"),
        ("Veilig Thuis Noord- en Oost-Gelderland", "hulplijn"),
        ("113 Zelfmoordpreventie – hulplijn en chat", "hulplijn"),
    ],
)
def test_the_soort_comes_from_what_the_service_is_not_who_runs_it(
    tmp_path: Path, name: str, soort: str
) -> None:
    """A regional sociale kaart names a service after its organisation: 'CJG Kranenveld – Cursus
    Puberbrein'. The first keyword made it soort cjg, and the 'no match' answer then showed six
    'CJGs', courses among them. The keyword that stands last in the name says what the service
    is; the organisation's name counts only when the service's own has none."""
    folder = _edited_copy(tmp_path, "services.csv", 4, name=name)
    plan, _ = plan_hsds_import(folder, tmp_path / "kb")
    [entry] = [c.entry for c in plan.changes if c.entry.naam == name]
    assert entry.soort == soort
    if soort == "professionals":  # a service for professionals is not shown to parents
        assert entry.doelgroep == ["professionals"]


def test_an_age_in_part_years_is_a_warning_with_the_whole_years_it_becomes(tmp_path: Path) -> None:
    """HSDS gives ages as numbers; the kennisbank counts whole years. maximum_age 4.9 became 4
    without a word (found by a CJG employee importing a sociale kaart). The import still counts
    whole years, and says so, naming row and column."""
    folder = _edited_copy(tmp_path, "services.csv", 3, minimum_age="1.5", maximum_age="4.9")
    plan, notes = plan_hsds_import(folder, tmp_path / "kb")
    apply_plan(plan)
    cursus = load_kennisbank(tmp_path / "kb").by_id()["opvoedcursus-stevig-ouderschap-proefstad"]
    assert (cursus.leeftijd.van, cursus.leeftijd.tot) == (1, 4)
    found = {n.field: n.message for n in notes if n.warning and "hele jaren" in n.message}
    assert set(found) == {"rij 3, kolom minimum_age", "rij 3, kolom maximum_age"}, notes
    assert (
        "4.9" in found["rij 3, kolom maximum_age"]
        and "wordt 4" in found["rij 3, kolom maximum_age"]
    )

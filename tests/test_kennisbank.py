"""Kennisbank loading and validation: the format contract and its Dutch error messages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from assistent.errors import KennisbankError
from assistent.kennisbank import load_kennisbank, stale_entries
from tests.support import MINI, ROOT

VALID = """---
id: {id}
naam: Testvoorziening
soort: cursus
gemeente: Testdorp
contact:
  telefoon: 012-345 6701
{extra}---
Een korte beschrijving.
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(root: Path) -> list[str]:
    with pytest.raises(KennisbankError) as info:
        load_kennisbank(root)
    return [str(p) for p in info.value.problems if not p.warning]


def test_demo_kennisbank_meets_the_issue() -> None:
    kb = load_kennisbank(ROOT / "kennisbank")
    demo = [e for e in kb.entries if e.gemeente == "Voorbeeldstad"]
    assert len(demo) >= 35
    assert len(kb.wijken("Voorbeeldstad")) >= 2
    assert all(3 <= len(e.voorbeeldvragen) <= 8 for e in demo)
    assert any(e.soort == "cjg" for e in demo)
    for e in demo:  # fictional contacts only: the reserved .example domain
        for url in (e.contact.email, e.contact.website, e.contact.chat):
            if url:
                assert ".example" in url, f"{e.id}: {url}"
    national = {e.id: e for e in kb.entries if e.landelijk}
    assert national["veilig-thuis"].contact.telefoon == "0800-2000"
    assert national["kindertelefoon"].contact.telefoon == "0800-0432"
    assert all(e.laatst_gecontroleerd for e in national.values())


def test_ids_equal_file_names_and_are_unique() -> None:
    kb = load_kennisbank(ROOT / "kennisbank")
    assert all(kb.paths[e.id].stem == e.id for e in kb.entries)
    assert len({e.id for e in kb.entries}) == len(kb.entries)


def test_phone_given_as_number_in_yaml_is_read_as_text() -> None:
    kb = load_kennisbank(MINI)
    assert kb.by_id()["alarmnummer-112"].contact.telefoon == "112"


def test_typo_in_field_name_suggests_the_intended_field(tmp_path: Path) -> None:
    write(tmp_path / "testdorp", "a", VALID.format(id="a", extra="voorbeeldvraag: [x]\n"))
    [message] = problems_of(tmp_path)
    assert "a.md" in message
    assert "onbekend veld 'voorbeeldvraag'" in message
    assert "Bedoel je 'voorbeeldvragen'?" in message


def test_all_errors_are_listed_at_once_with_file_and_field(tmp_path: Path) -> None:
    folder = tmp_path / "testdorp"
    write(folder, "goed", VALID.format(id="goed", extra=""))
    write(folder, "dubbel", VALID.format(id="goed", extra=""))  # duplicate id + wrong file name
    write(
        folder,
        "mail",
        VALID.format(id="mail", extra="").replace(
            "telefoon: 012-345 6701", "email: geen-mailadres"
        ),
    )
    write(
        folder,
        "web",
        VALID.format(id="web", extra="").replace(
            "telefoon: 012-345 6701", "website: www.zonder-schema.nl"
        ),
    )
    write(folder, "tel", VALID.format(id="tel", extra="").replace("012-345 6701", "bel mij"))
    write(folder, "lijst", VALID.format(id="lijst", extra="doelgroep: ouders\n"))
    write(folder, "groep", VALID.format(id="groep", extra="doelgroep: [opa]\n"))
    write(folder, "leeftijd", VALID.format(id="leeftijd", extra="leeftijd: {van: 12, tot: 4}\n"))
    write(folder, "beide", VALID.format(id="beide", extra="landelijk: true\n"))
    write(folder, "datum", VALID.format(id="datum", extra="laatst_gecontroleerd: gisteren\n"))
    write(folder, "leeg", VALID.format(id="leeg", extra="").replace("Een korte beschrijving.", ""))
    write(
        folder,
        "geencontact",
        VALID.format(id="geencontact", extra="").replace(
            "  telefoon: 012-345 6701\n", "  openingstijden: altijd\n"
        ),
    )
    messages = problems_of(tmp_path)
    text = "\n".join(messages)
    expectations = {
        "dubbel.md › id": "niet gelijk aan de bestandsnaam",
        "mail.md › contact.email": "geen geldig e-mailadres",
        "web.md › contact.website": "Begin met https://",
        "tel.md › contact.telefoon": "geen geldig telefoonnummer",
        "lijst.md › doelgroep": "moet een lijst zijn",
        "groep.md › doelgroep.0": "geen doelgroep",
        "leeftijd.md › leeftijd": "groter dan 'tot'",
        "beide.md": "niet allebei",
        "datum.md › laatst_gecontroleerd": "JJJJ-MM-DD",
        "leeg.md › beschrijving": "ontbreekt",
        "geencontact.md › contact.openingstijden": "onbekend veld",
    }
    for where, what in expectations.items():
        assert any(where in m and what in m for m in messages), f"{where}: {what}\n{text}"
    assert len(messages) >= len(expectations)


def test_duplicate_id_in_two_folders_names_both_files(tmp_path: Path) -> None:
    write(tmp_path / "testdorp", "zelfde", VALID.format(id="zelfde", extra=""))
    write(tmp_path / "anderdorp", "zelfde", VALID.format(id="zelfde", extra=""))
    [message] = problems_of(tmp_path)
    assert "komt ook voor in" in message and "zelfde.md" in message


def test_broken_yaml_and_missing_front_matter_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "testdorp", "kapot", "---\nid: kapot\nnaam: [open\n---\ntekst\n")
    write(tmp_path / "testdorp", "zonder", "Alleen tekst, geen velden.\n")
    messages = problems_of(tmp_path)
    assert any("kapot.md" in m and "geen geldige YAML" in m for m in messages)
    assert any("zonder.md" in m and "front matter" in m for m in messages)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    [message] = problems_of(tmp_path / "bestaat-niet")
    assert "bestaat niet" in message and "--kennisbank" in message


def test_unknown_soort_is_a_warning_with_suggestion(tmp_path: Path) -> None:
    write(tmp_path / "testdorp", "a", VALID.format(id="a", extra="").replace("cursus", "cursis"))
    kb = load_kennisbank(tmp_path)
    assert any("Bedoel je 'cursus'?" in str(w) for w in kb.warnings)


def test_stale_entries_follow_max_age() -> None:
    kb = load_kennisbank(MINI)
    stale = {e.id for e in stale_entries(kb, date(2026, 11, 23), 12)}
    assert "pubercursus" in stale  # checked 2025-01-01
    assert "schoolwerk-professionals" in stale  # never checked
    assert "cjg-testdorp" not in stale


def test_error_messages_are_dutch() -> None:
    # a cheap guard against English pydantic messages leaking through to CJG staff
    import assistent.kennisbank.messages as kbmod

    for message in kbmod._TYPE_MESSAGES.values():
        assert not re.search(r"\b(should|must|input|valid)\b", message)

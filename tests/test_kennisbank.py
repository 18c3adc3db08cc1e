"""Kennisbank loading and validation: the format contract and its Dutch error messages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from assistent.errors import KennisbankError
from assistent.kennisbank import load_kennisbank, stale_entries
from tests.support import FIXTURES, MINI, ROOT

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


def test_missing_voorbeeldvragen_is_a_warning_that_says_what_to_do(tmp_path: Path) -> None:
    write(tmp_path / "testdorp", "a", VALID.format(id="a", extra=""))
    extra = "voorbeeldvragen:\n  - mijn kind slaapt slecht\n"
    write(tmp_path / "testdorp", "b", VALID.format(id="b", extra=extra))
    kb = load_kennisbank(tmp_path)  # a warning, not an error: the kennisbank loads
    [warning] = [w for w in kb.warnings if w.field == "voorbeeldvragen"]
    assert warning.path is not None and warning.path.name == "a.md"
    assert "4 tot 8" in warning.message and "docs/beheer.md" in warning.message


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


# --- issue 13: text stays text ----------------------------------------------------------------
TEXT_FIELDS = """---
id: a
naam: Test
soort: cjg
gemeente: Testdorp
landelijk: {landelijk}
contact:
  telefoon: {telefoon}
openingstijden: {open}
kosten: {kosten}
{extra}---
Een korte beschrijving.
"""


def text_entry(tmp_path: Path, **fields: str):
    values = {"landelijk": "nee", "telefoon": "012-345 6701", "open": "ma", "kosten": "gratis"}
    values["extra"] = ""
    values.update(fields)
    write(tmp_path / "testdorp", "a", TEXT_FIELDS.format(**values))
    return load_kennisbank(tmp_path).by_id()["a"]


@pytest.mark.parametrize("phone", ["0201234567", "020-1234567", "0612345678", "0800 0432", "112"])
def test_phone_numbers_stay_exactly_as_typed(tmp_path: Path, phone: str) -> None:
    # `0201234567` was read as octal 33896823 and shown to parents
    assert text_entry(tmp_path, telefoon=phone).contact.telefoon == phone


def test_times_and_prices_stay_text(tmp_path: Path) -> None:
    # `9:30` was read as 570 (base 60); `12.50` was refused as "moet tekst zijn"
    entry = text_entry(tmp_path, open="9:30", kosten="12.50")
    assert entry.openingstijden == "9:30"
    assert entry.kosten == "12.50"
    assert text_entry(tmp_path, kosten="nee").kosten == "nee"  # not False
    assert text_entry(tmp_path, kosten="on").kosten == "on"


@pytest.mark.parametrize(
    ("word", "landelijk"),
    [("ja", True), ("Nee", False), ("true", True), ("false", False), ("on", True), ("off", False)],
)
def test_landelijk_takes_dutch_and_yaml_yes_no_words(
    tmp_path: Path, word: str, landelijk: bool
) -> None:
    text = TEXT_FIELDS.format(landelijk=word, telefoon="112", open="ma", kosten="x", extra="")
    if landelijk:
        text = text.replace("gemeente: Testdorp\n", "")
    folder = tmp_path / ("landelijk" if landelijk else "testdorp")
    write(folder, "a", text)
    assert load_kennisbank(tmp_path).by_id()["a"].landelijk is landelijk


def test_landelijk_with_another_word_is_a_dutch_error(tmp_path: Path) -> None:
    write(
        tmp_path / "testdorp",
        "a",
        TEXT_FIELDS.format(landelijk="misschien", telefoon="112", open="x", kosten="x", extra=""),
    )
    [message] = problems_of(tmp_path)
    assert "a.md › landelijk: 'misschien' is geen ja of nee" in message


def test_impossible_date_names_file_and_field(tmp_path: Path) -> None:
    # `2026-02-30` crashed check, index, vraag and the bot with a traceback naming no file
    write(
        tmp_path / "testdorp",
        "a",
        VALID.format(id="a", extra="laatst_gecontroleerd: 2026-02-30\n"),
    )
    [message] = problems_of(tmp_path)
    assert "a.md › laatst_gecontroleerd: '2026-02-30' bestaat niet als datum" in message


def test_tagged_impossible_date_is_a_message_too(tmp_path: Path) -> None:
    write(
        tmp_path / "testdorp",
        "a",
        VALID.format(id="a", extra="laatst_gecontroleerd: !!timestamp 2026-02-30\n"),
    )
    [message] = problems_of(tmp_path)
    assert "a.md" in message and "geen geldige YAML" in message


def test_date_far_in_the_future_is_refused(tmp_path: Path) -> None:
    write(
        tmp_path / "testdorp",
        "a",
        VALID.format(id="a", extra="laatst_gecontroleerd: 2062-01-10\n"),
    )
    [message] = problems_of(tmp_path)
    assert "laatst_gecontroleerd: 2062-01-10 ligt in de toekomst" in message


def test_leeftijd_numbers_are_still_numbers(tmp_path: Path) -> None:
    entry = text_entry(tmp_path, extra="leeftijd: {van: 0, tot: 4}\n")
    assert entry.leeftijd is not None and (entry.leeftijd.van, entry.leeftijd.tot) == (0, 4)
    write(tmp_path / "testdorp", "a", VALID.format(id="a", extra="leeftijd: {van: 3,5}\n"))
    assert any("leeftijd" in m for m in problems_of(tmp_path))


def test_yaml_errors_are_dutch_and_only_hint_colons_when_relevant(tmp_path: Path) -> None:
    write(tmp_path / "testdorp", "dubbel", VALID.format(id="dubbel", extra="kosten: let op: x\n"))
    write(tmp_path / "testdorp", "tab", VALID.format(id="tab", extra="kosten:\t\tx\n\t- y\n"))
    messages = problems_of(tmp_path)
    [colon] = [m for m in messages if "dubbel.md" in m]
    assert "regel 8" in colon and "aanhalingstekens" in colon
    [tab] = [m for m in messages if "tab.md" in m]
    assert "tab" in tab and "dubbele punt" not in tab
    for message in messages:
        assert not re.search(r"\b(mapping|found|expected|scanning|while)\b", message)


@pytest.mark.parametrize(
    ("extra", "field", "lines"),
    [
        ("kosten: gratis\nkosten: 2 euro\n", "kosten", "regel 8 en 9"),
        ("leeftijd: {van: 0, tot: 18, tot: 12}\n", "leeftijd.tot", "regel 8"),
    ],
)
def test_a_field_written_twice_is_an_error_not_a_lost_value(
    tmp_path: Path, extra: str, field: str, lines: str
) -> None:
    """A second 'kosten:' (or 'voorbeeldvragen:', or 'tot' in the leeftijd) silently replaced
    the first, and check said the kennisbank was fine (found by a tester playing CJG staff)."""
    write(tmp_path / "testdorp", "twee", VALID.format(id="twee", extra=extra))
    [message] = problems_of(tmp_path)
    assert f"twee.md › {field}: staat twee keer in het bestand ({lines})" in message
    assert "voeg" in message


def test_text_after_a_hash_that_yaml_drops_is_a_warning(tmp_path: Path) -> None:
    """'aanmelden: Bel en kies optie #2' reached parents as 'Bel en kies optie': YAML reads
    ' #' as the start of a comment, and check said nothing (found by a tester playing CJG
    staff). A comment on a line of its own is the staff's own note and stays quiet."""
    extra = (
        "# een opmerking van het CJG: nummer gecheckt\n"
        "aanmelden: Bel en kies optie #2 voor een afspraak\n"
        'kosten: "gratis # echt waar"\n'
        "onderwerpen:\n  - slapen # en eten\n"
    )
    write(tmp_path / "testdorp", "hekje", VALID.format(id="hekje", extra=extra))
    kb = load_kennisbank(tmp_path)
    warnings = [str(p) for p in kb.warnings if "' #'" in p.message]
    assert len(warnings) == 2, warnings
    assert "hekje.md › aanmelden: " in warnings[0] and "'#2 voor een afspraak'" in warnings[0]
    assert "hekje.md › onderwerpen: " in warnings[1] and "'# en eten'" in warnings[1]
    assert all("aanhalingstekens" in w for w in warnings)
    assert kb.entries[0].kosten == "gratis # echt waar"


# --- issue 13: gemeenten and wijken as data -----------------------------------------------------
def test_demo_gemeente_file_lists_the_wijken() -> None:
    kb = load_kennisbank(ROOT / "kennisbank")
    info = kb.gemeente("Voorbeeldstad")
    assert info is not None and info.wijk_names() == ["Centrum", "Noord", "Zuid"]
    assert kb.wijken("voorbeeldstad") == ["Centrum", "Noord", "Zuid"]
    assert not [w for w in kb.warnings if w.field == "wijken"]


def test_rivierdal_gemeente_file_lists_its_wijken() -> None:
    kb = load_kennisbank(FIXTURES / "kennisbank_rivierdal")
    assert kb.wijken("Rivierdal") == ["Bosrand", "Hoogveld", "Oude Haven"]
    assert not [w for w in kb.warnings if w.field == "wijken"]


def test_wijk_not_in_gemeente_file_is_an_error_with_suggestion(tmp_path: Path) -> None:
    write(tmp_path / "testdorp", "a", VALID.format(id="a", extra="wijken: [Noordd, zuid]\n"))
    (tmp_path / "testdorp" / "gemeente.yaml").write_text(
        "naam: Testdorp\nwijken:\n  - Noord\n  - naam: Zuid\n    postcodes: [1234, 1235 AB]\n",
        encoding="utf-8",
    )
    messages = problems_of(tmp_path)
    assert len(messages) == 2
    assert "a.md › wijken: 'Noordd' staat niet in de wijken van Testdorp" in messages[0]
    assert "Bedoel je 'Noord'?" in messages[0]
    assert "Bedoel je 'Zuid'?" in messages[1]


def test_postcode_finds_the_wijk(tmp_path: Path) -> None:
    write(tmp_path / "testdorp", "a", VALID.format(id="a", extra="wijken: [Zuid]\n"))
    (tmp_path / "testdorp" / "gemeente.yaml").write_text(
        "naam: Testdorp\nwijken:\n  - Noord\n  - naam: Zuid\n    postcodes: [1234, 1235 AB]\n",
        encoding="utf-8",
    )
    kb = load_kennisbank(tmp_path)
    assert kb.wijk_for_postcode("testdorp", "1234 XY") == "Zuid"
    assert kb.wijk_for_postcode("Testdorp", "1235ab") == "Zuid"
    assert kb.wijk_for_postcode("Testdorp", "1235 AC") is None
    assert kb.wijk_for_postcode("Elders", "1234") is None


def test_bad_gemeente_file_is_reported_with_file_and_field(tmp_path: Path) -> None:
    write(tmp_path / "testdorp", "a", VALID.format(id="a", extra=""))
    (tmp_path / "testdorp" / "gemeente.yaml").write_text(
        "naam: Testdorp\nwijken:\n  - naam: Zuid\n    postcodes: [12345]\n", encoding="utf-8"
    )
    [message] = problems_of(tmp_path)
    assert "gemeente.yaml › wijken.0.postcodes: '12345' is geen postcode" in message


def test_without_gemeente_file_doubtful_wijken_are_warnings(tmp_path: Path) -> None:
    write(tmp_path / "testdorp", "a", VALID.format(id="a", extra="wijken: [Noord, Noordd]\n"))
    write(tmp_path / "testdorp", "b", VALID.format(id="b", extra="wijken: [Noord, noord]\n"))
    kb = load_kennisbank(tmp_path)
    warnings = [str(w) for w in kb.warnings if w.field == "wijken"]
    assert any("'Noordd' komt maar één keer voor" in w for w in warnings)
    assert any("'noord' en 'Noord' verschillen alleen in hoofdletters" in w for w in warnings)
    assert not any("'Noord' komt maar één keer" in w for w in warnings)


@pytest.mark.parametrize(
    ("gemeente", "folder"),
    [
        ("'s-Hertogenbosch", "s-hertogenbosch"),
        ("Súdwest-Fryslân", "sudwest-fryslan"),
        ("Bergen (NH)", "bergen-nh"),
        ("Capelle aan den IJssel", "capelle-aan-den-ijssel"),
    ],
)
def test_folder_slugs_handle_apostrophes_accents_and_brackets(
    tmp_path: Path, gemeente: str, folder: str
) -> None:
    text = VALID.format(id="a", extra="").replace("Testdorp", f'"{gemeente}"')
    write(tmp_path / folder, "a", text)
    kb = load_kennisbank(tmp_path)
    assert not [w for w in kb.warnings if w.field == "gemeente"]


def test_notepad_md_txt_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "testdorp", "a", VALID.format(id="a", extra=""))
    (tmp_path / "testdorp" / "nieuw.md.txt").write_text(
        VALID.format(id="nieuw", extra=""), encoding="utf-8"
    )
    kb = load_kennisbank(tmp_path)
    [warning] = [str(w) for w in kb.warnings if "nieuw" in str(w)]
    assert "nieuw.md.txt" in warning and "Hernoem het naar nieuw.md" in warning


def test_rename_advice_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    write(tmp_path / "testdorp", "home-start", VALID.format(id="home-start", extra=""))
    write(tmp_path / "testdorp", "home-start-kopie", VALID.format(id="home-start", extra=""))
    messages = problems_of(tmp_path)
    [advice] = [m for m in messages if "home-start-kopie.md › id" in m]
    assert "Hernoem" not in advice
    assert "Er is al een bestand home-start.md" in advice and "id: home-start-kopie" in advice


# --- issue 13: what the commands show -----------------------------------------------------------
BAD_DATE = VALID.format(id="a", extra="laatst_gecontroleerd: 2026-02-30\n")


@pytest.mark.parametrize(
    "command",
    [
        ["check"],
        ["index"],
        ["vraag", "hallo"],
        ["kennisbank", "exporteer", "uit.xlsx"],
        ["kennisbank", "exporteer-hsds", "hsds"],
    ],
)
def test_impossible_date_is_a_message_in_every_command(tmp_path: Path, command: list[str]) -> None:
    from typer.testing import CliRunner

    from assistent.cli import app

    write(tmp_path / "kb" / "testdorp", "a", BAD_DATE)
    result = CliRunner().invoke(app, [*command, "--kennisbank", str(tmp_path / "kb")])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1, result.output
    assert "a.md › laatst_gecontroleerd: '2026-02-30' bestaat niet als datum" in result.output


def test_impossible_date_stops_the_bot_start_with_a_kennisbank_error(tmp_path: Path) -> None:
    from assistent.config import Settings
    from assistent.instance import Instance
    from tests.support import FakeEmbedder

    write(tmp_path / "kb" / "testdorp", "a", BAD_DATE)
    settings = Settings(kennisbank=tmp_path / "kb", index_dir=tmp_path / "index")
    with pytest.raises(KennisbankError) as info:
        Instance.open(settings, embedder=FakeEmbedder())
    assert "laatst_gecontroleerd" in str(info.value)


def test_check_prints_user_text_literally(tmp_path: Path) -> None:
    # `[/info]` in a value crashed check (rich markup); `[a, b]` in the advice disappeared
    from typer.testing import CliRunner

    from assistent.cli import app

    write(tmp_path / "testdorp", "a", VALID.format(id="a", extra="").replace("cursus", '"[/info]"'))
    write(tmp_path / "testdorp", "b", VALID.format(id="b", extra="wijken: Noord\n"))
    result = CliRunner().invoke(app, ["check", "--kennisbank", str(tmp_path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert "'[/info]' mag alleen kleine letters" in result.output
    assert "bijvoorbeeld [a, b] of regels" in result.output


def test_phone_shown_in_the_answer_is_the_typed_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from assistent.cli import app
    from tests.support import FakeEmbedder

    monkeypatch.setattr("assistent.instance.make_embedder", lambda settings: FakeEmbedder())
    text = VALID.format(id="cjg-testdorp", extra="openingstijden: 9:30\n").replace("cursus", "cjg")
    write(tmp_path / "kb" / "testdorp", "cjg-testdorp", text.replace("012-345 6701", "0201234567"))
    result = CliRunner().invoke(
        app,
        [
            "vraag",
            "opvoeden",
            "--json",
            "--gemeente",
            "Testdorp",
            "--kennisbank",
            str(tmp_path / "kb"),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [hit] = [r for r in data["resultaten"] if r["id"] == "cjg-testdorp"]
    assert hit["contact"]["telefoon"] == "0201234567"  # was "33896823"
    assert hit["openingstijden"] == "9:30"  # was "570"


def test_vraag_postcode_finds_the_wijk(
    kennisbank_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from assistent.cli import app
    from tests.support import FakeEmbedder

    monkeypatch.setattr("assistent.instance.make_embedder", lambda settings: FakeEmbedder())
    (kennisbank_copy / "voorbeeldstad" / "gemeente.yaml").write_text(
        "naam: Voorbeeldstad\nwijken:\n  - Centrum\n  - naam: Noord\n    postcodes: [1234]\n"
        "  - naam: Zuid\n    postcodes: [5678 AB]\n",
        encoding="utf-8",
    )
    runner = CliRunner()

    def ids(*extra: str) -> tuple[list[str], str]:
        args = ["vraag", "wijkteam in mijn wijk", "--json", "--kennisbank", str(kennisbank_copy)]
        result = runner.invoke(app, [*args, *extra])
        assert result.exit_code == 0, result.output
        return [r["id"] for r in json.loads(result.stdout)["resultaten"]], result.stderr

    zuid, _ = ids("--postcode", "5678ab")
    noord, _ = ids("--postcode", "1234 XY")
    assert "wijkteam-zuid" in zuid and "wijkteam-noord" not in zuid
    assert "wijkteam-noord" in noord and "wijkteam-zuid" not in noord
    _, note = ids("--postcode", "9999")
    assert "bij postcode 9999 staat geen wijk" in note


def test_an_abbreviation_ends_no_sentence_of_a_description() -> None:
    """The answer's line of what a place does was cut after "o.a." or "bijv.": Heuvelland's
    Huiswerkkamer showed "gepensioneerde docenten) helpen bij plannen, …"."""
    from assistent.answer import why
    from assistent.kennisbank import Voorziening
    from assistent.kennisbank.sentences import sentences
    from assistent.profile import Profile
    from assistent.render import details_text
    from assistent.retrieval.search import Match

    text = (
        "Groep voor ouders van een kind met een ziekte (bijv. diabetes of astma). Vrijwilligers "
        "(o.a. gepensioneerde docenten) helpen bij plannen.\nLaptops aanwezig. Bel ons:\n"
        "ma t/m vr."
    )
    assert sentences(text) == [
        "Groep voor ouders van een kind met een ziekte (bijv. diabetes of astma).",
        "Vrijwilligers (o.a. gepensioneerde docenten) helpen bij plannen.",
        "Laptops aanwezig.",
        "Bel ons: ma t/m vr.",  # a line that goes on in lower case is the same sentence
    ]
    entry = Voorziening(
        id="hk",
        naam="Huiswerkkamer",
        soort="onderwijs",
        landelijk=True,
        onderwerpen=["huiswerk"],
        contact={"telefoon": "010-1234567"},
        beschrijving="Vrijwilligers (o.a. oud-docenten) helpen. Laptops aanwezig. Gratis.",
    )
    assert why(Match(entry=entry, score=1.0), Profile()).startswith(
        "Vrijwilligers (o.a. oud-docenten) helpen."
    )
    assert "Vrijwilligers (o.a. oud-docenten) helpen. Laptops aanwezig.\n" in details_text(
        [entry], as_html=False
    )


def test_every_conversation_set_is_played_on_the_kennisbank_it_was_written_for() -> None:
    """benchmarks/conversations.py knew three kennisbanks: the Lindewaard sets (14a, 14b) were
    played on Voorbeeldstad, where none of their places exist. Every id a set expects must be
    in the kennisbank the benchmark picks for it."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from conversations import KENNISBANKEN, kennisbank_of

    from assistent.beheer.gesprekken import load_conversations

    ids = {name: {e.id for e in load_kennisbank(p).entries} for name, p in KENNISBANKEN.items()}
    files = [*(ROOT / "tests" / "eval").glob("gesprekken*.yaml")]
    files += [*(ROOT / "tests" / "eval" / "sealed").glob("gesprekken*.yaml")]
    assert len(files) > 30
    for path in files:
        known = ids[kennisbank_of(path)]
        for gesprek in load_conversations(path):
            for beurt in gesprek.beurten:
                expected = beurt.verwacht
                named = {*expected.ids, *expected.niet, *([expected.id] if expected.id else [])}
                assert named <= known, (path.name, gesprek.naam, named - known)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("020-123456", "9 cijfers, één te weinig"),
        ("06-1234567", "9 cijfers, één te weinig"),
        ("020-12345678", "11 cijfers, één te veel"),
        ("612345678", "mist de 0 vooraan"),
        ("20 1234567", "mist de 0 vooraan"),
    ],
)
def test_a_phone_number_a_digit_short_or_long_is_a_warning(
    tmp_path: Path, typed: str, said: str
) -> None:
    """A digit dropped or doubled while typing reached parents unnoticed: a number that the
    Dutch numbering plan knows with one digit more or less is a warning, and stays as typed."""
    write(tmp_path / "testdorp", "a", VALID.format(id="a", extra="").replace("012-345 6701", typed))
    kb = load_kennisbank(tmp_path)
    [warning] = [w for w in kb.warnings if w.field == "contact.telefoon"]
    assert f"'{typed}'" in warning.message and said in warning.message
    assert kb.entries[0].contact.telefoon == typed


@pytest.mark.parametrize(
    "typed",
    [
        "020-1234567",
        "06-12345678",
        "0800-2000",
        "14 020",
        "012-345 6701",
        "(020) 123 4567",
        "(0123) 456 770",
        " (06) 12345678",
    ],
)
def test_a_whole_or_unknown_phone_number_gives_no_warning(tmp_path: Path, typed: str) -> None:
    """Only a number the numbering plan knows with one digit more or less is doubted: a whole
    number, a short service number and an area code it does not know (012, the test data's)
    are not. An area code in brackets has its 0 ('(0123) 456 770' was said to miss it: found in
    the Wolderveen kennisbank)."""
    write(tmp_path / "testdorp", "a", VALID.format(id="a", extra="").replace("012-345 6701", typed))
    kb = load_kennisbank(tmp_path)
    assert not [w for w in kb.warnings if w.field == "contact.telefoon"]


def test_terse_sociale_kaart_abbreviations_end_no_sentence() -> None:
    """'Groepscursus Triple P niv. 4 voor ouders …' gave the reason '4 voor ouders van kinderen
    2-12 jr.' (found deploying a sociale kaart in a terse style)."""
    from assistent.kennisbank.sentences import sentences

    text = (
        "Groepscursus Triple P niv. 4 voor ouders van kinderen 2-12 jr. Omgaan met lastig "
        "gedrag. Kosten p.p. 10 euro, i.s.m. de bibliotheek."
    )
    assert sentences(text) == [
        "Groepscursus Triple P niv. 4 voor ouders van kinderen 2-12 jr.",
        "Omgaan met lastig gedrag.",
        "Kosten p.p. 10 euro, i.s.m. de bibliotheek.",
    ]


def test_the_benchmarks_know_an_off_topic_question_by_the_cjgs_soort_not_its_id(
    tmp_path: Path,
) -> None:
    """A municipality's CJG may be called "punt-7", and "cjg-cursus-..." may be a course: the
    benchmarks counted a real question expecting only such a course as off-topic, and an
    off-topic question expecting "punt-7" as a real one."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from retrieval_fusion import fallback_ids, is_off_topic

    from assistent.beheer.evaluation import load_cases

    entries = load_kennisbank(MINI).entries
    cjg = fallback_ids(entries)
    assert cjg == {e.id for e in entries if e.soort == "cjg"} and cjg
    (the_cjg,) = cjg
    cases = tmp_path / "vragen.yaml"
    cases.write_text(
        f"- {{vraag: 'hoe laat is het journaal', verwacht: [{the_cjg}]}}\n"
        "- {vraag: 'een cursus voor ouders van pubers', verwacht: [cjg-pubercursus]}\n"
        "- {vraag: 'mijn puber luistert niet', verwacht: [pubercursus]}\n",
        encoding="utf-8",
    )
    off, course, real = load_cases(cases)
    assert is_off_topic(off, cjg)
    assert not is_off_topic(course, cjg) and not is_off_topic(real, cjg)
    assert is_off_topic(off, {"punt-7", the_cjg}) and not is_off_topic(off, {"punt-7"})

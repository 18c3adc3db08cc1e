"""Spreadsheet round trip: export, edit, import; validation, conflicts and safe removal."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from assistent.beheer.plan import InputFileError, apply_plan, describe_plan
from assistent.beheer.spreadsheet import (
    COLUMNS,
    CONTROL,
    SHEET_DATA,
    SHEET_HELP,
    SHEET_MANIFEST,
)
from assistent.beheer.spreadsheet_import import plan_import
from assistent.beheer.spreadsheet_io import export_spreadsheet
from assistent.cli import app
from assistent.kennisbank import load_kennisbank, parse_file
from assistent.kennisbank.write import render_entry, target_path

HOME_START = "home-start-voorbeeldstad"


def flat(output: str) -> str:
    """CLI output with rich's line wrapping undone."""
    return " ".join(output.split())


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*.md"))}


class Xlsx:
    """Edit an exported workbook by id and column name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.wb = load_workbook(path)
        self.ws = self.wb[SHEET_DATA]
        self.columns = {cell.value: cell.column for cell in self.ws[1]}

    def row_of(self, entry_id: str) -> int:
        for row in range(2, self.ws.max_row + 1):
            if self.ws.cell(row, 1).value == entry_id:
                return row
        raise KeyError(entry_id)

    def set(self, entry_id: str, column: str, value: object) -> int:
        row = self.row_of(entry_id)
        self.ws.cell(row, self.columns[column]).value = value
        return row

    def save(self, path: Path | None = None) -> Path:
        self.wb.save(path or self.path)
        return path or self.path


@pytest.fixture
def exported(kennisbank_copy: Path, tmp_path: Path) -> Path:
    return export_spreadsheet(kennisbank_copy, tmp_path / "kennisbank.xlsx").path


# --- round trip ----------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_round_trip_without_edits_changes_nothing(
    kennisbank_copy: Path, tmp_path: Path, suffix: str
) -> None:
    before = snapshot(kennisbank_copy)
    report = export_spreadsheet(kennisbank_copy, tmp_path / f"export{suffix}")
    assert report.rows == len(before) == len(load_kennisbank(kennisbank_copy).entries)

    plan = plan_import(kennisbank_copy, report.path)
    assert plan.nothing_to_do and not plan.refused and not plan.kept
    assert plan.unchanged == len(before)
    assert next(iter(describe_plan(plan))).startswith("Niets veranderd")
    apply_plan(plan)
    assert snapshot(kennisbank_copy) == before  # byte-identical


def test_writer_is_stable_and_reads_back_the_same(kennisbank_copy: Path) -> None:
    kb = load_kennisbank(kennisbank_copy)
    identical = 0
    for entry in kb.entries:
        path = kb.paths[entry.id]
        text = render_entry(entry)
        assert render_entry(entry) == text
        copy = path.with_name(f"_{path.name}")  # '_' files are skipped by load_kennisbank
        copy.write_text(text, encoding="utf-8")
        reparsed, problems = parse_file(copy)
        copy.unlink()
        assert problems == [] or all(p.field == "id" for p in problems)
        assert reparsed is None or reparsed == entry
        identical += text == path.read_text(encoding="utf-8")
    # The demo files are written in the documented field order, so nearly all come out the same.
    assert identical >= 0.8 * len(kb.entries)


def test_writer_quotes_what_yaml_would_misread(tmp_path: Path) -> None:
    from assistent.kennisbank import Voorziening

    entry = Voorziening(
        id="lijn",
        naam="Lijn: dag en nacht",
        soort="hulplijn",
        landelijk=True,
        onderwerpen=["a, b", "ja", "gewoon"],
        voorbeeldvragen=["- met streepje", "#hashtag vraag", "normaal?"],
        contact={"telefoon": "112"},
        kosten="true",
        beschrijving="Tekst.",
    )
    text = render_entry(entry)
    assert 'telefoon: "112"' in text
    assert "onderwerpen: [" in text and "gewoon]" in text
    path = tmp_path / "landelijk" / "lijn.md"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    assert parse_file(path) == (entry, [])


def test_csv_is_excel_friendly(kennisbank_copy: Path, tmp_path: Path) -> None:
    path = export_spreadsheet(kennisbank_copy, tmp_path / "export.csv").path
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, so Excel shows é and ë
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert header.split(";") == [c.name for c in COLUMNS]


def test_xlsx_is_friendly(exported: Path) -> None:
    wb = load_workbook(exported)
    assert wb.sheetnames[:2] == [SHEET_DATA, SHEET_HELP]
    ws = wb[SHEET_DATA]
    assert ws.freeze_panes == "C2"
    assert all(cell.font.bold for cell in ws[1])
    columns = {cell.value: cell.column_letter for cell in ws[1]}
    assert ws.column_dimensions[columns[CONTROL]].hidden
    assert ws.column_dimensions[columns["beschrijving"]].width >= 60
    assert ws[f"{columns['beschrijving']}2"].alignment.wrap_text
    assert ws[f"{columns['voorbeeldvragen']}2"].alignment.wrap_text
    assert wb[SHEET_MANIFEST].sheet_state == "hidden"
    uitleg = [c.value for c in wb[SHEET_HELP]["A"]]
    assert all(c.name in uitleg for c in COLUMNS)


# --- edits ---------------------------------------------------------------------------------------
def test_edited_cell_shows_up_as_changed(kennisbank_copy: Path, exported: Path) -> None:
    before = snapshot(kennisbank_copy)
    sheet = Xlsx(exported)
    row = sheet.set(HOME_START, "telefoon", "012-345 6799")
    sheet.save()

    plan = plan_import(kennisbank_copy, exported)
    [change] = plan.changes
    assert (change.kind, change.id, change.row, change.fields) == (
        "wijzigen",
        HOME_START,
        row,
        ["telefoon"],
    )
    assert any("Wijzigen (1)" in line for line in describe_plan(plan))
    assert snapshot(kennisbank_copy) == before  # planning writes nothing

    apply_plan(plan)
    after = snapshot(kennisbank_copy)
    path = change.path
    assert "telefoon: 012-345 6799" in after[path].decode()
    assert {p for p in before if before[p] != after[p]} == {path}
    assert load_kennisbank(kennisbank_copy).by_id()[HOME_START].contact.telefoon == "012-345 6799"
    # importing the same sheet again: nothing left to do
    assert plan_import(kennisbank_copy, exported).nothing_to_do


def test_excel_typed_values_do_not_count_as_edits(kennisbank_copy: Path, exported: Path) -> None:
    from datetime import datetime

    sheet = Xlsx(exported)
    sheet.set(HOME_START, "leeftijd_tot", 6.0)  # Excel stores numbers as floats
    entry = load_kennisbank(kennisbank_copy).by_id()[HOME_START]
    checked = entry.laatst_gecontroleerd
    as_datetime = datetime(checked.year, checked.month, checked.day)
    sheet.set(HOME_START, "laatst_gecontroleerd", as_datetime)
    sheet.save()
    assert plan_import(kennisbank_copy, exported).nothing_to_do


def test_new_row_in_comma_csv_is_added_in_the_gemeente_folder(
    kennisbank_copy: Path, tmp_path: Path
) -> None:
    source = export_spreadsheet(kennisbank_copy, tmp_path / "export.csv").path
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig")), delimiter=";"))
    header = rows[0]
    new = dict.fromkeys(header, "")
    new.update(
        id="ouderkamer-noord",
        naam="Ouderkamer Noord",
        soort="welzijn",
        gemeente="Voorbeeldstad",
        wijken="Noord",
        doelgroep="ouders",
        voorbeeldvragen="Waar kan ik andere ouders ontmoeten?\nIs er koffie met andere moeders?",
        telefoon="012-345 6798",
        laatst_gecontroleerd="01-11-2026",
        beschrijving="Elke dinsdag koffie met andere ouders.\n\nGratis en zonder aanmelden.",
    )
    rows.insert(1, [new[h] for h in header])
    target = tmp_path / "komma.csv"
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=",").writerows(rows)  # Excel with a ',' list separator

    plan = plan_import(kennisbank_copy, target)
    [change] = plan.changes
    assert change.kind == "toevoegen"
    assert change.path == kennisbank_copy / "voorbeeldstad" / "ouderkamer-noord.md"
    apply_plan(plan)
    entry = load_kennisbank(kennisbank_copy).by_id()["ouderkamer-noord"]
    assert entry.voorbeeldvragen == [
        "Waar kan ik andere ouders ontmoeten?",
        "Is er koffie met andere moeders?",
    ]
    assert str(entry.laatst_gecontroleerd) == "2026-11-01"
    assert entry.beschrijving.count("\n\n") == 1


def test_copied_row_with_a_new_id_is_added(kennisbank_copy: Path, exported: Path) -> None:
    sheet = Xlsx(exported)
    source = sheet.row_of(HOME_START)
    target = sheet.ws.max_row + 1
    for column in sheet.columns.values():  # copy the whole row, _controle included
        sheet.ws.cell(target, column).value = sheet.ws.cell(source, column).value
    sheet.ws.cell(target, sheet.columns["id"]).value = "home-start-kopie"
    sheet.save()
    plan = plan_import(kennisbank_copy, exported)
    assert [(c.kind, c.id) for c in plan.changes] == [("toevoegen", "home-start-kopie")]
    assert plan.refused == []


def test_windows_1252_csv_from_excel_is_read(kennisbank_copy: Path, tmp_path: Path) -> None:
    source = export_spreadsheet(kennisbank_copy, tmp_path / "export.csv").path
    text = source.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    keep = [rows[0], *(r for r in rows if r[0] == HOME_START), rows[-1]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(keep)
    ansi = tmp_path / "ansi.csv"
    ansi.write_bytes(buffer.getvalue().encode("cp1252"))  # "CSV (gescheiden door ...)"
    plan = plan_import(kennisbank_copy, ansi)
    assert plan.unchanged == 1
    # every other exported entry is missing from this file, so it would be removed
    assert {c.kind for c in plan.changes} == {"verwijderen"}
    assert HOME_START not in {c.id for c in plan.changes}


# --- validation ----------------------------------------------------------------------------------
def test_typo_in_column_name_names_row_and_column(kennisbank_copy: Path, exported: Path) -> None:
    sheet = Xlsx(exported)
    cell = sheet.ws.cell(1, sheet.columns["email"])
    cell.value = "emial"
    sheet.save()
    with pytest.raises(InputFileError) as caught:
        plan_import(kennisbank_copy, exported)
    messages = [str(p) for p in caught.value.problems]
    assert any(
        f"rij 1, kolom {cell.column_letter}" in m and "Bedoel je 'email'" in m for m in messages
    )
    assert any("email" in m and "ontbreken" in m for m in messages)


def test_all_invalid_cells_are_reported_at_once(kennisbank_copy: Path, exported: Path) -> None:
    before = snapshot(kennisbank_copy)
    sheet = Xlsx(exported)
    email_row = sheet.set(HOME_START, "email", "info(at)home-start")
    age_row = sheet.set("cjg-voorbeeldstad", "leeftijd_van", "baby")
    doel_row = sheet.set("cjg-voorbeeldstad", "doelgroep", "ouders; opa's")
    empty_row = sheet.set("wijkteam-noord", "naam", None)
    sheet.save()
    with pytest.raises(InputFileError) as caught:
        plan_import(kennisbank_copy, exported)
    found = {(p.field, p.message) for p in caught.value.problems}
    letter = {name: sheet.ws.cell(1, col).column_letter for name, col in sheet.columns.items()}

    def has(row: int, column: str, text: str) -> bool:
        where = f"rij {row}, kolom {column} ({letter[column]})"
        return any(f == where and text in m for f, m in found)

    assert has(email_row, "email", "geen geldig e-mailadres")
    assert has(age_row, "leeftijd_van", "heel getal")
    assert has(doel_row, "doelgroep", "Kies uit: ouders")
    assert has(empty_row, "naam", "verplicht")
    assert snapshot(kennisbank_copy) == before


def test_duplicate_id_names_both_rows(kennisbank_copy: Path, exported: Path) -> None:
    sheet = Xlsx(exported)
    row = sheet.set("wijkteam-noord", "id", HOME_START)
    sheet.save()
    with pytest.raises(InputFileError) as caught:
        plan_import(kennisbank_copy, exported)
    [problem] = caught.value.problems
    assert problem.field.startswith(f"rij {row}, kolom id")
    assert f"rij {sheet.row_of(HOME_START)}" in problem.message


# --- conflicts and removal -----------------------------------------------------------------------
def _edit_markdown(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_row_and_file_both_changed_is_refused(kennisbank_copy: Path, exported: Path) -> None:
    path = load_kennisbank(kennisbank_copy).paths[HOME_START]
    sheet = Xlsx(exported)
    row = sheet.set(HOME_START, "kosten", "5 euro per keer")
    sheet.save()
    _edit_markdown(path, "kosten: gratis", "kosten: gratis, ook voor de cursus")
    edited = path.read_bytes()

    plan = plan_import(kennisbank_copy, exported)
    assert plan.changes == []
    [refused] = plan.refused
    assert refused.field == f"rij {row} ({HOME_START})"
    assert "na de export" in refused.message and "--overschrijf" in refused.message
    apply_plan(plan)
    assert path.read_bytes() == edited  # the Markdown edit survives

    forced = plan_import(kennisbank_copy, exported, overwrite=True)
    assert [c.id for c in forced.changes] == [HOME_START]
    apply_plan(forced)
    assert "kosten: 5 euro per keer" in path.read_text(encoding="utf-8")


def test_file_changed_but_row_not_keeps_the_file(kennisbank_copy: Path, exported: Path) -> None:
    path = load_kennisbank(kennisbank_copy).paths[HOME_START]
    _edit_markdown(path, "kosten: gratis", "kosten: gratis, ook voor de cursus")
    plan = plan_import(kennisbank_copy, exported)
    assert plan.changes == [] and plan.refused == []
    row = Xlsx(exported).row_of(HOME_START)
    assert [p.field for p in plan.kept] == [f"rij {row} ({HOME_START})"]


def test_removal_only_of_exported_unchanged_files(kennisbank_copy: Path, exported: Path) -> None:
    kb = load_kennisbank(kennisbank_copy)
    sheet = Xlsx(exported)
    for entry_id in ("speel-o-theek", "vadercentrum"):
        sheet.ws.delete_rows(sheet.row_of(entry_id))
    sheet.save()
    # after the export: someone adds a file and edits one of the deleted rows' files
    newcomer = kennisbank_copy / "voorbeeldstad" / "nieuw-na-export.md"
    text = kb.paths["speel-o-theek"].read_text(encoding="utf-8")
    newcomer.write_text(text.replace("id: speel-o-theek", "id: nieuw-na-export"), "utf-8")
    _edit_markdown(kb.paths["vadercentrum"], "eigenaar:", "eigenaar: Piet,")

    plan = plan_import(kennisbank_copy, exported)
    assert [(c.kind, c.id) for c in plan.changes] == [("verwijderen", "speel-o-theek")]
    assert [p.field for p in plan.refused] == ["vadercentrum"]
    apply_plan(plan)
    assert not kb.paths["speel-o-theek"].exists()
    assert kb.paths["vadercentrum"].exists() and newcomer.exists()


def test_export_of_one_gemeente_never_removes_other_files(
    kennisbank_copy: Path, tmp_path: Path
) -> None:
    source = export_spreadsheet(kennisbank_copy, tmp_path / "landelijk.csv", "landelijk").path
    text = source.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    kept = [rows[0], rows[-1]]  # header and the '_export' line; all data rows deleted
    with source.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(kept)
    plan = plan_import(kennisbank_copy, source)
    removed = {c.path.parent.name for c in plan.changes}
    assert plan.changes and all(c.kind == "verwijderen" for c in plan.changes)
    assert removed == {"landelijk"}


def test_gemeente_change_moves_the_file(kennisbank_copy: Path, exported: Path) -> None:
    sheet = Xlsx(exported)
    sheet.set(HOME_START, "gemeente", "Andere Stad")
    sheet.save()
    plan = plan_import(kennisbank_copy, exported)
    [change] = plan.changes
    old = load_kennisbank(kennisbank_copy).paths[HOME_START]
    assert change.old_path == old
    assert change.path == kennisbank_copy / "andere-stad" / f"{HOME_START}.md"
    apply_plan(plan)
    assert not old.exists() and change.path.exists()
    entry = load_kennisbank(kennisbank_copy).by_id()[HOME_START]
    assert target_path(kennisbank_copy, entry) == change.path


# --- command line --------------------------------------------------------------------------------
def test_cli_dry_run_shows_changes_and_writes_nothing(
    kennisbank_copy: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    target = tmp_path / "cli.xlsx"
    result = runner.invoke(
        app, ["kennisbank", "exporteer", str(target), "--kennisbank", str(kennisbank_copy)]
    )
    assert result.exit_code == 0, result.output
    sheet = Xlsx(target)
    sheet.set(HOME_START, "kosten", "2 euro")
    sheet.save()
    before = snapshot(kennisbank_copy)
    args = ["kennisbank", "importeer", str(target), "--kennisbank", str(kennisbank_copy)]
    result = runner.invoke(app, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Wijzigen (1)" in flat(result.output) and "kosten" in result.output
    assert "proefrun" in result.output
    assert snapshot(kennisbank_copy) == before

    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert snapshot(kennisbank_copy) != before


def test_cli_reports_errors_with_exit_code(kennisbank_copy: Path, exported: Path) -> None:
    sheet = Xlsx(exported)
    sheet.set(HOME_START, "website", "www.zonder-https.example")
    sheet.save()
    result = CliRunner().invoke(
        app, ["kennisbank", "importeer", str(exported), "--kennisbank", str(kennisbank_copy)]
    )
    assert result.exit_code == 5
    assert "kolom website" in flat(result.output)
    assert "niets opgeslagen" in flat(result.output)


@pytest.mark.parametrize("edit", ["wijk typo", "every row deleted"])
def test_an_import_that_would_break_the_kennisbank_saves_nothing(
    kennisbank_copy: Path, exported: Path, edit: str
) -> None:
    """A wijk typed wrong ('Noordd') passed --dry-run with exit code 0; the real import saved
    the file and only then said the kennisbank had an error, and from then on the assistent
    refused to start with it. An emptied sheet deleted all 44 places (found by a tester playing
    CJG staff). The whole kennisbank is checked as it would be, before anything is saved."""
    sheet = Xlsx(exported)
    if edit == "wijk typo":
        sheet.set(HOME_START, "wijken", "Noordd")
    else:
        sheet.ws.delete_rows(2, sheet.ws.max_row)
    sheet.save()
    before = snapshot(kennisbank_copy)
    args = ["kennisbank", "importeer", str(exported), "--kennisbank", str(kennisbank_copy)]
    for extra in (["--dry-run"], []):
        result = CliRunner().invoke(app, [*args, *extra])
        assert result.exit_code == 5, result.output
        assert "niets opgeslagen" in flat(result.output)
        assert snapshot(kennisbank_copy) == before
    expected = "'Noordd'" if edit == "wijk typo" else "geen voorzieningen"
    assert expected in flat(result.output)
    if edit == "wijk typo":
        assert str(kennisbank_copy / "voorbeeldstad") in flat(result.output)  # the real file


# --- issue 13: Excel must not change what was typed ----------------------------------------------
def test_export_formats_phone_and_text_columns_as_text(exported: Path) -> None:
    # the phone column was "General", so a typed 0612345678 became the number 612345678
    sheet = Xlsx(exported)
    row = sheet.row_of(HOME_START)
    new_row = sum(1 for cell in sheet.ws["A"] if cell.value) + 1
    for name in ("telefoon", "whatsapp", "adres", "openingstijden", "kosten", "naam", "wijken"):
        column = sheet.columns[name]
        assert sheet.ws.cell(row, column).number_format == "@", name
        assert sheet.ws.cell(new_row, column).number_format == "@", name  # a row typed later
    assert sheet.ws.cell(row, sheet.columns["leeftijd_tot"]).number_format != "@"
    assert sheet.ws.cell(row, sheet.columns["laatst_gecontroleerd"]).number_format == "yyyy-mm-dd"


def test_phone_that_lost_its_leading_zero_is_refused(kennisbank_copy: Path, exported: Path) -> None:
    sheet = Xlsx(exported)
    row = sheet.set(HOME_START, "telefoon", 612345678)  # what Excel keeps of 0612345678
    sheet.save()
    with pytest.raises(InputFileError) as info:
        plan_import(kennisbank_copy, exported)
    [problem] = info.value.problems
    assert problem.field == f"rij {row}, kolom telefoon (L)"
    assert "'612345678' mist de 0 vooraan" in problem.message and "0612345678" in problem.message


def test_phone_without_zero_in_a_csv_is_refused(kennisbank_copy: Path, tmp_path: Path) -> None:
    source = export_spreadsheet(kennisbank_copy, tmp_path / "export.csv").path
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig")), delimiter=";"))
    phone = rows[0].index("telefoon")
    [row] = [r for r in rows if r[0] == HOME_START]
    row[phone] = "201234567"
    target = tmp_path / "excel.csv"
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    with pytest.raises(InputFileError) as info:
        plan_import(kennisbank_copy, target)
    assert any("mist de 0 vooraan" in p.message for p in info.value.problems)


def test_date_or_time_in_a_text_column_is_refused(kennisbank_copy: Path, exported: Path) -> None:
    from datetime import datetime, time

    sheet = Xlsx(exported)
    sheet.set(HOME_START, "kosten", datetime(2026, 2, 1))  # typed "1-2"
    sheet.set(HOME_START, "openingstijden", time(9, 30))  # typed "9:30"
    sheet.save()
    with pytest.raises(InputFileError) as info:
        plan_import(kennisbank_copy, exported)
    messages = {p.field.split("kolom ")[1].split(" ")[0]: p.message for p in info.value.problems}
    assert "een datum van gemaakt (2026-02-01)" in messages["kosten"]
    assert "een tijd van gemaakt" in messages["openingstijden"]


def test_number_in_a_text_column_is_a_warning(kennisbank_copy: Path, exported: Path) -> None:
    sheet = Xlsx(exported)
    sheet.set(HOME_START, "kosten", 12.5)  # typed "12,50"
    sheet.save()
    plan = plan_import(kennisbank_copy, exported)
    [warning] = plan.warnings
    assert "kolom kosten" in warning.field and "12.5" in warning.message
    assert any("Let op (1)" in line for line in describe_plan(plan))


def test_formula_cell_is_refused(kennisbank_copy: Path, exported: Path) -> None:
    sheet = Xlsx(exported)
    row = sheet.set(HOME_START, "naam", '="Home-Start "&"Noord"')
    sheet.save()
    with pytest.raises(InputFileError) as info:
        plan_import(kennisbank_copy, exported)
    [problem] = info.value.problems
    assert problem.field == f"rij {row}, kolom naam (B)" and "formule" in problem.message


def test_dry_run_shows_old_and_new_value_per_cell(kennisbank_copy: Path, exported: Path) -> None:
    entry = load_kennisbank(kennisbank_copy).by_id()[HOME_START]
    sheet = Xlsx(exported)
    sheet.set(HOME_START, "telefoon", "012-345 6799")
    sheet.set(HOME_START, "kosten", "")
    sheet.save()
    result = CliRunner().invoke(
        app,
        [
            "kennisbank",
            "importeer",
            str(exported),
            "--dry-run",
            "--kennisbank",
            str(kennisbank_copy),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f'telefoon: "{entry.contact.telefoon}" → "012-345 6799"' in result.output
    assert f'kosten: "{entry.kosten}" → (leeg)' in result.output


def test_a_row_deleted_from_a_sheet_without_export_data_is_named_not_ignored(
    kennisbank_copy: Path, tmp_path: Path
) -> None:
    """Without the hidden '_export' data and the '_controle' column (rows copied into a sheet of
    one's own), the import cannot know whether a missing row was deleted: the file stays. It
    stayed without a word; now a warning names it and says what to do."""
    source = export_spreadsheet(kennisbank_copy, tmp_path / "export.csv", "voorbeeldstad").path
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig")), delimiter=";"))
    control = rows[0].index("_controle")
    kept = [
        [cell for i, cell in enumerate(row) if i != control]
        for row in rows
        if row[0] not in ("_export", "vadercentrum")
    ]
    target = tmp_path / "eigen.csv"
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(kept)
    plan = plan_import(kennisbank_copy, target)
    assert not plan.changes  # nothing removed
    [warning] = [w for w in plan.warnings if "vadercentrum" in w.message]
    assert "blijft staan" in warning.message and "verwijder" in warning.message.casefold()
    assert "de laatste rij '_export'" in warning.message  # a CSV has no tabs
    assert not [w for w in plan.warnings if "landelijk" in w.message]  # another gemeente's
    assert "  vadercentrum (Voorbeeldstad) staat" in "\n".join(describe_plan(plan))

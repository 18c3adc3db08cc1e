"""The spreadsheet files: export the kennisbank to .xlsx or .csv, and read such a file back.

The columns, cell values and control values are the contract of :mod:`assistent.beheer.spreadsheet`;
this module only puts them into (and gets them out of) Excel and CSV files.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from assistent.beheer.plan import InputFileError
from assistent.beheer.spreadsheet import (
    COLUMN_BY_NAME,
    COLUMNS,
    CONTROL,
    CSV_DELIMITER,
    DATA_COLUMNS,
    ILLEGAL_CHARACTERS,
    MANIFEST_ID,
    MANIFEST_VERSION,
    SHEET_DATA,
    SHEET_HELP,
    SHEET_MANIFEST,
    canonical,
    cell_text,
    control_value,
    decode_manifest,
    encode_manifest,
    entry_cells,
    row_fingerprint,
)
from assistent.errors import Problem, did_you_mean
from assistent.files import decode_csv, sniff_delimiter, write_bytes_atomic
from assistent.kennisbank import KNOWN_SOORTEN, load_kennisbank, same_name
from assistent.kennisbank.write import file_fingerprint


# --- export --------------------------------------------------------------------------------------
@dataclass
class ExportReport:
    """What an export wrote."""

    path: Path
    rows: int
    warnings: list[Problem] = field(default_factory=list)


def export_spreadsheet(kb_root: Path, target: Path, gemeente: str | None = None) -> ExportReport:
    """Write the kennisbank (or one gemeente, or 'landelijk') to ``target`` (.xlsx or .csv)."""
    target = Path(target)
    fmt = _format_of(target)
    kb = load_kennisbank(kb_root)
    entries = kb.entries
    if gemeente:
        if gemeente.casefold() == "landelijk":
            entries = [e for e in entries if e.landelijk]
        else:
            entries = [e for e in entries if same_name(e.gemeente, gemeente)]
        if not entries:
            raise InputFileError(
                [
                    Problem(
                        Path(kb_root),
                        None,
                        f"geen voorzieningen voor '{gemeente}'. Kies uit: "
                        f"{', '.join([*kb.gemeenten, 'landelijk'])}.",
                    )
                ]
            )
    warnings: list[Problem] = []
    rows: list[dict[str, Any]] = []
    manifest: dict[str, str] = {}
    for entry in entries:
        path = kb.paths[entry.id]
        cells = entry_cells(entry)
        for name in ("wijken", "doelgroep", "onderwerpen", "voorbeeldvragen"):
            if any(";" in item for item in getattr(entry, name)):
                warnings.append(
                    Problem(
                        path,
                        name,
                        "bevat een ';' binnen één waarde. In de spreadsheet is ';' het "
                        "scheidingsteken, dus bij het inlezen wordt die waarde in tweeën "
                        "gesplitst.",
                        warning=True,
                    )
                )
        values = {c.name: canonical(c, cells[c.name]) for c in DATA_COLUMNS}
        file_fp = file_fingerprint(path.read_bytes())
        cells[CONTROL] = control_value(entry.id, file_fp, row_fingerprint(values))
        manifest[entry.id] = file_fp
        rows.append(cells)
    if fmt == "xlsx":
        _write_xlsx(target, rows, manifest)
    else:
        _write_csv(target, rows, manifest)
    return ExportReport(target, len(rows), warnings)


def _format_of(path: Path) -> Literal["xlsx", "csv"]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise InputFileError(
        [Problem(path, None, "gebruik een bestand dat eindigt op .xlsx (Excel) of .csv.")]
    )


def _write_csv(target: Path, rows: list[dict[str, Any]], manifest: dict[str, str]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([c.name for c in COLUMNS])
    for cells in rows:
        writer.writerow([cell_text(cells.get(c.name)) for c in COLUMNS])
    marker = {c.name: "" for c in COLUMNS}
    marker["id"] = MANIFEST_ID
    marker["naam"] = (
        "Niet aanpassen of verwijderen: deze regel onthoudt welke voorzieningen in de export zaten."
    )
    marker[CONTROL] = encode_manifest(manifest)
    writer.writerow([marker[c.name] for c in COLUMNS])
    write_bytes_atomic(target, ("\ufeff" + buffer.getvalue()).encode("utf-8"))


TEXT_FORMAT = "@"  # Excel's "Tekst" cell format
EXTRA_TEXT_ROWS = 200  # empty rows below the data that are formatted as text too


def _write_xlsx(target: Path, rows: list[dict[str, Any]], manifest: dict[str, str]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_DATA
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    top = Alignment(vertical="top")
    wrap = Alignment(vertical="top", wrap_text=True)
    for col, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=col, value=column.name)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center")
        # room for the name and the filter button, so no header is cut off
        ws.column_dimensions[get_column_letter(col)].width = max(column.width, len(column.name) + 4)
    for r, cells in enumerate(rows, start=2):
        for col, column in enumerate(COLUMNS, start=1):
            value = cells.get(column.name)
            cell = ws.cell(row=r, column=col)
            if column.kind not in ("int", "date"):
                cell.number_format = TEXT_FORMAT
            if value in ("", None):
                continue
            if column.kind == "int" or column.kind == "date":
                cell.value = value
                if column.kind == "date":
                    cell.number_format = "yyyy-mm-dd"
            else:
                cell.value = ILLEGAL_CHARACTERS.sub("", str(value))
                cell.data_type = "s"  # never a formula, even when the text starts with '='
            cell.alignment = wrap if column.wrap else top
    for col, column in enumerate(COLUMNS, start=1):
        if column.kind in ("int", "date"):
            continue
        # Text (@) for the whole column, also for rows added later: Excel then keeps the 0 of
        # 0612345678 and does not turn 9:30 or 1-2 into a time or a date.
        letter = get_column_letter(col)
        ws.column_dimensions[letter].number_format = TEXT_FORMAT
        for r in range(len(rows) + 2, len(rows) + 2 + EXTRA_TEXT_ROWS):
            ws.cell(row=r, column=col).number_format = TEXT_FORMAT
    ws.freeze_panes = "C2"
    last = get_column_letter(len(COLUMNS))  # the _controle column, hidden
    ws.auto_filter.ref = f"A1:{last}{max(len(rows) + 1, 2)}"
    ws.column_dimensions[last].hidden = True
    landelijk_letter = get_column_letter([c.name for c in COLUMNS].index("landelijk") + 1)
    choice = DataValidation(type="list", formula1='"ja,nee"', allow_blank=True)
    choice.error = "Vul 'ja' in, of laat de cel leeg."
    choice.add(f"{landelijk_letter}2:{landelijk_letter}1000")
    ws.add_data_validation(choice)

    _write_help_sheet(wb.create_sheet(SHEET_HELP))

    hidden = wb.create_sheet(SHEET_MANIFEST)
    hidden.append(["id", "controle", f"versie {MANIFEST_VERSION}"])
    for entry_id, fp in manifest.items():
        hidden.append([entry_id, fp])
    hidden.sheet_state = "hidden"

    buffer = io.BytesIO()
    wb.save(buffer)
    write_bytes_atomic(target, buffer.getvalue())


HELP_INTRO = (
    "Zo werk je met dit bestand",
    "Elke rij is één voorziening. Pas de cellen aan, voeg rijen toe of verwijder rijen.",
    "Lijsten (wijken, doelgroep, onderwerpen, voorbeeldvragen) scheid je met een puntkomma ';'.",
    "Sla op als .xlsx en lees het bestand weer in met: assistent kennisbank importeer BESTAND "
    "--dry-run. Dan zie je eerst wat er verandert. Klopt het? Doe het dan nog eens zonder "
    "--dry-run.",
    "Fouten krijg je allemaal tegelijk, met het rijnummer en de kolom. Er wordt pas iets "
    "opgeslagen als er geen fouten meer zijn.",
    "De verborgen kolom _controle niet aanpassen. Heeft iemand het Markdown-bestand intussen "
    "aangepast én heb jij dezelfde rij veranderd? Dan wordt die rij niet verwerkt, zodat niemands "
    "werk verloren gaat.",
    "Een rij verwijderen verwijdert de voorziening alleen als die in deze export zat.",
)


def _write_help_sheet(ws: Any) -> None:
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    wrap = Alignment(vertical="top", wrap_text=True)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].width = 40
    ws.cell(row=1, column=1, value=HELP_INTRO[0]).font = Font(bold=True, size=14)
    row = 2
    for line in HELP_INTRO[1:]:
        ws.cell(row=row, column=1, value=line)
        row += 1
    row += 1
    for col, title in enumerate(("kolom", "verplicht", "wat vul je in", "voorbeeld"), start=1):
        ws.cell(row=row, column=col, value=title).font = bold
    header_row = row
    for column in COLUMNS:
        row += 1
        for col, value in enumerate(
            (column.name, column.required, column.uitleg, column.voorbeeld), start=1
        ):
            cell = ws.cell(row=row, column=col, value=value)
            cell.alignment = wrap
            cell.data_type = "s"
    row += 2
    ws.cell(row=row, column=1, value="Bekende soorten").font = bold
    ws.cell(row=row, column=3, value=", ".join(KNOWN_SOORTEN)).alignment = wrap
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


# --- reading -------------------------------------------------------------------------------------
@dataclass
class SheetRow:
    """One data row: its row number as Excel shows it, and its cells by column name."""

    number: int
    cells: dict[str, Any]


@dataclass
class Sheet:
    """A spreadsheet as read: header, rows, the export's manifest (if any), problems."""

    path: Path
    header: list[str]
    rows: list[SheetRow]
    manifest: dict[str, str] | None
    problems: list[Problem] = field(default_factory=list)
    formulas: set[tuple[int, str]] = field(default_factory=set)  # (row number, column name)


def column_letter(index: int) -> str:
    """The Excel letter of a 0-based column index (``0`` → ``A``)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def read_sheet(path: Path) -> Sheet:
    """Read an .xlsx or .csv file exported by (or shaped like) ``export_spreadsheet``."""
    path = Path(path)
    fmt = _format_of(path)
    if not path.is_file():
        raise InputFileError([Problem(path, None, "dit bestand bestaat niet.")])
    formulas: set[tuple[int, str]] = set()
    if fmt == "xlsx":
        header, raw_rows, manifest = _read_xlsx(path)
        formulas = _formula_cells(path, header)
    else:
        header, raw_rows, manifest = _read_csv(path)
    problems = _check_header(path, header)
    rows: list[SheetRow] = []
    for number, values in raw_rows:
        cells = {
            name: values[i] if i < len(values) else None
            for i, name in enumerate(header)
            if name in COLUMN_BY_NAME
        }
        if str(cells.get("id") or "").strip() == MANIFEST_ID:
            manifest = decode_manifest(str(cells.get(CONTROL) or "")) or manifest
            continue
        if all(cell_text(v) == "" for v in values):
            continue
        rows.append(SheetRow(number, cells))
    return Sheet(path, header, rows, manifest, problems, formulas)


def _formula_cells(path: Path, header: list[str]) -> set[tuple[int, str]]:
    """The data cells that hold a formula (the normal read sees only their last result)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=False)
    ws = wb[SHEET_DATA] if SHEET_DATA in wb.sheetnames else wb.worksheets[0]
    found = set()
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            index = cell.column - 1
            if cell.data_type == "f" and index < len(header):
                found.add((cell.row, header[index]))
    wb.close()
    return found


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]], dict[str, str] | None]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException
        raise InputFileError(
            [Problem(path, None, f"is geen leesbaar Excel-bestand (.xlsx): {exc}.")]
        ) from exc
    ws = wb[SHEET_DATA] if SHEET_DATA in wb.sheetnames else wb.worksheets[0]
    all_rows = list(ws.iter_rows(values_only=True))
    header = [cell_text(v) for v in all_rows[0]] if all_rows else []
    while header and header[-1] == "":
        header.pop()
    rows = [(n, list(values)) for n, values in enumerate(all_rows[1:], start=2)]
    manifest = None
    if SHEET_MANIFEST in wb.sheetnames:
        manifest = {}
        for values in wb[SHEET_MANIFEST].iter_rows(min_row=2, values_only=True):
            if values and values[0]:
                manifest[str(values[0])] = cell_text(values[1] if len(values) > 1 else "")
    wb.close()
    return header, rows, manifest


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]], dict[str, str] | None]:
    text = decode_csv(path.read_bytes())
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = list(reader)
    header = [h.strip() for h in records[0]] if records else []
    while header and header[-1] == "":
        header.pop()
    rows = [(n, list(values)) for n, values in enumerate(records[1:], start=2)]
    return header, rows, None


def _check_header(path: Path, header: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    known = [c.name for c in COLUMNS]
    for i, name in enumerate(header):
        if name in COLUMN_BY_NAME:
            if header.index(name) != i:
                problems.append(
                    Problem(
                        path,
                        f"rij 1, kolom {column_letter(i)}",
                        f"de kolom '{name}' staat er twee keer.",
                    )
                )
            continue
        hint = did_you_mean(name, known, " Zie het tabblad Uitleg voor de kolommen.")
        problems.append(
            Problem(
                path, f"rij 1, kolom {column_letter(i)}", f"de kolom '{name}' ken ik niet.{hint}"
            )
        )
    missing = [c.name for c in DATA_COLUMNS if c.name not in header]
    if missing:
        problems.append(
            Problem(
                path,
                "rij 1",
                f"de kolom(men) {', '.join(missing)} ontbreken. Zet ze terug (zie het tabblad "
                "Uitleg), ook als ze leeg zijn: een ontbrekende kolom zou anders alle waarden "
                "wissen.",
            )
        )
    return problems

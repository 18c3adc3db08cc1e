"""Spreadsheet round trip for CJG staff: kennisbank → .xlsx/.csv → kennisbank.

One row per voorziening, one column per field (``contact`` and ``leeftijd`` flattened), lists
separated by ``;``. Every row is validated with the kennisbank's own pydantic models, so the
rules never diverge, and every problem names the row and the column.

Edits are never lost silently. The export records per row a fingerprint (column ``_controle``)
of the Markdown file as it was exported, plus a fingerprint of the row itself, and a list of all
exported ids (hidden sheet ``_export``; in a CSV the last row, id ``_export``). On import:

* a row that changed while its file did not: the file is rewritten;
* a file that changed (in Markdown) while its row did not: the file is kept;
* both changed: the row is refused (``--overschrijf`` lets the row win);
* a row that is gone: its file is removed, but only when it was part of the export and was not
  changed since. Files that were never exported are never touched.

CSV: written as UTF-8 with BOM and ``;`` as separator (what Dutch Excel expects); read with
``;``, ``,`` or tab, UTF-8 (with or without BOM) or, failing that, Windows-1252.
"""

from __future__ import annotations

import base64
import csv
import difflib
import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from assistent.errors import AssistentError, Problem
from assistent.kennisbank import (
    KNOWN_SOORTEN,
    Voorziening,
    load_kennisbank,
    parse_file,
    same_name,
)
from assistent.kennisbank.messages import translate
from assistent.kennisbank.write import (
    CONTACT_ORDER,
    file_fingerprint,
    folder_for,
    render_entry,
    target_path,
    write_atomic,
    write_bytes_atomic,
)

Kind = Literal["text", "list", "int", "date", "bool"]

SHEET_DATA = "Voorzieningen"
SHEET_HELP = "Uitleg"
SHEET_MANIFEST = "_export"
CONTROL = "_controle"
MANIFEST_ID = "_export"
MANIFEST_VERSION = 1
CSV_DELIMITER = ";"


@dataclass(frozen=True)
class Column:
    """One spreadsheet column: name, type, width, and its explanation for the Uitleg sheet."""

    name: str
    kind: Kind
    width: int
    required: str
    uitleg: str
    voorbeeld: str = ""
    wrap: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        "text",
        30,
        "ja",
        "Unieke naam van het bestand: kleine letters, cijfers en '-'. Verander het id van een "
        "bestaande voorziening liever niet.",
        "home-start-voorbeeldstad",
    ),
    Column(
        "naam", "text", 32, "ja", "De naam zoals ouders die kennen.", "Home-Start Voorbeeldstad"
    ),
    Column(
        "soort",
        "text",
        18,
        "ja",
        "Het soort voorziening, bijvoorbeeld cjg, wijkteam, cursus of hulplijn. Zie de lijst "
        "onderaan.",
        "home-start",
    ),
    Column(
        "gemeente",
        "text",
        16,
        "gemeente óf landelijk",
        "De gemeente waar de voorziening voor is. Laat leeg als 'landelijk' ja is.",
        "Voorbeeldstad",
    ),
    Column(
        "landelijk",
        "bool",
        10,
        "gemeente óf landelijk",
        "Vul 'ja' in als de voorziening voor heel Nederland is. Anders leeg laten.",
        "ja",
    ),
    Column(
        "wijken",
        "list",
        18,
        "nee",
        "Alleen voor deze wijken, gescheiden door ';'. Leeg = de hele gemeente.",
        "Noord; Zuid",
    ),
    Column(
        "doelgroep",
        "list",
        22,
        "nee",
        "Voor wie, gescheiden door ';'. Kies uit: ouders, professionals, jongeren, kinderen. "
        "Leeg = iedereen.",
        "ouders; jongeren",
    ),
    Column(
        "leeftijd_van",
        "int",
        9,
        "nee",
        "Jongste leeftijd van het kind in jaren (telt mee). Leeg = vanaf 0.",
        "0",
    ),
    Column(
        "leeftijd_tot",
        "int",
        9,
        "nee",
        "Oudste leeftijd van het kind in jaren (telt mee), hoogstens 30. Leeg = tot 30.",
        "6",
    ),
    Column(
        "onderwerpen",
        "list",
        30,
        "nee",
        "Trefwoorden, gescheiden door ';'.",
        "opvoeden; stress; jong gezin",
        wrap=True,
    ),
    Column(
        "voorbeeldvragen",
        "list",
        60,
        "nee, maar doe het wel (3 tot 8)",
        "Vragen zoals ouders of professionals ze echt typen, gescheiden door ';'. Zet elke vraag "
        "op een eigen regel (Alt+Enter). Dit is de belangrijkste kolom voor goede antwoorden.",
        "Ik sta er alleen voor en het wordt me te veel; Kan er iemand bij ons thuis meekijken?",
        wrap=True,
    ),
    Column(
        "telefoon",
        "text",
        16,
        "minstens één contactkolom",
        "Telefoonnummer: cijfers, spaties, '-', '+' en haakjes.",
        "012-345 6701",
    ),
    Column("whatsapp", "text", 16, "nee", "WhatsApp-nummer.", "012-345 6701"),
    Column("email", "text", 30, "nee", "E-mailadres.", "info@cjg.voorbeeldstad.example"),
    Column(
        "website",
        "text",
        30,
        "nee",
        "Volledig webadres, beginnend met https://.",
        "https://cjg.voorbeeldstad.example",
    ),
    Column("chat", "text", 24, "nee", "Webadres van de chat, beginnend met https://.", ""),
    Column("adres", "text", 30, "nee", "Bezoekadres.", "Marktplein 1, 1234 AB Voorbeeldstad"),
    Column(
        "openingstijden",
        "text",
        30,
        "nee",
        "Wanneer bereikbaar.",
        "maandag tot en met vrijdag 9.00-17.00 uur",
        wrap=True,
    ),
    Column("kosten", "text", 16, "nee", "Wat het kost.", "gratis", wrap=True),
    Column(
        "aanmelden",
        "text",
        36,
        "nee",
        "Hoe je je aanmeldt, en of je een verwijzing nodig hebt.",
        "Bel of mail zelf.",
        wrap=True,
    ),
    Column(
        "laatst_gecontroleerd",
        "date",
        14,
        "nee",
        "Datum waarop je de gegevens hebt nagekeken, als JJJJ-MM-DD (dd-mm-jjjj mag ook).",
        "2026-10-01",
    ),
    Column(
        "eigenaar",
        "text",
        28,
        "nee",
        "Wie de gegevens bijhoudt: naam of e-mail van de CJG-medewerker.",
        "kennisbank@cjg.voorbeeldstad.example",
    ),
    Column(
        "beschrijving",
        "text",
        80,
        "ja",
        "Wat de voorziening doet, voor wie en hoe het werkt, in gewone taal (B1). Een lege regel "
        "(Alt+Enter twee keer) begint een nieuwe alinea.",
        "Bij Home-Start komt een ervaren vrijwilliger een keer per week bij je thuis.",
        wrap=True,
    ),
    Column(
        CONTROL,
        "text",
        12,
        "niet aanpassen",
        "Controlegetal van de export. Hiermee ziet het programma of iemand het bestand intussen "
        "heeft aangepast. Niet veranderen; laat het leeg bij een nieuwe rij.",
    ),
)
COLUMN_BY_NAME = {c.name: c for c in COLUMNS}
DATA_COLUMNS = tuple(c for c in COLUMNS if c.name != CONTROL)
CONTACT_COLUMNS = CONTACT_ORDER  # the contact table of docs/kennisbank.md, one column each


class InputFileError(AssistentError):
    """An import file cannot be read or has errors; all problems are listed."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems

    def __str__(self) -> str:
        errors = [p for p in self.problems if not p.warning]
        lines = [f"De invoer heeft {len(errors)} fout(en):"]
        return "\n".join(lines + [f"  - {p}" for p in errors])


# --- cell values ---------------------------------------------------------------------------------
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
_LIST_SPLIT = re.compile(r"[;\n]")
_TRUE = {"ja", "j", "waar", "true", "1", "x", "yes", "y"}
_FALSE = {"", "nee", "n", "onwaar", "false", "0", "no"}
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y", "%d-%m-%y")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _ILLEGAL.sub("", text).strip()


def canonical(column: Column, value: Any) -> str:
    """One cell as normalised text, so Excel's conversions (dates, 3.0) do not count as edits."""
    text = _text(value)
    if column.kind == "list":
        return "; ".join(part.strip() for part in _LIST_SPLIT.split(text) if part.strip())
    if column.kind == "int" and re.fullmatch(r"\d+(?:[.,]0+)?", text):
        return str(int(re.split(r"[.,]", text)[0]))
    if column.kind == "date" and text:
        candidate = text.split(" ")[0].split("T")[0]
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(candidate, fmt).date().isoformat()
            except ValueError:
                continue
        return text
    if column.kind == "bool":
        low = text.casefold()
        return "ja" if low in _TRUE else ("" if low in _FALSE else text)
    return text


def row_fingerprint(values: dict[str, str]) -> str:
    """Fingerprint of a row's canonical values (id included)."""
    joined = "\x1f".join(values.get(c.name, "") for c in DATA_COLUMNS)
    return hashlib.sha256(joined.encode()).hexdigest()[:12]


def entry_cells(entry: Voorziening) -> dict[str, Any]:
    """The cell values of one entry (typed: ints, a date), without ``_controle``."""
    leeftijd = entry.leeftijd
    cells: dict[str, Any] = {
        "id": entry.id,
        "naam": entry.naam,
        "soort": entry.soort,
        "gemeente": entry.gemeente or "",
        "landelijk": "ja" if entry.landelijk else "",
        "wijken": "; ".join(entry.wijken),
        "doelgroep": "; ".join(entry.doelgroep),
        "leeftijd_van": leeftijd.van if leeftijd else None,
        "leeftijd_tot": leeftijd.tot if leeftijd else None,
        "onderwerpen": "; ".join(entry.onderwerpen),
        "voorbeeldvragen": ";\n".join(entry.voorbeeldvragen),
        "openingstijden": entry.openingstijden or "",
        "kosten": entry.kosten or "",
        "aanmelden": entry.aanmelden or "",
        "laatst_gecontroleerd": entry.laatst_gecontroleerd,
        "eigenaar": entry.eigenaar or "",
        "beschrijving": entry.beschrijving,
    }
    for name in CONTACT_COLUMNS:
        cells[name] = getattr(entry.contact, name) or ""
    return cells


def row_to_data(values: dict[str, str]) -> dict[str, Any]:
    """Canonical cell texts → the dict the kennisbank model validates (like front matter)."""
    data: dict[str, Any] = {}
    for name in (
        "id",
        "naam",
        "soort",
        "gemeente",
        "openingstijden",
        "kosten",
        "aanmelden",
        "eigenaar",
        "laatst_gecontroleerd",
    ):
        if values.get(name):
            data[name] = values[name]
    if values.get("landelijk"):
        data["landelijk"] = True if values["landelijk"] == "ja" else values["landelijk"]
    for name in ("wijken", "doelgroep", "onderwerpen", "voorbeeldvragen"):
        if values.get(name):
            data[name] = [part.strip() for part in values[name].split(";") if part.strip()]
    if values.get("leeftijd_van") or values.get("leeftijd_tot"):
        data["leeftijd"] = {
            key: values[f"leeftijd_{key}"]
            for key in ("van", "tot")
            if values.get(f"leeftijd_{key}")
        }
    data["contact"] = {name: values[name] for name in CONTACT_COLUMNS if values.get(name)}
    data["beschrijving"] = values.get("beschrijving", "")
    return data


def _error_columns(loc: tuple[Any, ...]) -> str:
    """The spreadsheet column a pydantic error location points to."""
    parts = [str(p) for p in loc]
    if not parts:
        return "gemeente"
    if parts[0] == "contact":
        return parts[1] if len(parts) > 1 else "telefoon"
    if parts[0] == "leeftijd":
        return f"leeftijd_{parts[1]}" if len(parts) > 1 else "leeftijd_van"
    return parts[0]


def validate_row(values: dict[str, str]) -> tuple[Voorziening | None, list[tuple[str, str]]]:
    """Validate one row with the kennisbank model; returns the entry or (column, message)s."""
    problems: list[tuple[str, str]] = []
    landelijk = values.get("landelijk", "")
    if landelijk not in ("", "ja"):
        problems.append(("landelijk", f"'{landelijk}' begrijp ik niet. Vul 'ja' in of laat leeg."))
    try:
        entry = Voorziening.model_validate(row_to_data(values))
    except ValidationError as exc:
        for error in exc.errors():
            column = _error_columns(tuple(error["loc"]))
            if column == "landelijk" and problems:
                continue
            _, message = translate(error)
            if column == "beschrijving" and error["type"] in ("missing", "string_too_short"):
                message = "is leeg: schrijf in een paar zinnen wat de voorziening doet."
            elif error["type"] == "missing":
                message = "is leeg; deze kolom is verplicht."
            if not error["loc"]:
                message = message.replace("'gemeente: <naam>'", "de gemeente").replace(
                    "'landelijk: true'", "'ja' bij landelijk"
                )
            problems.append((column, message))
        return None, problems
    return (None, problems) if problems else (entry, [])


# --- the files on disk ---------------------------------------------------------------------------
@dataclass
class DiskEntry:
    """One Markdown file in the kennisbank as it is now."""

    path: Path
    fingerprint: str
    entry: Voorziening | None


def scan_kennisbank(root: Path) -> dict[str, DiskEntry]:
    """Every kennisbank file by id (file name), with its fingerprint; broken files included."""
    found: dict[str, DiskEntry] = {}
    if not Path(root).is_dir():
        return found
    for path in sorted(Path(root).rglob("*.md")):
        if path.name.startswith(("_", ".")) or path.name.lower() == "readme.md":
            continue
        if path.stem in found:
            continue
        entry, _ = parse_file(path)
        found[path.stem] = DiskEntry(path, file_fingerprint(path.read_bytes()), entry)
    return found


# --- export --------------------------------------------------------------------------------------
@dataclass
class ExportReport:
    """What an export wrote."""

    path: Path
    rows: int
    warnings: list[Problem] = field(default_factory=list)


def _id_fingerprint(entry_id: str) -> str:
    return hashlib.sha256(entry_id.encode()).hexdigest()[:6]


def _control(entry_id: str, file_fp: str, row_fp: str) -> str:
    """``<file>.<row>.<id>``: the id part stops a copied row from borrowing another's check."""
    return f"{file_fp}.{row_fp}.{_id_fingerprint(entry_id)}"


def _parse_control(text: str, entry_id: str) -> tuple[str | None, str | None]:
    """(file fingerprint, row fingerprint) of a ``_controle`` cell, if it belongs to this id."""
    parts = text.split(".")
    if len(parts) != 3 or parts[2] != _id_fingerprint(entry_id):
        return None, None
    return parts[0] or None, parts[1] or None


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
        cells[CONTROL] = _control(entry.id, file_fp, row_fingerprint(values))
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


def _encode_manifest(manifest: dict[str, str]) -> str:
    raw = json.dumps({"versie": MANIFEST_VERSION, "ids": manifest}, separators=(",", ":"))
    return "v1:" + base64.b64encode(zlib.compress(raw.encode(), 9)).decode()


def _decode_manifest(text: str) -> dict[str, str] | None:
    try:
        raw = zlib.decompress(base64.b64decode(text.removeprefix("v1:")))
        data = json.loads(raw)
        return {str(k): str(v) for k, v in data["ids"].items()}
    except (ValueError, KeyError, TypeError, zlib.error):
        return None


def _write_csv(target: Path, rows: list[dict[str, Any]], manifest: dict[str, str]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([c.name for c in COLUMNS])
    for cells in rows:
        writer.writerow([_text(cells.get(c.name)) for c in COLUMNS])
    marker = {c.name: "" for c in COLUMNS}
    marker["id"] = MANIFEST_ID
    marker["naam"] = (
        "Niet aanpassen of verwijderen: deze regel onthoudt welke voorzieningen in de export zaten."
    )
    marker[CONTROL] = _encode_manifest(manifest)
    writer.writerow([marker[c.name] for c in COLUMNS])
    write_bytes_atomic(target, ("\ufeff" + buffer.getvalue()).encode("utf-8"))


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
            if value in ("", None):
                continue
            cell = ws.cell(row=r, column=col)
            if column.kind == "int" or column.kind == "date":
                cell.value = value
                if column.kind == "date":
                    cell.number_format = "yyyy-mm-dd"
            else:
                cell.value = _ILLEGAL.sub("", str(value))
                cell.data_type = "s"  # never a formula, even when the text starts with '='
            cell.alignment = wrap if column.wrap else top
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


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def read_sheet(path: Path) -> Sheet:
    """Read an .xlsx or .csv file exported by (or shaped like) ``export_spreadsheet``."""
    path = Path(path)
    fmt = _format_of(path)
    if not path.is_file():
        raise InputFileError([Problem(path, None, "dit bestand bestaat niet.")])
    if fmt == "xlsx":
        header, raw_rows, manifest = _read_xlsx(path)
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
            manifest = _decode_manifest(str(cells.get(CONTROL) or "")) or manifest
            continue
        if all(_text(v) == "" for v in values):
            continue
        rows.append(SheetRow(number, cells))
    return Sheet(path, header, rows, manifest, problems)


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
    header = [_text(v) for v in all_rows[0]] if all_rows else []
    while header and header[-1] == "":
        header.pop()
    rows = [(n, list(values)) for n, values in enumerate(all_rows[1:], start=2)]
    manifest = None
    if SHEET_MANIFEST in wb.sheetnames:
        manifest = {}
        for values in wb[SHEET_MANIFEST].iter_rows(min_row=2, values_only=True):
            if values and values[0]:
                manifest[str(values[0])] = _text(values[1] if len(values) > 1 else "")
    wb.close()
    return header, rows, manifest


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]], dict[str, str] | None]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode(
            "cp1252", errors="replace"
        )  # "CSV (gescheiden door lijstscheidingsteken)"
    first_line = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = max(";,\t", key=first_line.count)
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
                        path, f"rij 1, kolom {_letter(i)}", f"de kolom '{name}' staat er twee keer."
                    )
                )
            continue
        guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f" Bedoel je '{guess[0]}'?" if guess else " Zie het tabblad Uitleg voor de kolommen."
        problems.append(
            Problem(path, f"rij 1, kolom {_letter(i)}", f"de kolom '{name}' ken ik niet.{hint}")
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


# --- import --------------------------------------------------------------------------------------
@dataclass
class Change:
    """One planned change to the kennisbank."""

    kind: Literal["toevoegen", "wijzigen", "verwijderen"]
    id: str
    path: Path
    row: int | None = None
    entry: Voorziening | None = None
    fields: list[str] = field(default_factory=list)
    old_path: Path | None = None


@dataclass
class ImportPlan:
    """What an import would do, before anything is written."""

    root: Path
    source: Path
    changes: list[Change] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)
    kept: list[Problem] = field(default_factory=list)
    unchanged: int = 0

    @property
    def nothing_to_do(self) -> bool:
        return not self.changes

    def of_kind(self, kind: str) -> list[Change]:
        """Changes of one kind, in row order."""
        return [c for c in self.changes if c.kind == kind]


def _changed_columns(old: Voorziening | None, new: Voorziening) -> list[str]:
    if old is None:
        return ["(bestand was onleesbaar)"]
    old_cells, new_cells = entry_cells(old), entry_cells(new)
    return [
        c.name
        for c in DATA_COLUMNS
        if canonical(c, old_cells[c.name]) != canonical(c, new_cells[c.name])
    ]


def _same(a: Voorziening | None, b: Voorziening | None) -> bool:
    return a is not None and b is not None and a.model_dump() == b.model_dump()


def plan_import(kb_root: Path, source: Path, overwrite: bool = False) -> ImportPlan:
    """Read and validate ``source`` and work out the changes; raises InputFileError."""
    kb_root = Path(kb_root)
    sheet = read_sheet(source)
    problems = list(sheet.problems)
    if problems:
        raise InputFileError(problems)

    def where(row: SheetRow, column: str) -> str:
        index = sheet.header.index(column) if column in sheet.header else None
        letter = f" ({_letter(index)})" if index is not None else ""
        return f"rij {row.number}, kolom {column}{letter}"

    parsed: list[tuple[SheetRow, Voorziening, dict[str, str]]] = []
    seen: dict[str, int] = {}
    for row in sheet.rows:
        values = {c.name: canonical(c, row.cells.get(c.name)) for c in DATA_COLUMNS}
        entry, row_problems = validate_row(values)
        for column, message in row_problems:
            problems.append(Problem(sheet.path, where(row, column), message))
        if entry is None:
            continue
        if entry.id in seen:
            problems.append(
                Problem(
                    sheet.path,
                    where(row, "id"),
                    f"'{entry.id}' staat ook in rij {seen[entry.id]}. Elk id mag maar één keer "
                    "voorkomen.",
                )
            )
            continue
        seen[entry.id] = row.number
        parsed.append((row, entry, values))
    if problems:
        raise InputFileError(problems)

    disk = scan_kennisbank(kb_root)
    manifest = sheet.manifest or {}
    plan = ImportPlan(kb_root, sheet.path)
    for row, entry, values in parsed:
        file_fp, row_fp = _parse_control(_text(row.cells.get(CONTROL)), entry.id)
        exported_fp = file_fp or manifest.get(entry.id)
        row_changed = not row_fp or row_fp != row_fingerprint(values)
        label = f"rij {row.number} ({entry.id})"
        current = disk.get(entry.id)
        if current is None:
            if exported_fp and not row_changed:
                plan.kept.append(
                    Problem(
                        sheet.path,
                        label,
                        "het bestand is na de export verwijderd en de rij is niet gewijzigd; "
                        "de voorziening blijft weg.",
                        warning=True,
                    )
                )
                continue
            if exported_fp and not overwrite:
                plan.refused.append(
                    Problem(
                        sheet.path,
                        label,
                        "het bestand is na de export verwijderd, maar deze rij is wel gewijzigd. "
                        "De rij is niet verwerkt. Moet de voorziening terugkomen? Gebruik dan "
                        "--overschrijf.",
                    )
                )
                continue
            path = target_path(kb_root, entry)
            plan.changes.append(Change("toevoegen", entry.id, path, row.number, entry))
            continue
        path = current.path
        moved = current.entry is not None and folder_for(current.entry) != folder_for(entry)
        if _same(current.entry, entry) and not moved:
            plan.unchanged += 1
            continue
        file_changed = exported_fp is None or exported_fp != current.fingerprint
        if file_changed and not row_changed:
            plan.kept.append(
                Problem(
                    sheet.path,
                    label,
                    f"{current.path} is na de export aangepast en de rij niet; het bestand "
                    "blijft zoals het is.",
                    warning=True,
                )
            )
            continue
        if file_changed and not overwrite:
            if exported_fp is None:
                why = (
                    f"er bestaat al een bestand {current.path} met dit id, dat niet in deze "
                    "export zat"
                )
            else:
                why = f"{current.path} is na de export in Markdown aangepast, en deze rij ook"
            plan.refused.append(
                Problem(
                    sheet.path,
                    label,
                    f"{why}. Om niemands werk te overschrijven is de rij niet verwerkt. Maak een "
                    "nieuwe export en voer je wijziging daarin opnieuw in, of gebruik "
                    "--overschrijf als deze rij moet winnen.",
                )
            )
            continue
        new_path = target_path(kb_root, entry) if moved else path
        plan.changes.append(
            Change(
                "wijzigen",
                entry.id,
                new_path,
                row.number,
                entry,
                _changed_columns(current.entry, entry),
                old_path=path if new_path != path else None,
            )
        )
    for entry_id, exported_fp in manifest.items():
        if entry_id in seen or entry_id not in disk:
            continue
        current = disk[entry_id]
        if current.fingerprint != exported_fp and not overwrite:
            plan.refused.append(
                Problem(
                    sheet.path,
                    entry_id,
                    f"de rij is verwijderd, maar {current.path} is na de export aangepast. Het "
                    "bestand blijft staan. Moet het toch weg? Gebruik dan --overschrijf of "
                    "verwijder het bestand zelf.",
                )
            )
            continue
        plan.changes.append(Change("verwijderen", entry_id, current.path))
    return plan


def apply_plan(plan: ImportPlan) -> list[Path]:
    """Carry out a plan: write (atomically) and remove files. Returns the paths touched."""
    touched: list[Path] = []
    for change in plan.changes:
        if change.kind == "verwijderen":
            change.path.unlink(missing_ok=True)
        else:
            assert change.entry is not None
            write_atomic(change.path, render_entry(change.entry))
            if change.old_path is not None and change.old_path != change.path:
                change.old_path.unlink(missing_ok=True)
        touched.append(change.path)
    return touched


def describe_plan(plan: ImportPlan) -> Iterable[str]:
    """The plan in plain Dutch, one line per item: what is added, changed, removed, refused."""
    added, changed, removed = (plan.of_kind(k) for k in ("toevoegen", "wijzigen", "verwijderen"))
    if plan.nothing_to_do:
        if plan.refused or plan.kept:
            yield f"Geen wijzigingen om op te slaan ({plan.unchanged} voorzieningen gelijk)."
        else:
            yield (
                f"Niets veranderd: alle {plan.unchanged} voorzieningen zijn gelijk aan de "
                "kennisbank."
            )
    for title, items in (("Toevoegen", added), ("Wijzigen", changed), ("Verwijderen", removed)):
        if not items:
            continue
        yield f"{title} ({len(items)}):"
        for change in items:
            where = f"rij {change.row}: " if change.row else ""
            extra = f" — {', '.join(change.fields)}" if change.fields else ""
            moved = f" (verplaatst van {change.old_path})" if change.old_path else ""
            yield f"  {where}{change.id} → {change.path}{extra}{moved}"
    if plan.changes and plan.unchanged:
        yield f"Ongewijzigd: {plan.unchanged}."
    if plan.kept:
        yield f"Blijft zoals het is ({len(plan.kept)}):"
        yield from (f"  {p.field}: {p.message}" for p in plan.kept)
    if plan.refused:
        yield f"Niet verwerkt ({len(plan.refused)}):"
        yield from (f"  {p.field}: {p.message}" for p in plan.refused)

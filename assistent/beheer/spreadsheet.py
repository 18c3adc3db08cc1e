"""The spreadsheet contract: its columns, how a cell reads, and the export's control values.

A spreadsheet round trip (kennisbank → .xlsx/.csv → kennisbank) lets CJG staff edit the
kennisbank in Excel. One row per voorziening, one column per field (``contact`` and ``leeftijd``
flattened), lists separated by ``;``. Every row is validated with the kennisbank's own pydantic
models, so the rules never diverge, and every problem names the row and the column.

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

The files themselves are written and read in :mod:`assistent.beheer.spreadsheet_io`; the import
is planned in :mod:`assistent.beheer.spreadsheet_import`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import ValidationError

from assistent.kennisbank import Voorziening
from assistent.kennisbank.messages import translate
from assistent.kennisbank.write import CONTACT_ORDER

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


# --- cell values ---------------------------------------------------------------------------------
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010\013\014\016-\037]")
_LIST_SPLIT = re.compile(r"[;\n]")
_TRUE = {"ja", "j", "waar", "true", "1", "x", "yes", "y"}
_FALSE = {"", "nee", "n", "onwaar", "false", "0", "no"}
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y", "%d-%m-%y")


def cell_text(value: Any) -> str:
    """A cell as plain text: ``3.0`` → ``3``, dates ISO, ``\r\n`` → ``\n``, no control chars."""
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
    return ILLEGAL_CHARACTERS.sub("", text).strip()


def canonical(column: Column, value: Any) -> str:
    """One cell as normalised text, so Excel's conversions (dates, 3.0) do not count as edits."""
    text = cell_text(value)
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


PHONE_COLUMNS = ("telefoon", "whatsapp")
_LOST_ZERO = re.compile(r"[1-9]\d{6,}")  # 7+ digits without a leading 0 or +: Excel ate the 0


def suspicious_cell(column: Column, value: Any) -> tuple[str, bool] | None:
    """(message, refuse) when Excel probably changed what someone typed; else None.

    A phone number stored as a number lost its leading 0; a text cell that holds a date or a
    time was converted by Excel (``1-2`` → 1 February, ``9:30`` → 09:30:00); a price stored as
    a number lost its trailing 0 (``12,50`` → 12.5).
    """
    if column.kind not in ("text", "list") or value is None or column.name == CONTROL:
        return None
    text = cell_text(value)
    if column.name in PHONE_COLUMNS and _LOST_ZERO.fullmatch(text):
        return (
            f"'{text}' mist de 0 vooraan: Excel heeft er een getal van gemaakt. Zet de kolom op "
            f"Tekst (Celeigenschappen › Tekst) en typ 0{text}.",
            True,
        )
    if isinstance(value, datetime | date | time):
        what = "een tijd" if isinstance(value, time) else "een datum"
        return (
            f"Excel heeft hier {what} van gemaakt ({text}). Zet de cel op Tekst "
            "(Celeigenschappen › Tekst) en typ de tekst opnieuw.",
            True,
        )
    if isinstance(value, float) and not value.is_integer():
        return (
            f"Excel heeft dit als getal opgeslagen ({text}); '12,50' wordt dan '12.5'. Kijk na of "
            "het klopt, of zet de cel op Tekst (Celeigenschappen › Tekst).",
            False,
        )
    return None


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


# --- control values ------------------------------------------------------------------------------
def _id_fingerprint(entry_id: str) -> str:
    return hashlib.sha256(entry_id.encode()).hexdigest()[:6]


def control_value(entry_id: str, file_fp: str, row_fp: str) -> str:
    """``<file>.<row>.<id>``: the id part stops a copied row from borrowing another's check."""
    return f"{file_fp}.{row_fp}.{_id_fingerprint(entry_id)}"


def parse_control(text: str, entry_id: str) -> tuple[str | None, str | None]:
    """(file fingerprint, row fingerprint) of a ``_controle`` cell, if it belongs to this id."""
    parts = text.split(".")
    if len(parts) != 3 or parts[2] != _id_fingerprint(entry_id):
        return None, None
    return parts[0] or None, parts[1] or None


def encode_manifest(manifest: dict[str, str]) -> str:
    """The export's manifest (id → file fingerprint) as one compact cell text."""
    raw = json.dumps({"versie": MANIFEST_VERSION, "ids": manifest}, separators=(",", ":"))
    return "v1:" + base64.b64encode(zlib.compress(raw.encode(), 9)).decode()


def decode_manifest(text: str) -> dict[str, str] | None:
    """The manifest back from ``encode_manifest``'s text, or None when it is damaged."""
    try:
        raw = zlib.decompress(base64.b64decode(text.removeprefix("v1:")))
        data = json.loads(raw)
        return {str(k): str(v) for k, v in data["ids"].items()}
    except (ValueError, KeyError, TypeError, zlib.error):
        return None

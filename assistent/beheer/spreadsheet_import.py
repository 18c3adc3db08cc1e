"""Plan a spreadsheet import: check every row and weigh it against the kennisbank and the export.

How rows, files and the export's fingerprints decide between rewriting, keeping, refusing and
removing is described in :mod:`assistent.beheer.spreadsheet`.
"""

from __future__ import annotations

from pathlib import Path

from assistent.beheer.plan import (
    Change,
    DiskEntry,
    ImportPlan,
    InputFileError,
    changed_fields,
    same_entry,
    scan_kennisbank,
)
from assistent.beheer.spreadsheet import (
    CONTROL,
    DATA_COLUMNS,
    canonical,
    cell_text,
    parse_control,
    row_fingerprint,
    suspicious_cell,
    validate_row,
)
from assistent.beheer.spreadsheet_io import SheetRow, column_letter, read_sheet
from assistent.errors import Problem
from assistent.kennisbank import Voorziening
from assistent.kennisbank.write import folder_for, target_path


def plan_import(kb_root: Path, source: Path, overwrite: bool = False) -> ImportPlan:
    """Read and validate ``source`` and work out the changes; raises InputFileError."""
    kb_root = Path(kb_root)
    sheet = read_sheet(source)
    problems = list(sheet.problems)
    if problems:
        raise InputFileError(problems)

    def where(row: SheetRow, column: str) -> str:
        index = sheet.header.index(column) if column in sheet.header else None
        letter = f" ({column_letter(index)})" if index is not None else ""
        return f"rij {row.number}, kolom {column}{letter}"

    parsed: list[tuple[SheetRow, Voorziening, dict[str, str]]] = []
    seen: dict[str, int] = {}
    warnings: list[Problem] = []
    for row in sheet.rows:
        formulas = {c.name for c in DATA_COLUMNS if (row.number, c.name) in sheet.formulas}
        for column in DATA_COLUMNS:
            if column.name in formulas:
                problems.append(
                    Problem(
                        sheet.path,
                        where(row, column.name),
                        "bevat een formule. Typ de waarde zelf in, zonder '=' vooraan.",
                    )
                )
                continue
            suspicion = suspicious_cell(column, row.cells.get(column.name))
            if suspicion is not None:
                message, refuse = suspicion
                problem = Problem(sheet.path, where(row, column.name), message, not refuse)
                (problems if refuse else warnings).append(problem)
        values = {c.name: canonical(c, row.cells.get(c.name)) for c in DATA_COLUMNS}
        entry, row_problems = validate_row(values)
        for column, message in row_problems:
            if column in formulas:  # already reported: its value is a formula's last result
                continue
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
    plan = ImportPlan(kb_root, sheet.path, warnings=warnings)
    for row, entry, values in parsed:
        file_fp, row_fp = parse_control(cell_text(row.cells.get(CONTROL)), entry.id)
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
        if same_entry(current.entry, entry) and not moved:
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
                changed_fields(current.entry, entry),
                old_path=path if new_path != path else None,
                old_entry=current.entry,
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
    if not manifest:
        plan.warnings += _missing_rows(sheet.path, disk, seen, [e for _, e, _ in parsed])
    return plan


def _missing_rows(
    source: Path, disk: dict[str, DiskEntry], seen: dict[str, int], rows: list[Voorziening]
) -> list[Problem]:
    """Without the export's ids, a file of the sheet's gemeenten without a row may be a row
    deleted on purpose or one never copied: it stays, and one warning per gemeente says so."""
    missing: dict[str, list[str]] = {}
    export_data = (  # what the export adds, and the sheet lacks
        "de laatste rij '_export' van de export"
        if source.suffix.casefold() == ".csv"
        else "het verborgen tabblad '_export' van de export"
    )
    for entry_id, current in disk.items():
        entry = current.entry
        if entry is None or entry_id in seen:
            continue
        if any(_same_place(entry, row) for row in rows):
            missing.setdefault(entry.gemeente or "landelijk", []).append(entry_id)
    return [
        Problem(
            source,
            None,
            (
                f"{ids[0]} ({where}) staat in de kennisbank maar niet in dit werkblad. Het "
                "bestand blijft staan"
                if len(ids) == 1
                else f"{len(ids)} voorzieningen van {where} staan in de kennisbank maar niet in "
                f"dit werkblad: {', '.join(ids)}. De bestanden blijven staan"
            )
            + f": zonder {export_data} weet de import niet of je een rij hebt weggehaald. Moet er "
            "een weg? Verwijder dan het bestand, of maak het werkblad opnieuw met 'assistent "
            "kennisbank exporteer'.",
            warning=True,
        )
        for where, ids in missing.items()
    ]


def _same_place(entry: Voorziening, row: Voorziening) -> bool:
    """Whether two entries belong to the same gemeente (or are both landelijk)."""
    return entry.landelijk == row.landelijk and entry.gemeente == row.gemeente

"""The import plan shared by the spreadsheet and HSDS imports: what changes, carried out, in Dutch.

An import first works out a plan (nothing is written), shows it (``describe_plan``), and only
then carries it out (``apply_plan``). A changed entry lists the fields that changed, named as
the spreadsheet's columns (``naam``, ``telefoon``, ...), whichever format it came from. Problems
with the input file are collected and raised together as one ``InputFileError``, so a CJG
employee sees every row to fix at once.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from assistent.beheer.spreadsheet import DATA_COLUMNS, canonical, entry_cells
from assistent.errors import AssistentError, KennisbankError, Problem
from assistent.files import write_atomic
from assistent.kennisbank import Voorziening, load_kennisbank, parse_file
from assistent.kennisbank.write import file_fingerprint, render_entry


class InputFileError(AssistentError):
    """An import file cannot be read or has errors; all problems are listed."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems

    def __str__(self) -> str:
        errors = [p for p in self.problems if not p.warning]
        lines = [f"De invoer heeft {len(errors)} fout(en):"]
        return "\n".join(lines + [f"  - {p}" for p in errors])


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


def same_entry(a: Voorziening | None, b: Voorziening | None) -> bool:
    """Whether two entries say exactly the same (an unreadable file is never the same)."""
    return a is not None and b is not None and a.model_dump() == b.model_dump()


def changed_fields(old: Voorziening | None, new: Voorziening) -> list[str]:
    """The fields in which ``new`` differs from ``old``, named as the spreadsheet columns."""
    if old is None:
        return ["(bestand was onleesbaar)"]
    return [name for name, _, _ in changed_cells(old, new)]


def changed_cells(old: Voorziening, new: Voorziening) -> list[tuple[str, str, str]]:
    """(column, old text, new text) for every spreadsheet column in which the entries differ."""
    old_cells, new_cells = entry_cells(old), entry_cells(new)
    changes = []
    for column in DATA_COLUMNS:
        before = canonical(column, old_cells[column.name])
        after = canonical(column, new_cells[column.name])
        if before != after:
            changes.append((column.name, before, after))
    return changes


def _shown(text: str, width: int = 70) -> str:
    """A cell value on one line, quoted, shortened in the middle when long; empty is (leeg)."""
    if not text:
        return "(leeg)"
    flat = " ".join(text.split())
    if len(flat) > width:
        flat = flat[: width // 2 - 1] + " … " + flat[-(width // 2 - 2) :]
    return f'"{flat}"'


# --- the plan ------------------------------------------------------------------------------------
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
    old_entry: Voorziening | None = None  # for a change: the entry as it is now, to show old → new


@dataclass
class ImportPlan:
    """What an import would do, before anything is written."""

    root: Path
    source: Path
    changes: list[Change] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)
    kept: list[Problem] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)  # accepted, but worth a second look

    @property
    def nothing_to_do(self) -> bool:
        return not self.changes

    def of_kind(self, kind: str) -> list[Change]:
        """Changes of one kind, in row order."""
        return [c for c in self.changes if c.kind == kind]


def problems_after(plan: ImportPlan) -> list[Problem]:
    """The kennisbank errors the plan would bring in, found by carrying it out on a copy first
    (a wijk that gemeente.yaml does not know, an emptied kennisbank). Errors the kennisbank
    already had are not the import's. Nothing is written to the kennisbank itself."""
    if plan.nothing_to_do:
        return []
    root = plan.root
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "kennisbank"
        if root.is_dir():
            shutil.copytree(root, copy)
        else:
            copy.mkdir()
        before = {_where(p, copy) for p in _errors(copy)}
        changes = [
            replace(
                c,
                path=_rebase(c.path, root, copy),
                old_path=c.old_path and _rebase(c.old_path, root, copy),
            )
            for c in plan.changes
        ]
        apply_plan(replace(plan, root=copy, changes=changes))
        return [
            replace(
                p,
                path=p.path and _rebase(p.path, copy, root),
                message=p.message.replace(str(copy), str(root)),
            )
            for p in _errors(copy)
            if _where(p, copy) not in before
        ]


def _errors(root: Path) -> list[Problem]:
    try:
        load_kennisbank(root)
    except KennisbankError as exc:
        return [p for p in exc.problems if not p.warning]
    return []


def _rebase(path: Path, old: Path, new: Path) -> Path:
    try:
        return new / path.relative_to(old)
    except ValueError:  # not inside the kennisbank
        return path


def _where(problem: Problem, root: Path) -> tuple[str, str | None, str]:
    path = str(_rebase(problem.path, root, Path())) if problem.path else ""
    return path, problem.field, problem.message.replace(str(root), "")


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
            if change.old_entry is not None and change.entry is not None:
                for name, before, after in changed_cells(change.old_entry, change.entry):
                    yield f"      {name}: {_shown(before)} → {_shown(after)}"
    if plan.changes and plan.unchanged:
        yield f"Ongewijzigd: {plan.unchanged}."
    if plan.kept:
        yield f"Blijft zoals het is ({len(plan.kept)}):"
        yield from (f"  {p.field}: {p.message}" for p in plan.kept)
    if plan.warnings:
        yield f"Let op ({len(plan.warnings)}):"
        yield from (
            f"  {p.field}: {p.message}" if p.field else f"  {p.message}" for p in plan.warnings
        )
    if plan.refused:
        yield f"Niet verwerkt ({len(plan.refused)}):"
        yield from (f"  {p.field}: {p.message}" for p in plan.refused)

"""Freshness: `assistent check` names stale files and their owner; hide_expired hides them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from assistent.cli import app
from assistent.config import Settings
from assistent.kennisbank import Voorziening, load_kennisbank
from assistent.kennisbank.write import write_entry
from assistent.retrieval.index import ensure_index
from assistent.retrieval.search import Profile, Searcher
from tests.support import FakeEmbedder

STALE = date(2020, 1, 15)


def flat(output: str) -> str:
    return " ".join(output.split())


def _set(root: Path, entry_id: str, **changes: object) -> tuple[Path, Voorziening]:
    kb = load_kennisbank(root)
    entry = kb.by_id()[entry_id].model_copy(update=changes)
    path = write_entry(root, entry, kb.paths[entry_id])
    return path, entry


def _local_entries(root: Path) -> list[Voorziening]:
    return [e for e in load_kennisbank(root).entries if e.gemeente and e.soort != "cjg"]


def test_check_lists_stale_file_and_owner(kennisbank_copy: Path) -> None:
    first, second, fresh = _local_entries(kennisbank_copy)[:3]
    owned, _ = _set(
        kennisbank_copy, first.id, laatst_gecontroleerd=STALE, eigenaar="Fatima de Vries (CJG)"
    )
    unowned, entry = _set(kennisbank_copy, second.id, laatst_gecontroleerd=STALE, eigenaar=None)
    fresh_path, _ = _set(kennisbank_copy, fresh.id, laatst_gecontroleerd=date.today())

    result = CliRunner().invoke(app, ["check", "--kennisbank", str(kennisbank_copy)])
    assert result.exit_code == 0, result.output
    output = flat(result.output)
    assert f"{owned} › laatst_gecontroleerd: 2020-01-15" in output
    assert "Vraag Fatima de Vries (CJG) om het na te kijken" in output
    # without an owner the contact e-mail (or a plain statement) is named instead
    fallback = entry.contact.email or "geen eigenaar bekend"
    assert f"{unowned} › laatst_gecontroleerd: 2020-01-15" in output
    assert f"Vraag {fallback} om het na te kijken" in output
    assert f"{fresh_path} › laatst_gecontroleerd" not in output


def test_expired_entry_is_hidden_only_when_the_setting_is_on(
    kennisbank_copy: Path, tmp_path: Path
) -> None:
    expired, undated = _local_entries(kennisbank_copy)[:2]
    _set(kennisbank_copy, expired.id, laatst_gecontroleerd=STALE)
    _set(kennisbank_copy, undated.id, laatst_gecontroleerd=None)
    kb = load_kennisbank(kennisbank_copy)
    embedder = FakeEmbedder()
    index = ensure_index(kb, embedder, tmp_path / "index")
    position = [e.id for e in index.entries].index(expired.id)
    undated_position = [e.id for e in index.entries].index(undated.id)
    question = expired.voorbeeldvragen[0]

    def searcher(hide: bool) -> Searcher:
        settings = Settings(kennisbank=kennisbank_copy, hide_expired=hide)
        return Searcher(
            index,
            embedder,
            hide_expired=settings.hide_expired,
            max_age_months=settings.max_age_months,
            today=lambda: date(2026, 11, 23),
        )

    shown = searcher(hide=False)
    assert shown.allowed(Profile())[position]
    assert expired.id in [m.entry.id for m in shown.search(question).matches]

    hidden = searcher(hide=True)
    assert not hidden.allowed(Profile())[position]
    assert expired.id not in [m.entry.id for m in hidden.search(question).matches]
    # an entry that was never checked is reported by `check`, but not hidden
    assert hidden.allowed(Profile())[undated_position]

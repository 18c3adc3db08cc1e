"""Files on disk: atomic writes get the process umask; CSV text is decoded and split like Excel."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistent.files import decode_csv, sniff_delimiter, write_atomic, write_bytes_atomic


@pytest.fixture
def umask() -> Iterator[None]:
    """Restore the process umask after a test that sets it."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_a_written_file_gets_the_mode_the_umask_gives(
    tmp_path: Path, umask: None, mask: int, mode: int
) -> None:
    # mkstemp alone gave 0o600: the service user could not read files an operator imported
    os.umask(mask)
    target = tmp_path / "kennisbank" / "voorziening.md"
    write_atomic(target, "tekst\n")
    assert stat.S_IMODE(target.stat().st_mode) == mode
    write_bytes_atomic(target, b"opnieuw\n")  # replacing keeps to the umask too
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_a_write_replaces_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "rapport.html"
    target.write_text("oud")
    write_atomic(target, "nieuw: é\n")
    assert target.read_bytes() == "nieuw: é\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.html"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "data.csv"
    target.write_bytes(b"oud")
    with pytest.raises(TypeError):
        write_bytes_atomic(target, "geen bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"oud"
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]


def test_csv_text_is_utf8_with_or_without_bom_else_windows_1252() -> None:
    assert decode_csv("id;naam\né;ü".encode()) == "id;naam\né;ü"
    assert decode_csv("\ufeffid;naam".encode()) == "id;naam"
    assert decode_csv("id;naam\né;€".encode("cp1252")) == "id;naam\né;€"
    with pytest.raises(UnicodeDecodeError):
        decode_csv("é".encode("cp1252"), fallback=None)


@pytest.mark.parametrize(
    ("text", "fallback", "expected"),
    [
        ("id;naam;soort\na,b;c;d", None, ";"),
        ("id,naam,soort\na;b,c,d", None, ","),
        ("id\tnaam\tsoort\n", None, "\t"),
        ("id\n1,2;3", None, ";"),  # the header does not tell: the most frequent, ';' on a tie
        ("id\n1,2;3", ",", ","),
    ],
)
def test_the_delimiter_is_judged_by_the_header(
    text: str, fallback: str | None, expected: str
) -> None:
    assert sniff_delimiter(text, fallback) == expected

"""Files on disk: atomic writes with the process umask, and CSV text as Excel saves it.

A write goes to a temporary file in the same folder, then ``os.replace`` puts it in place, so a
reader never sees half a file. The temporary file is created with mode ``0o666`` and the kernel
applies the process umask, so the result has the same permissions as any other file the process
creates (``0o644`` under the usual umask ``022``; ``tempfile.mkstemp`` would give ``0o600``, which
the service user cannot read when an operator ran the import).

CSV files come from Excel and from other systems: UTF-8 with or without BOM, or Windows-1252
("CSV (gescheiden door lijstscheidingsteken)"), with ``;``, ``,`` or tab between the fields.

Nothing here imports from the ``assistent`` package.
"""

from __future__ import annotations

import csv
import os
import secrets
from pathlib import Path
from typing import Any

import yaml

CSV_DELIMITERS = ";,\t"
# libyaml's parser (in PyYAML's wheels) reads the crisis corpus in 0.4 s instead of 4.6 s
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _create_temp(folder: Path, name: str) -> tuple[int, Path]:
    """A new, empty temporary file next to ``name`` (mode 0o666 minus the umask)."""
    while True:
        tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, _CREATE, 0o666), tmp
        except FileExistsError:
            continue


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` atomically: a temp file in the same folder, then ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(path.parent, path.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text (with ``\\n`` line ends) to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def decode_csv(raw: bytes, fallback: str | None = "cp1252") -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), else ``fallback`` (bad bytes replaced).

    Without a fallback a file that is not UTF-8 raises ``UnicodeDecodeError``.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        if fallback is None:
            raise
        return raw.decode(fallback, errors="replace")


def sniff_delimiter(text: str, fallback: str | None = None) -> str:
    """The delimiter (``;``, ``,`` or tab) of the CSV ``text``, judged by its header line.

    When the header does not tell, ``fallback``, or without one the most frequent candidate.
    """
    first_line = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return fallback or max(CSV_DELIMITERS, key=first_line.count)


def read_yaml(text: str) -> Any:
    """YAML as ``yaml.safe_load`` reads it (no objects), with the fast C parser when present."""
    return yaml.load(text, Loader=SAFE_LOADER)

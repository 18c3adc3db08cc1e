"""Write voorzieningen back to Markdown, in the layout and field order of docs/kennisbank.md.

The output is stable and readable: the same entry always gives the same bytes, lists of short
words are written on one line (``[ouders, jongeren]``), voorbeeldvragen one per line, and text is
only quoted when YAML would otherwise read it differently. Files are written atomically
(:mod:`assistent.files`), so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import yaml

from assistent.files import write_atomic
from assistent.kennisbank import Voorziening
from assistent.kennisbank.model import slugify

# Field order of docs/kennisbank.md (and of the Voorziening model).
FIELD_ORDER = (
    "id",
    "naam",
    "soort",
    "gemeente",
    "landelijk",
    "wijken",
    "doelgroep",
    "leeftijd",
    "onderwerpen",
    "voorbeeldvragen",
    "contact",
    "openingstijden",
    "kosten",
    "aanmelden",
    "laatst_gecontroleerd",
    "eigenaar",
)
# Order of the contact table in docs/kennisbank.md.
CONTACT_ORDER = ("telefoon", "whatsapp", "email", "website", "chat", "adres")
FLOW_LISTS = ("wijken", "doelgroep", "onderwerpen")
BLOCK_LISTS = ("voorbeeldvragen",)


def folder_for(entry: Voorziening) -> str:
    """The folder of an entry: ``landelijk`` or the slug of its gemeente."""
    return "landelijk" if entry.landelijk else slugify(str(entry.gemeente))


def target_path(root: Path, entry: Voorziening) -> Path:
    """Where an entry lives: ``<root>/<gemeente-slug or landelijk>/<id>.md``."""
    return Path(root) / folder_for(entry) / f"{entry.id}.md"


def file_fingerprint(data: bytes) -> str:
    """Short fingerprint of a file's bytes, to notice edits made after an export."""
    return hashlib.sha256(data).hexdigest()[:12]


def _quoted(text: str) -> str:
    dumped = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=10**9)
    return dumped.removesuffix("\n...\n").strip()


def _scalar(text: str, flow: bool) -> str:
    """``text`` as a YAML scalar: plain when it reads back as the same text, else quoted.

    So ``telefoon: "112"`` stays text and ``kosten: "ja: gratis"`` stays valid YAML.
    """
    if text and text == text.strip() and "\n" not in text and not text.startswith("'"):
        probe = f"k: [{text}]" if flow else f"k: {text}"
        try:
            loaded = yaml.safe_load(probe)["k"]
        except yaml.YAMLError:
            loaded = None
        if flow:
            loaded = loaded[0] if isinstance(loaded, list) and len(loaded) == 1 else None
        if loaded == text:
            return text
    return _quoted(text)


def render_entry(entry: Voorziening) -> str:
    """The complete Markdown file for one entry: front matter in doc order, then the body."""
    data = entry.model_dump(exclude_none=True)
    lines = ["---"]
    for name in FIELD_ORDER:
        value = data.get(name)
        if value is None or value == [] or (name == "landelijk" and not value):
            continue
        if name == "landelijk":
            lines.append("landelijk: true")
        elif name in FLOW_LISTS:
            items = ", ".join(_scalar(str(v), flow=True) for v in value)
            lines.append(f"{name}: [{items}]")
        elif name in BLOCK_LISTS:
            lines.append(f"{name}:")
            lines += [f"  - {_scalar(str(v), flow=False)}" for v in value]
        elif name == "leeftijd":
            lines.append(f"leeftijd: {{van: {value['van']}, tot: {value['tot']}}}")
        elif name == "contact":
            lines.append("contact:")
            for key in CONTACT_ORDER:
                if value.get(key):
                    lines.append(f"  {key}: {_scalar(str(value[key]), flow=False)}")
        elif isinstance(value, date):
            lines.append(f"{name}: {value.isoformat()}")
        else:
            lines.append(f"{name}: {_scalar(str(value), flow=False)}")
    lines.append("---")
    body = entry.beschrijving.replace("\r\n", "\n").strip()
    return "\n".join(lines) + "\n" + body + "\n"


def write_entry(root: Path, entry: Voorziening, path: Path | None = None) -> Path:
    """Write one entry (to ``path`` or its standard place under ``root``); returns the path."""
    path = path or target_path(root, entry)
    write_atomic(path, render_entry(entry))
    return path

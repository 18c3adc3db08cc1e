"""Domain exceptions. The core raises these; only the CLI and the bot turn them into messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


class AssistentError(Exception):
    """Base class for every error the assistant reports to a person."""


def did_you_mean(given: str, known: Iterable[str], otherwise: str = "") -> str:
    """' Bedoel je 'x'?' for the known name closest to a mistyped one (difflib), else
    ``otherwise``: the end of a Dutch message that says what to do next."""
    guess = difflib.get_close_matches(given, list(known), n=1)
    return f" Bedoel je '{guess[0]}'?" if guess else otherwise


@dataclass
class Problem:
    """One problem in one kennisbank file, in Dutch, with what to do about it."""

    path: Path | None
    field: str | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = str(self.path) if self.path else "kennisbank"
        if self.field:
            where += f" › {self.field}"
        return f"{where}: {self.message}"


@dataclass
class KennisbankError(AssistentError):
    """The kennisbank has one or more errors; all of them are listed."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        errors = [p for p in self.problems if not p.warning]
        lines = [f"De kennisbank heeft {len(errors)} fout(en):"]
        lines += [f"  - {p}" for p in errors]
        return "\n".join(lines)


class EmbedderError(AssistentError):
    """The embedding model could not be loaded or used."""


class IndexUnavailableError(AssistentError):
    """The index is missing, damaged or built with another model."""

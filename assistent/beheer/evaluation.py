"""``assistent eval``: run a YAML set of questions through the real pipeline and measure it.

Each case goes through :meth:`Assistant.answer` with its profile, exactly as a bot user's
question does (safety check, filters and CJG fallback included).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistent.errors import AssistentError, did_you_mean
from assistent.files import read_yaml
from assistent.kennisbank.messages import translate
from assistent.profile import Profile, Rol
from assistent.safety.categories import CATEGORIES

if TYPE_CHECKING:
    from assistent.answer import Assistant

TOP = 3
IDS_SHOWN = 5


class EvalFileError(AssistentError):
    """The eval file can't be read; the message names the file and the case."""


class EvalCase(BaseModel):
    """One test question with what a good answer contains."""

    model_config = ConfigDict(extra="forbid")
    vraag: str
    verwacht: list[str] = Field(default_factory=list)
    crisis: str | None = None  # a category, "geen" (must not flag) or absent (not scored)
    ook: list[str] = Field(default_factory=list)  # other categories that also count as right
    taal: str | None = None  # informative: the language the case is written in
    situatie: str | None = None  # informative: which situation the case describes
    gemeente: str | None = None
    wijk: str | None = None
    leeftijd: int | None = Field(None, ge=0, le=30)
    rol: Rol | None = None

    @field_validator("crisis")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and value != "geen" and value not in CATEGORIES:
            raise ValueError(f"kies 'geen' of een van: {', '.join(CATEGORIES)}")
        return value

    @field_validator("ook")
    @classmethod
    def _known_also(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if v not in CATEGORIES]
        if unknown:
            raise ValueError(f"'{unknown[0]}' is geen categorie. Kies uit: {', '.join(CATEGORIES)}")
        return values

    @field_validator("verwacht", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else (value or [])

    @property
    def profile(self) -> Profile:
        """The asker's profile for this case."""
        return Profile(gemeente=self.gemeente, wijk=self.wijk, leeftijd=self.leeftijd, rol=self.rol)


def load_cases(path: Path) -> list[EvalCase]:
    """Read and validate an eval file; all problems are reported at once."""
    try:
        data = read_yaml(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvalFileError(f"{path}: dit bestand bestaat niet.") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EvalFileError(f"{path}: kan het bestand niet lezen als YAML ({exc}).") from exc
    if not isinstance(data, list) or not data:
        raise EvalFileError(
            f"{path}: verwacht een YAML-lijst met vragen, elk met minstens 'vraag:'."
        )
    cases, problems = [], []
    for n, item in enumerate(data, start=1):
        try:
            cases.append(EvalCase.model_validate(item))
        except ValidationError as exc:
            for e in exc.errors():
                field = ".".join(str(p) for p in e["loc"]) or "vraag"
                problems.append(f"{path} › vraag {n} › {field}: {_message(e)}")
    if problems:
        raise EvalFileError("Het eval-bestand heeft fouten:\n  " + "\n  ".join(problems))
    return cases


def unknown_ids(path: Path, cases: list[EvalCase], known: set[str]) -> list[str]:
    """Per expected id the kennisbank does not have: where it is, and the id meant if one is
    close. Such a case can never be a hit, so the figure would be wrong without a word."""
    return [
        f"{path} › vraag {n} › verwacht: '{place_id}' staat niet in de kennisbank; deze vraag "
        f"telt als gemist.{did_you_mean(place_id, sorted(known))}"
        for n, case in enumerate(cases, start=1)
        for place_id in case.verwacht
        if place_id not in known
    ]


def _message(error: Any) -> str:
    """One validation error in Dutch, like the kennisbank check reports them."""
    if error["type"] == "extra_forbidden":
        return f"onbekend veld. Kies uit: {', '.join(EvalCase.model_fields)}."
    if error["type"] == "literal_error":
        return f"'{error.get('input')}' ken ik niet. Kies ouder, professional of jongere."
    return translate(error)[1]


def run_eval(
    assistant: Assistant,
    cases: list[EvalCase],
    off_topic: Callable[[str], bool] | None = None,
) -> dict[str, Any]:
    """Answer every case; return the ``--json`` contract: cases and metrics.

    ``off_topic``: the turn model's judgment of a first message (``IntentModel.off_topic``), so
    a question is answered as the chat answers it; without it, the search alone decides.
    """
    out_cases = []
    hits1, hits3, rr = [], [], []
    crisis_hits, false_pos, false_acute = [], [], []
    for case in cases:
        started = time.perf_counter()
        elsewhere = off_topic is not None and off_topic(case.vraag)
        answer = assistant.answer(case.vraag, case.profile, off_topic=elsewhere)
        ms = (time.perf_counter() - started) * 1000
        ids = answer.ids()[:IDS_SHOWN]
        # a line asked for ("hoe bereik ik de kindertelefoon?") is no crisis, found or false
        category = answer.danger.category if answer.danger else None
        out_cases.append({"vraag": case.vraag, "ids": ids, "crisis": category, "ms": round(ms, 3)})
        if case.verwacht:
            expected = set(case.verwacht)
            hits1.append(bool(ids[:1]) and ids[0] in expected)
            hits3.append(bool(expected & set(ids[:TOP])))
            rank = next((i for i, x in enumerate(ids, start=1) if x in expected), None)
            rr.append(1.0 / rank if rank else 0.0)
        if case.crisis == "geen":
            false_pos.append(category is not None)
            false_acute.append(answer.lines_first)
        elif case.crisis is not None:
            crisis_hits.append(category == case.crisis or category in case.ook)
    times = [c["ms"] for c in out_cases]
    metrics = {
        "hit_at_1": _mean(hits1),
        "hit_at_3": _mean(hits3),
        "mrr": _mean(rr),
        "crisis_recall": _mean(crisis_hits),
        "crisis_false_positives": _mean(false_pos),
        # of those, the ones where the lines came first and replaced the local help
        "crisis_false_positives_acuut": _mean(false_acute),
        "ms_p50": float(np.percentile(times, 50)) if times else None,
        "ms_p95": float(np.percentile(times, 95)) if times else None,
    }
    return {"cases": out_cases, "metrics": metrics}


def _mean(values: list[bool] | list[float]) -> float | None:
    """Mean, or None when no case measures this (e.g. no crisis cases in the file)."""
    return float(np.mean(values)) if values else None

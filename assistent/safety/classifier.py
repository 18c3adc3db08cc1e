"""The learned crisis classifier: message embedding + character n-grams → category probabilities.

Trained reproducibly from the labelled corpus (``assistent/data/crisis_corpus``) over the same
query embedding the search computes, so a message is embedded once. Logistic regression gives a
probability per class (``geen`` and the four categories); the threshold per category is derived
at training time from out-of-fold probabilities, chosen for recall (safety first), and saved
beside the model with the embedder it was trained with, like the index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from assistent.safety.categories import CATEGORIES

log = logging.getLogger(__name__)

NONE = "geen"
CLASSES: tuple[str, ...] = (NONE, *CATEGORIES)
FORMAT_VERSION = 1
# Out-of-fold recall each category's threshold is chosen for, and the ceiling on a threshold:
# below 1 / (number of classes) + margin a probability says nothing, above 0.5 it misses.
TARGET_RECALL = 0.97
FALSE_ALARM_BUDGET = 0.01  # per category, on the out-of-fold hard negatives
MAX_THRESHOLD = 0.5
MIN_THRESHOLD = 0.15
EMBEDDING_WEIGHT = 2.0  # how much the embedding block counts against the n-gram block
C = 1.0
SEED = 13

_REPEATS = re.compile(r"(\w)\1{2,}")
_ZERO_WIDTH = re.compile(r"[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")


def normalise(text: str) -> str:
    """Lowercase, no zero-width characters or diacritics, repeated letters folded (for n-grams)."""
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text)).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_REPEATS.sub(r"\1\1", text).split())


@dataclass
class CrisisModel:
    """A trained classifier with its per-category thresholds and training metadata."""

    vectorizer: TfidfVectorizer
    classifier: LogisticRegression
    thresholds: dict[str, float]
    meta: dict

    def features(self, texts: Sequence[str], vectors: np.ndarray) -> sparse.csr_matrix:
        """The feature rows of these texts, given their (unit) query embeddings."""
        grams = self.vectorizer.transform([normalise(t) for t in texts])
        dense = sparse.csr_matrix(np.asarray(vectors, np.float32) * EMBEDDING_WEIGHT)
        return sparse.hstack([dense, grams], format="csr")

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Shape (n, len(CLASSES)): probability of each class, in CLASSES order."""
        proba = self.classifier.predict_proba(self.features(texts, vectors))
        order = [list(self.classifier.classes_).index(c) for c in CLASSES]
        return proba[:, order]

    def flagged(self, proba_row: np.ndarray) -> dict[str, float]:
        """Categories whose probability reaches their threshold, with how far (p / threshold)."""
        out = {}
        for i, category in enumerate(CLASSES[1:], start=1):
            threshold = self.thresholds[category]
            if proba_row[i] >= threshold:
                out[category] = float(proba_row[i] / threshold)
        return out

    def save(self, folder: Path) -> None:
        """Write model.joblib and meta.json (thresholds and figures readable without Python)."""
        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump((self.vectorizer, self.classifier), folder / "model.joblib")
        meta = {**self.meta, "thresholds": self.thresholds}
        (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> CrisisModel:
        """Read a model written by :meth:`save`."""
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        vectorizer, classifier = joblib.load(folder / "model.joblib")
        return cls(vectorizer, classifier, dict(meta.pop("thresholds")), meta)


def corpus_hash(texts: Sequence[str], labels: Sequence[str]) -> str:
    """Fingerprint of the training data (a changed corpus means a new model)."""
    digest = hashlib.sha256(f"v{FORMAT_VERSION}".encode())
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"{label}\0{text}\n".encode())
    return digest.hexdigest()[:16]


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True, max_features=20000
    )


def _classifier() -> LogisticRegression:
    return LogisticRegression(C=C, class_weight="balanced", max_iter=3000)


def fit(texts: Sequence[str], vectors: np.ndarray, labels: Sequence[str]) -> CrisisModel:
    """Fit vectorizer and classifier on all data (thresholds are set separately)."""
    vectorizer = _vectorizer().fit([normalise(t) for t in texts])
    model = CrisisModel(vectorizer, _classifier(), dict.fromkeys(CATEGORIES, 0.5), {})
    model.classifier.fit(model.features(texts, vectors), np.asarray(labels))
    return model


def out_of_fold(
    texts: Sequence[str],
    vectors: np.ndarray,
    labels: Sequence[str],
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Probabilities for every message from a model that did not see it (CLASSES order)."""
    proba = np.zeros((len(texts), len(CLASSES)), np.float32)
    labels_arr = np.asarray(labels)
    for n, (train, test) in enumerate(folds):
        model = fit([texts[i] for i in train], vectors[train], labels_arr[train])
        proba[test] = model.probabilities([texts[i] for i in test], vectors[test])
        if progress:
            progress(n + 1, len(folds))
    return proba


def recall_thresholds(proba: np.ndarray, labels: Sequence[str]) -> dict[str, float]:
    """Per category a threshold from out-of-fold probabilities, recall first.

    The threshold is the one that keeps TARGET_RECALL of the category's messages, unless that
    would alarm more than FALSE_ALARM_BUDGET of the hard negatives: then the lowest threshold
    within that budget. Always between MIN_THRESHOLD and MAX_THRESHOLD.
    """
    labels_arr = np.asarray(labels)
    negatives = labels_arr == NONE
    thresholds = {}
    for i, category in enumerate(CLASSES[1:], start=1):
        positives = proba[labels_arr == category, i]
        if positives.size == 0:
            thresholds[category] = MAX_THRESHOLD
            continue
        value = float(np.quantile(positives, 1.0 - TARGET_RECALL))
        if negatives.any():
            guard = float(np.quantile(proba[negatives, i], 1.0 - FALSE_ALARM_BUDGET))
            value = max(value, guard)
        thresholds[category] = round(min(MAX_THRESHOLD, max(MIN_THRESHOLD, value)), 4)
    return thresholds


def decide(model_thresholds: dict[str, float], proba: np.ndarray) -> list[str | None]:
    """The predicted category (or None) per row, by the thresholds and the priority order."""
    out: list[str | None] = []
    for row in proba:
        hits = [c for i, c in enumerate(CLASSES[1:], start=1) if row[i] >= model_thresholds[c]]
        out.append(hits[0] if hits else None)
    return out


def train(
    texts: Sequence[str],
    vectors: np.ndarray,
    labels: Sequence[str],
    embedder_id: str,
    progress: Callable[[int, int], None] | None = None,
) -> CrisisModel:
    """Train on the whole corpus; thresholds from 5-fold out-of-fold probabilities."""
    labels = list(labels)
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED).split(texts, labels))
    proba = out_of_fold(texts, vectors, labels, folds, progress)
    thresholds = recall_thresholds(proba, labels)
    predicted = decide(thresholds, proba)
    model = fit(texts, vectors, labels)
    model.thresholds = thresholds
    pairs = list(zip(predicted, labels, strict=True))
    model.meta = {
        "format": FORMAT_VERSION,
        "embedder": embedder_id,
        "corpus_hash": corpus_hash(texts, labels),
        "messages": len(texts),
        "per_class": {c: int(sum(label == c for label in labels)) for c in CLASSES},
        "oof_recall": {
            c: round(
                float(np.mean([p == c for p, y in zip(predicted, labels, strict=True) if y == c])),
                4,
            )
            for c in CATEGORIES
        },
        "oof_false_alarms": round(
            float(np.mean([p is not None for p, y in pairs if y == NONE])), 4
        ),
    }
    return model

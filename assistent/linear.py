"""Fitted scikit-learn text and linear models as plain numpy, for the questions of every turn.

scikit-learn validates its input on every call (``check_array``, dataframe detection, joblib),
and for one short message that cost more than the arithmetic: 3–6 ms per model, on every turn,
all of it holding the GIL the bot's other users wait on. These classes read the fitted
parameters once and compute the same probabilities (tests hold them equal to scikit-learn's
``predict_proba``): TF-IDF through each vectoriser's own analyser, vocabulary and idf; a linear
model's weights; its link (logistic, one-vs-rest logistic, or softmax).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Analyser = Callable[[str], list[str]]


class TfidfFeatures:
    """The sparse TF-IDF row of a text, for one vectoriser or a union of them (columns of each
    vectoriser after those of the ones before it, as ``FeatureUnion`` stacks them)."""

    def __init__(self, features: Any) -> None:
        union = getattr(features, "transformer_list", None)
        parts = [features] if union is None else [v for _, v in union]
        if getattr(features, "transformer_weights", None) is not None:
            raise ValueError("gewogen onderdelen worden niet ondersteund")
        self.parts: list[tuple[Analyser, dict[str, int], np.ndarray, int, bool, str | None]] = []
        offset = 0
        for vectoriser in parts:
            if not vectoriser.use_idf or vectoriser.norm not in ("l2", None) or vectoriser.binary:
                raise ValueError("onverwachte tf-idf-instellingen")
            self.parts.append(
                (
                    vectoriser.build_analyzer(),
                    vectoriser.vocabulary_,
                    np.asarray(vectoriser.idf_, np.float64),
                    offset,
                    bool(vectoriser.sublinear_tf),
                    vectoriser.norm,
                )
            )
            offset += len(vectoriser.vocabulary_)
        self.size = offset

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) of the text's non-zero features."""
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for analyse, vocabulary, idf, offset, sublinear, norm in self.parts:
            counts: dict[int, int] = {}
            for gram in analyse(text):
                column = vocabulary.get(gram)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if not counts:
                continue
            ids = np.fromiter(counts, np.int64, len(counts))
            tf = np.fromiter(counts.values(), np.float64, len(counts))
            weights = ((1.0 + np.log(tf)) if sublinear else tf) * idf[ids]
            if norm == "l2":
                weights /= float(np.linalg.norm(weights))
            columns.append(ids + offset)
            values.append(weights)
        if not columns:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        return np.concatenate(columns), np.concatenate(values)


class LinearModel:
    """A fitted ``LogisticRegression`` or log-loss ``SGDClassifier``: decision and link."""

    def __init__(self, model: Any) -> None:
        self.classes = [str(c) for c in model.classes_]
        self.weights = np.asarray(model.coef_, np.float64)  # classes (or 1) × features
        self.intercept = np.asarray(model.intercept_, np.float64)
        name = type(model).__name__
        if name == "SGDClassifier" and model.loss == "log_loss":
            self.link = "ovr"  # one-vs-rest logistic, normalised (scikit-learn's _predict_proba_lr)
        elif name == "LogisticRegression":
            self.link = "logistic" if len(self.classes) == 2 else "softmax"
        else:
            raise ValueError(f"{name} wordt niet ondersteund")

    def probabilities(self, decision: np.ndarray) -> np.ndarray:
        """Probabilities per class (rows: messages) from the decision values."""
        if decision.shape[1] == 1:  # two classes: the decision is for the second
            positive = 1.0 / (1.0 + np.exp(-decision[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        if self.link == "softmax":
            shifted = np.exp(decision - decision.max(axis=1, keepdims=True))
            return shifted / shifted.sum(axis=1, keepdims=True)
        probabilities = 1.0 / (1.0 + np.exp(-decision))
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def dense(self, vectors: np.ndarray) -> np.ndarray:
        """Probabilities for dense feature rows (embeddings)."""
        decision = np.asarray(vectors, np.float64) @ self.weights.T + self.intercept
        return self.probabilities(decision)


class TextModel:
    """A fitted ``make_pipeline(tf-idf features, linear model)``."""

    def __init__(self, pipeline: Any) -> None:
        if len(pipeline.steps) != 2:
            raise ValueError("verwacht: kenmerken en één lineair model")
        self.features = TfidfFeatures(pipeline.steps[0][1])
        self.model = LinearModel(pipeline.steps[-1][1])
        if self.model.weights.shape[1] != self.features.size:
            raise ValueError("kenmerken en model passen niet bij elkaar")
        self.classes = self.model.classes

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """As the pipeline's ``predict_proba``."""
        decision = np.tile(self.model.intercept, (len(texts), 1))
        for n, text in enumerate(texts):
            columns, values = self.features.row(text)
            if columns.size:
                decision[n] += self.model.weights[:, columns] @ values
        return self.model.probabilities(decision)

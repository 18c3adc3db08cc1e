"""The learned crisis classifier: is a message a crisis, and which line fits it?

Two views of a message, each learned from the labelled corpus (``assistent/data/crisis_corpus``):
its words (character and word n-grams, logistic regression) and its meaning (the same query
embedding the search computes, standardised, an RBF support-vector machine). Their probabilities
are averaged, once for "crisis or not" and once for the category. The crisis threshold is derived
when the model is trained, from out-of-fold probabilities with whole registers held out, so it
reflects messages written unlike the training data. A second, lower threshold marks a band of
doubt, derived the same way with a larger false-alarm budget: a message in it gets the line
offered in one calm sentence while the local help stays (see ``detector.py``). The check also
reads each sentence of a long message, which gives the model more chances to cross a threshold;
so for the lines first a sentence has its own threshold, derived from the out-of-fold
probabilities of the sentences of the corpus's long negatives with the same budget per message.
Its band of doubt is the whole message's. The model is saved with the embedder it was trained
with, like the index.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistent.safety.categories import CATEGORIES

if TYPE_CHECKING:  # scikit-learn loads on first use: importing the core stays light
    from sklearn.pipeline import Pipeline

NONE = "geen"
FORMAT_VERSION = 8  # bump on any change to the method or its constants: a new model
# The share of the corpus's negatives (out of fold, registers held out) allowed to alarm. Held-
# out ordinary questions alarm several times more often than the corpus's own negatives (see
# docs/metingen.md), so the budget here is far below the 5 % the product may spend.
FALSE_ALARM_BUDGET = 0.01
# The band of doubt: out-of-fold negatives may reach it this often. A message in the band keeps
# its local help and gets one calm sentence with the line, so a false alarm here costs a sentence,
# not the help; issue 9 allows 5 % false alarms on hard negatives.
DOUBT_BUDGET = 0.03
# The band of doubt for one sentence of a long message: the sentences of the corpus's long
# negatives, each written with one that sounds like danger ("bijna verdronken, gelukkig liep het
# goed af"), may reach it this often. With the whole message's band for every sentence, a story
# of five sentences had six chances at it, and one ordinary question in ten from other writers
# got a line ("wil 's avonds niet naar bed" → Veilig Thuis). Measured with the seen sets 34-36
# held out of the training (docs/metingen.md): any line on their hard negatives 0.123 → 0.044,
# on 1,110 ordinary questions from other writers 0.064 → 0.023; crises found 184 → 181 of 192.
SENTENCE_DOUBT_BUDGET = 0.15
FOLDS = 5
SEED = 13

_REPEATS = re.compile(r"(\w)\1{2,}")
_ZERO_WIDTH = re.compile(r"[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")

Progress = Callable[[int, int], None]


def normalise(text: str) -> str:
    """Lowercase, no zero-width characters or diacritics, repeated letters folded."""
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text)).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_REPEATS.sub(r"\1\1", text).split())


def _text_model(binary: bool) -> Pipeline:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    words = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
    )
    return make_pipeline(
        words,
        LogisticRegression(
            C=10,
            class_weight="balanced",
            # liblinear is the faster solver, but only for a yes/no question
            solver="liblinear" if binary else "lbfgs",
            max_iter=3000,
            random_state=SEED,
        ),
    )


def _meaning_model() -> Pipeline:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    svm = SVC(C=1.0, kernel="rbf", class_weight="balanced", random_state=SEED)
    calibrated = CalibratedClassifierCV(svm, method="sigmoid", cv=3, ensemble=False)
    return make_pipeline(StandardScaler(), calibrated)


WordsOnly = tuple[np.ndarray, np.ndarray]  # texts and labels the word view alone learns from


@dataclass
class Views:
    """One fitted model per view (words, meaning) for one question."""

    text: Pipeline
    meaning: Pipeline

    @classmethod
    def fit(
        cls,
        texts: np.ndarray,
        vectors: np.ndarray,
        labels: np.ndarray,
        words_only: WordsOnly | None = None,
    ) -> Views:
        """Fit both views on the same labelled messages; the word view also on ``words_only``."""
        binary = len(set(labels)) <= 2
        if words_only is not None and len(words_only[0]):
            words = (
                np.concatenate([texts, words_only[0]]),
                np.concatenate([labels, words_only[1]]),
            )
        else:
            words = (texts, labels)
        return cls(_text_model(binary).fit(*words), _meaning_model().fit(vectors, labels))

    def probabilities(
        self, texts: np.ndarray, vectors: np.ndarray | None, classes: list[str]
    ) -> np.ndarray:
        """Mean probability of the views, columns in ``classes`` order.

        Without vectors (the embedder failed) the word view decides alone.
        """
        views = [(self.text, texts)] + ([] if vectors is None else [(self.meaning, vectors)])
        out = np.zeros((len(texts), len(classes)))
        for model, data in views:
            proba = model.predict_proba(data)
            order = [list(model.classes_).index(c) for c in classes]
            out += proba[:, order]
        return out / len(views)


class FastViews:
    """A fitted ``Views`` as plain numpy, for the questions asked of every message.

    The same probabilities as scikit-learn's ``predict_proba`` (a test holds them equal to
    1e-6: scikit-learn scales float32 input in float32), without its per-call input validation,
    which cost more than the arithmetic: about 4 of the 4.7 ms per message for the crisis
    question, and 3–6 ms for the category of every message with a signal. The words: see
    ``assistent/linear.py``. The meaning: the scaler, the RBF kernel against the support
    vectors, the SVM's dual coefficients (one-vs-one between each pair of classes, combined
    into one score per class as scikit-learn does), and the sigmoid calibration per class.
    """

    def __init__(self, views: Views) -> None:
        from assistent.linear import TextModel

        self.text = TextModel(views.text)
        self.classes = self.text.classes
        scaler, calibrated = views.meaning.steps[0][1], views.meaning.steps[-1][1]
        inner = calibrated.calibrated_classifiers_[0]
        svm = inner.estimator
        if len(calibrated.calibrated_classifiers_) != 1 or svm.kernel != "rbf":
            raise ValueError("alleen één gekalibreerde RBF-SVM")
        if [str(c) for c in calibrated.classes_] != self.classes or [
            str(c) for c in svm.classes_
        ] != self.classes:
            raise ValueError("de twee blikken hebben andere klassen")
        if getattr(svm, "break_ties", False) or svm.decision_function_shape != "ovr":
            raise ValueError("alleen de standaard one-vs-rest-score")
        self.mean = np.asarray(scaler.mean_, np.float64)
        self.scale = np.asarray(scaler.scale_, np.float64)
        self.support = np.asarray(svm.support_vectors_, np.float64)
        self.support_norms = np.einsum("ij,ij->i", self.support, self.support)
        self.dual = np.asarray(svm.dual_coef_, np.float64)
        self.svm_intercept = np.asarray(svm.intercept_, np.float64)
        self.gamma = float(svm._gamma)
        # one (a, b) per calibrated column: the positive class for two classes, else each class
        self.a = np.array([float(c.a_) for c in inner.calibrators])
        self.b = np.array([float(c.b_) for c in inner.calibrators])
        starts = np.concatenate([[0], np.cumsum(svm.n_support_)]).astype(int)
        self.blocks = [slice(starts[n], starts[n + 1]) for n in range(len(self.classes))]

    def _decision(self, kernel: np.ndarray) -> np.ndarray:
        """The SVM's ``decision_function``: one column for two classes, else one per class."""
        k = len(self.classes)
        if k == 2:
            return (kernel @ self.dual[0] + self.svm_intercept[0])[:, None]
        votes = np.zeros((kernel.shape[0], k))
        confidence = np.zeros((kernel.shape[0], k))
        pair = 0
        for i in range(k):
            for j in range(i + 1, k):
                first, second = self.blocks[i], self.blocks[j]
                decision = (
                    kernel[:, first] @ self.dual[j - 1, first]
                    + kernel[:, second] @ self.dual[i, second]
                    + self.svm_intercept[pair]
                )
                confidence[:, i] += decision
                confidence[:, j] -= decision
                votes[:, i] += decision >= 0
                votes[:, j] += decision < 0
                pair += 1
        return votes + confidence / (3 * (np.abs(confidence) + 1))

    def _meaning(self, vectors: np.ndarray) -> np.ndarray:
        scaled = (np.asarray(vectors, np.float64) - self.mean) / self.scale
        squared = (
            self.support_norms[None, :]
            - 2.0 * scaled @ self.support.T
            + np.einsum("ij,ij->i", scaled, scaled)[:, None]
        )
        kernel = np.exp(-self.gamma * np.maximum(squared, 0.0))
        calibrated = 1.0 / (1.0 + np.exp(self.a * self._decision(kernel) + self.b))
        if len(self.classes) == 2:
            return np.column_stack([1.0 - calibrated[:, 0], calibrated[:, 0]])
        total = calibrated.sum(axis=1, keepdims=True)
        proba = np.divide(
            calibrated,
            total,
            out=np.full_like(calibrated, 1.0 / len(self.classes)),
            where=total != 0,
        )
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba

    def probabilities(
        self, texts: Sequence[str], vectors: np.ndarray | None, classes: list[str]
    ) -> np.ndarray:
        """As ``Views.probabilities``."""
        out = self.word_probabilities(texts, classes)
        if vectors is not None:
            out = (out + self.meaning_probabilities(vectors, classes)) / 2.0
        return out

    def word_probabilities(self, texts: Sequence[str], classes: list[str]) -> np.ndarray:
        """The word view alone (no vectors needed), columns in ``classes`` order."""
        return self.text.probabilities(texts)[:, self._columns(classes)]

    def meaning_probabilities(self, vectors: np.ndarray, classes: list[str]) -> np.ndarray:
        """The meaning view alone, columns in ``classes`` order."""
        return self._meaning(vectors)[:, self._columns(classes)]

    def _columns(self, classes: list[str]) -> list[int]:
        return [self.classes.index(c) for c in classes]


@dataclass
class CrisisModel:
    """A trained crisis classifier with its threshold and training figures."""

    crisis: Views
    category: Views
    threshold: float
    meta: dict = field(default_factory=dict)
    doubt_threshold: float | None = None  # the band of doubt starts here (None: no band)
    # (sure, doubt) for the sentences of a long message; None: the whole message's thresholds
    sentence_thresholds: tuple[float, float] | None = None
    _fast: FastViews | None = field(default=None, init=False, repr=False, compare=False)
    _fast_category: FastViews | Views | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def lowest(self) -> float:
        """Where a whole message starts to count (the band of doubt, if any)."""
        return (
            self.threshold
            if self.doubt_threshold is None
            else min(self.threshold, self.doubt_threshold)
        )

    @property
    def sentence_threshold(self) -> float:
        """The threshold for one sentence of a long message."""
        return self.threshold if self.sentence_thresholds is None else self.sentence_thresholds[0]

    @property
    def sentence_lowest(self) -> float:
        """Where one sentence of a long message starts to count (its band of doubt)."""
        if self.sentence_thresholds is None:
            return self.lowest
        return min(self.sentence_thresholds)

    def crisis_probability(self, texts: Sequence[str], vectors: np.ndarray | None) -> np.ndarray:
        """Probability per message that it signals a crisis."""
        prepared = np.array([normalise(t) for t in texts], dtype=object)
        return self._crisis_views().probabilities(prepared, vectors, ["crisis"])[:, 0]

    def word_crisis_probability(self, texts: Sequence[str]) -> np.ndarray:
        """The word view's crisis probability per message: no embedding needed. The crisis
        probability is the mean of the two views, each below 1, so a message whose words give
        ``p`` can reach at most ``(p + 1) / 2`` (:meth:`crisis_probability_given`)."""
        prepared = np.array([normalise(t) for t in texts], dtype=object)
        return self._crisis_views().word_probabilities(prepared, ["crisis"])[:, 0]

    def crisis_probability_given(self, words: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """``crisis_probability`` from the word view's probabilities and the messages' vectors:
        the same figures, with the words read once."""
        return (words + self._crisis_views().meaning_probabilities(vectors, ["crisis"])[:, 0]) / 2

    def _crisis_views(self) -> FastViews:
        if self._fast is None:
            self._fast = FastViews(self.crisis)  # twice in a race: the same result
        return self._fast

    def category_probabilities(
        self, texts: Sequence[str], vectors: np.ndarray | None
    ) -> np.ndarray:
        """Per message the probability of each category (CATEGORIES order), given a crisis."""
        prepared = np.array([normalise(t) for t in texts], dtype=object)
        if self._fast_category is None:  # twice in a race: the same result
            try:
                self._fast_category = FastViews(self.category)
            except ValueError:  # a model of another shape: scikit-learn answers
                self._fast_category = self.category
        return self._fast_category.probabilities(prepared, vectors, list(CATEGORIES))

    def save(self, folder: Path) -> None:
        """Write model.joblib and meta.json (threshold and figures readable without Python)."""
        import joblib

        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump((self.crisis, self.category), folder / "model.joblib")
        sentence = self.sentence_thresholds
        meta = {
            **self.meta,
            "threshold": self.threshold,
            "twijfel_drempel": self.doubt_threshold,
            "zin_drempel": None if sentence is None else sentence[0],
            "zin_twijfel_drempel": None if sentence is None else sentence[1],
        }
        (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> CrisisModel:
        """Read a model written by :meth:`save`."""
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"crisismodel heeft formaat {meta.get('format')}")
        import joblib

        crisis, category = joblib.load(folder / "model.joblib")
        threshold = float(meta.pop("threshold"))
        doubt = meta.pop("twijfel_drempel", None)
        sure, sentence_doubt = meta.pop("zin_drempel", None), meta.pop("zin_twijfel_drempel", None)
        if sentence_doubt is None:
            sentence_doubt = sure
        sentence = None if sure is None else (float(sure), float(sentence_doubt))
        return cls(
            crisis, category, threshold, meta, None if doubt is None else float(doubt), sentence
        )


def corpus_hash(texts: Sequence[str], labels: Sequence[str]) -> str:
    """Fingerprint of the training data and the method (a change means a new model)."""
    digest = hashlib.sha256(f"v{FORMAT_VERSION}".encode())
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"{label}\0{text}\n".encode())
    return digest.hexdigest()[:16]


def fit(
    texts: Sequence[str],
    vectors: np.ndarray,
    labels: Sequence[str],
    words_only: tuple[Sequence[str], Sequence[str]] | None = None,
) -> CrisisModel:
    """Fit both questions (crisis or not; which category) on all data; threshold 0.5.

    ``words_only``: more labelled messages (texts, labels) for the word view alone. They cost no
    embedding and the word view (a linear model) trains in seconds, where the meaning view's
    RBF-SVM grows with the square of the corpus (see ``training.WORDS_ONLY_FILE``)."""
    prepared = np.array([normalise(t) for t in texts], dtype=object)
    labels_arr = np.asarray(labels)
    binary = np.where(labels_arr == NONE, NONE, "crisis")
    positive = labels_arr != NONE
    more = words_only or ((), ())
    more_texts = np.array([normalise(t) for t in more[0]], dtype=object)
    more_labels = np.asarray(list(more[1]), dtype=object)
    more_binary = np.where(more_labels == NONE, NONE, "crisis")
    more_positive = more_labels != NONE
    crisis = Views.fit(prepared, vectors, binary, (more_texts, more_binary))
    category = Views.fit(
        prepared[positive],
        vectors[positive],
        labels_arr[positive],
        (more_texts[more_positive], more_labels[more_positive]),
    )
    return CrisisModel(crisis, category, 0.5)


@dataclass(frozen=True)
class Sentences:
    """The sentences of the corpus's long messages as the check reads them (``reading.chunks``):
    ``owner[i]`` is the index of the message sentence ``i`` comes from."""

    owner: np.ndarray
    texts: list[str]
    vectors: np.ndarray


def out_of_fold(
    texts: Sequence[str],
    vectors: np.ndarray,
    labels: Sequence[str],
    groups: Sequence[str],
    progress: Progress | None = None,
    folds: int = FOLDS,
    sentences: Sentences | None = None,
    words_only: tuple[Sequence[str], Sequence[str]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crisis and category probabilities of every message from a model that held out its group,
    and per message the highest crisis probability of its sentences (-1 without sentences)."""
    crisis, category, sentence_max, _ = _folds(
        texts, vectors, labels, groups, progress, folds, sentences, False, words_only
    )
    return crisis, category, sentence_max


def _folds(
    texts: Sequence[str],
    vectors: np.ndarray,
    labels: Sequence[str],
    groups: Sequence[str],
    progress: Progress | None,
    folds: int,
    sentences: Sentences | None,
    final: bool,
    words_only: tuple[Sequence[str], Sequence[str]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, CrisisModel | None]:
    """``out_of_fold``, and with ``final`` the model fitted on all messages in the same pool:
    it is the longest job, so it starts first and the folds fill the other core (the last
    fold no longer waits alone before it; a quarter less time). Every fold's word view also
    learns from ``words_only``, which is never scored."""
    from joblib import Parallel, delayed
    from sklearn.model_selection import GroupKFold

    crisis = np.zeros(len(texts))
    category = np.zeros((len(texts), len(CATEGORIES)))
    sentence_max = np.full(len(texts), -1.0)
    splits = list(GroupKFold(n_splits=folds).split(texts, labels, np.asarray(groups)))
    jobs = [delayed(fit)(texts, vectors, labels, words_only)] if final else []
    jobs += [
        delayed(_held_out)(texts, vectors, labels, train, test, sentences, words_only)
        for train, test in splits
    ]
    model = None
    # The jobs are independent: one process per core (libsvm itself uses one core).
    results = Parallel(n_jobs=min(len(jobs), os.cpu_count() or 1), return_as="generator")(jobs)
    for n, result in enumerate(results):
        if isinstance(result, CrisisModel):
            model = result
        else:
            test, fold_crisis, fold_category, owners, fold_sentences = result
            crisis[test], category[test] = fold_crisis, fold_category
            np.maximum.at(sentence_max, owners, fold_sentences)
        if progress:
            progress(n + 1, len(jobs))
    return crisis, category, sentence_max, model


def _held_out(
    texts: Sequence[str],
    vectors: np.ndarray,
    labels: Sequence[str],
    train: np.ndarray,
    test: np.ndarray,
    sentences: Sentences | None = None,
    words_only: tuple[Sequence[str], Sequence[str]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One fold: fit on ``train``, the probabilities of ``test`` and of its sentences."""
    train_labels = [labels[i] for i in train]
    model = fit([texts[i] for i in train], vectors[train], train_labels, words_only)
    held_out = [texts[i] for i in test]
    owners, sentence_crisis = np.zeros(0, dtype=int), np.zeros(0)
    if sentences is not None:
        rows = np.flatnonzero(np.isin(sentences.owner, test))
        owners = sentences.owner[rows]
        if rows.size:
            sentence_crisis = model.crisis_probability(
                [sentences.texts[i] for i in rows], sentences.vectors[rows]
            )
    return (
        test,
        model.crisis_probability(held_out, vectors[test]),
        model.category_probabilities(held_out, vectors[test]),
        owners,
        sentence_crisis,
    )


def budget_threshold(
    crisis: np.ndarray, labels: Sequence[str], budget: float = FALSE_ALARM_BUDGET
) -> float:
    """The lowest crisis threshold that keeps false alarms within ``budget``."""
    negatives = crisis[np.asarray(labels) == NONE]
    if negatives.size == 0:
        return 0.5
    return round(float(np.quantile(negatives, 1.0 - budget)), 4)


def sentence_thresholds(
    sentence_max: np.ndarray, labels: Sequence[str], threshold: float, doubt: float
) -> tuple[float, float] | None:
    """Thresholds for one sentence of a long message: (sure, doubt). A message alarms when any
    of its sentences crosses, so each is derived from the sentences of the corpus's long
    negatives: *sure* (the lines first, the local help replaced) keeps them within
    ``FALSE_ALARM_BUDGET``, the band of doubt (one calm sentence with a line, the help stays)
    within ``SENTENCE_DOUBT_BUDGET``. Neither is below the whole message's. None when the
    corpus has no long negatives."""
    long_negatives = sentence_max[(np.asarray(labels) == NONE) & (sentence_max >= 0)]
    if long_negatives.size == 0:
        return None
    sure = max(threshold, float(np.quantile(long_negatives, 1.0 - FALSE_ALARM_BUDGET)))
    doubt = max(doubt, float(np.quantile(long_negatives, 1.0 - SENTENCE_DOUBT_BUDGET)))
    return round(sure, 4), round(min(sure, doubt), 4)


def figures(
    crisis: np.ndarray, category: np.ndarray, labels: Sequence[str], threshold: float
) -> dict:
    """Recall per category, false alarms and wrong-category share at a threshold."""
    labels_arr = np.asarray(labels)
    flagged = crisis >= threshold
    predicted = np.asarray(CATEGORIES)[category.argmax(axis=1)]
    out: dict = {"recall": {}, "juiste_categorie": {}}
    for name in CATEGORIES:
        rows = labels_arr == name
        out["recall"][name] = round(float(flagged[rows].mean()), 4) if rows.any() else None
        right = flagged[rows] & (predicted[rows] == name)
        out["juiste_categorie"][name] = round(float(right.mean()), 4) if rows.any() else None
    negatives = labels_arr == NONE
    out["vals_alarm"] = round(float(flagged[negatives].mean()), 4) if negatives.any() else None
    return out


def train(
    texts: Sequence[str],
    vectors: np.ndarray,
    labels: Sequence[str],
    registers: Sequence[str],
    embedder_id: str,
    progress: Progress | None = None,
    sentences: Sentences | None = None,
    words_only: tuple[Sequence[str], Sequence[str]] | None = None,
) -> CrisisModel:
    """Train on the whole corpus; the thresholds come from register-held-out probabilities (of
    the messages, and of the sentences of the long ones when ``sentences`` is given).
    ``words_only``: more labelled messages for the word view alone (see ``fit``)."""
    crisis, category, sentence_max, model = _folds(
        texts, vectors, labels, registers, progress, FOLDS, sentences, True, words_only
    )
    assert model is not None
    threshold = budget_threshold(crisis, labels)
    doubt = min(threshold, budget_threshold(crisis, labels, DOUBT_BUDGET))
    model.threshold = threshold
    model.doubt_threshold = doubt
    model.sentence_thresholds = sentence_thresholds(sentence_max, labels, threshold, doubt)
    model.meta = {
        "format": FORMAT_VERSION,
        "embedder": embedder_id,
        "corpus_hash": corpus_hash(texts, labels),
        "berichten": len(texts),
        "alleen_woorden": len(words_only[0]) if words_only else 0,
        "per_klasse": {c: int(sum(label == c for label in labels)) for c in (NONE, *CATEGORIES)},
        "kruisvalidatie_registers": figures(crisis, category, labels, threshold),
        # the same held-out probabilities with the band of doubt counted as found
        "kruisvalidatie_registers_met_twijfel": figures(crisis, category, labels, doubt),
    }
    return model

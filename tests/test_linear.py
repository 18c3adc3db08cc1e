"""The numpy forms of fitted scikit-learn models give scikit-learn's own probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from assistent.linear import LinearModel, TextModel

TEXTS = [
    "wat kost dat?",
    "hoi",
    "Bedankt!!",
    "mijn kind van 4 slaapt slecht en ik ben op",
    "",
    "🙂",
    "en de tweede?",
    "ik wil niet meer leven",
    "Mój mąż mnie bije",
    "x" * 2000,
]


def test_the_turn_models_words_are_scikit_learns() -> None:
    from assistent.intent import default_model

    pipeline = default_model().pipeline  # tf-idf union + one-vs-rest logistic SGD
    fast = TextModel(pipeline)
    assert fast.model.link == "ovr" and fast.classes == [str(c) for c in pipeline.classes_]
    texts = [t.casefold() for t in TEXTS]
    assert np.allclose(fast.probabilities(texts), pipeline.predict_proba(texts), atol=1e-9)


@pytest.mark.parametrize("classes", [2, 5])
def test_logistic_regression_on_vectors_and_on_words(classes: int) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    rng = np.random.default_rng(classes)
    labels = np.array([f"k{i % classes}" for i in range(120)])
    vectors = rng.standard_normal((120, 16)) + (np.arange(120) % classes)[:, None] * 0.3
    dense = LogisticRegression(C=10.0, max_iter=3000).fit(vectors, labels)
    fast = LinearModel(dense)
    assert fast.link == ("logistic" if classes == 2 else "softmax")
    probe = rng.standard_normal((7, 16)).astype(np.float32)
    assert np.allclose(fast.dense(probe), dense.predict_proba(probe), atol=1e-9)

    words = [
        f"{label} tekst {i} " + " ".join(TEXTS[i % len(TEXTS)].split()[:3])
        for i, label in enumerate(labels)
    ]
    pipeline = make_pipeline(
        make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2)),
        ),
        LogisticRegression(C=10.0, max_iter=3000),
    ).fit(words, labels)
    assert np.allclose(TextModel(pipeline).probabilities(TEXTS), pipeline.predict_proba(TEXTS))


def test_models_it_cannot_read_are_refused() -> None:
    from sklearn.svm import LinearSVC

    rng = np.random.default_rng(0)
    model = LinearSVC().fit(rng.standard_normal((20, 3)), np.arange(20) % 2)
    with pytest.raises(ValueError):
        LinearModel(model)

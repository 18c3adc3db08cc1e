"""Training the crisis classifier: the word view also learns from seen evaluation sets, and the
model on all messages fits beside the folds. Small synthetic corpora, the fake embedder."""

from __future__ import annotations

import numpy as np

from assistent.safety.classifier import NONE, fit, train
from assistent.safety.lines import load_corpus
from assistent.safety.training import WORDS_ONLY_FILE, training_data
from tests.support import FakeEmbedder

CRISES = [
    ("mijn kind ademt niet meer", "112"),
    ("hij is bewusteloos en reageert niet", "112"),
    ("ik wil niet meer leven", "113"),
    ("ik heb pillen gespaard om dood te gaan", "113"),
    ("mijn man slaat me elke avond", "veilig-thuis"),
    ("de buurman slaat zijn kind", "veilig-thuis"),
    ("ik word gepest op school en niemand helpt", "kindertelefoon"),
    ("ze sturen mijn foto rond in de klas", "kindertelefoon"),
]
ORDINARY = [
    "mijn peuter slaapt slecht",
    "hoe leer ik mijn kind fietsen",
    "wat kost de peuteropvang",
    "mijn dochter eet alleen pasta",
    "we gaan scheiden, hoe vertel ik het",
    "mijn zoon gamet te veel",
    "waar vind ik een oppas",
    "hoe laat moet een kind van acht naar bed",
]


def corpus(copies: int = 3) -> tuple[list[str], list[str], list[str]]:
    """Every message a few times with a variation, in five registers (folds need groups)."""
    texts, labels, registers = [], [], []
    for n in range(copies):
        for i, (text, label) in enumerate([*CRISES, *((t, NONE) for t in ORDINARY)]):
            texts.append(f"{text} {'!' * n}".strip() + f" ({n})")
            labels.append(label)
            registers.append(f"register-{(i + n) % 5}")
    return texts, labels, registers


def test_the_seen_sets_teach_the_word_view_only() -> None:
    """The messages of seen evaluation sets (assistent/data/crisis_corpus/verzameld.yaml) are
    thousands of messages by other writers; embedded and in the RBF-SVM they cost minutes at
    every training. They go to the word view alone, and are never scored for the thresholds."""
    data = training_data()
    seen = [m for m in load_corpus() if m.bestand == WORDS_ONLY_FILE]
    assert len(seen) > 1000 and len(data.words_only[0]) == len(seen)
    assert not {m.tekst for m in seen} & set(data.texts)
    assert set(data.words_only[1]) == {NONE, "112", "113", "veilig-thuis", "kindertelefoon"}

    texts, labels, _ = corpus()
    vectors = FakeEmbedder().embed_queries(texts)
    phrase = "de sloot bij de speeltuin"
    extra = ([f"mijn kind lag in {phrase}", f"ze haalden hem uit {phrase}"], ["112", "112"])
    without, with_seen = fit(texts, vectors, labels), fit(texts, vectors, labels, extra)
    # the meaning view is fitted on the same messages; the word view learned the new phrase
    assert (
        without.crisis.meaning.steps[-1][1].calibrated_classifiers_[0].estimator.shape_fit_
        == with_seen.crisis.meaning.steps[-1][1].calibrated_classifiers_[0].estimator.shape_fit_
    )
    probe = [f"hij ligt in {phrase}"]
    word = np.array(probe, dtype=object)
    before = without.crisis.text.predict_proba(word)[
        0, list(without.crisis.text.classes_).index("crisis")
    ]
    after = with_seen.crisis.text.predict_proba(word)[
        0, list(with_seen.crisis.text.classes_).index("crisis")
    ]
    assert after > before


def test_the_model_on_all_messages_is_the_one_fit_gives() -> None:
    """The model on all messages now fits in the same pool as the folds (a quarter less time);
    it must be exactly the model ``fit`` gives on all messages."""
    texts, labels, registers = corpus()
    vectors = FakeEmbedder().embed_queries(texts)
    trained = train(texts, vectors, labels, registers, "fake")
    alone = fit(texts, vectors, labels)
    probe = ["mijn baby ademt niet", "mijn zoon slaapt slecht", "ik wil dood"]
    probe_vectors = FakeEmbedder().embed_queries(probe)
    assert np.allclose(
        trained.crisis_probability(probe, probe_vectors),
        alone.crisis_probability(probe, probe_vectors),
        rtol=0,
        atol=1e-9,
    )
    assert 0.0 < trained.threshold <= 1.0

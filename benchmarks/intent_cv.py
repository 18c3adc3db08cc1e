"""Cross-validation of the turn classifier (assistent/intent.py), grouped by language.

Each language's examples are held out in turn: the model is trained on the other languages
(and the ordinary questions) and scored on the held-out ones. A second figure holds out one
fifth of the examples of every kind (stratified, 5 folds). Both views are scored: n-grams
alone, the embedding alone (what runs with an embedder) and a mix. A third figure: how many
questions of the eval sets the dialogue would not treat as a question.

    python benchmarks/intent_cv.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import yaml
from sklearn.model_selection import StratifiedKFold

import assistent.intent as intent
from assistent.config import Settings
from assistent.embed import make_embedder
from assistent.intent import MORE, OFF_TOPIC, IntentModel, training_texts, words_only_examples
from assistent.language import guess

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS_PER_FOLD = 300


def main() -> None:
    examples, questions = training_texts()
    questions = questions[:QUESTIONS_PER_FOLD]
    rows = [(kind, text) for kind, items in examples.items() for text in items]
    kinds = np.array([k for k, _ in rows])
    languages = np.array([guess(t, loose=True) or "nl" for _, t in rows])
    real = [
        case["vraag"]
        for name in ("voorbeeldstad.yaml", "rivierdal.yaml")
        for case in yaml.safe_load((ROOT / "tests" / "eval" / name).read_text(encoding="utf-8"))
    ]
    embedder = make_embedder(Settings())
    texts = [t for _, t in rows] + questions + real
    vectors = dict(zip(texts, np.asarray(embedder.embed_queries(texts)), strict=True))

    def score(splits: list, weight: float | None) -> float:
        right = total = 0
        for train, test in splits:
            chosen: dict[str, list[str]] = {}
            for i in train:
                chosen.setdefault(str(kinds[i]), []).append(rows[i][1])
            model = _fit(chosen, questions, vectors, weight)
            for i in test:
                right += model.classify(rows[i][1]).kind == kinds[i]
                total += 1
        return right / total

    stratified = list(
        StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(rows)), kinds)
    )
    grouped = [
        (np.where(languages != lang)[0], np.where(languages == lang)[0])
        for lang in sorted(set(languages))
    ]
    for name, weight in (("n-grams", None), ("embedding", 0.0), ("mix 0.3", 0.3)):
        print(
            f"{name:10} per language held out {score(grouped, weight):.3f}  "
            f"stratified {score(stratified, weight):.3f}"
        )
    model = _fit(examples, questions, vectors, 0.0)
    diverted = [t for t in real if _route(model, t) != "vraag"]
    print(f"eval questions not treated as a question: {len(diverted)}/{len(real)}")
    for text in diverted:
        print("   ", _route(model, text), "|", text)


def _fit(
    examples: dict[str, list[str]],
    questions: list[str],
    vectors: dict[str, np.ndarray],
    weight: float | None,
) -> IntentModel:
    if weight is None:
        return IntentModel.fit(examples, questions)
    intent.NGRAM_WEIGHT = weight
    texts = [t for items in examples.values() for t in items] + questions
    return IntentModel.fit(
        examples,
        questions,
        np.array([vectors[t] for t in texts]),
        vectors.__getitem__,
        words_only_examples(),  # as the product: these teach the words only
    )


def _route(model: IntentModel, text: str) -> str:
    """What the dialogue does with this text as a first message (see Conversation.handle)."""
    found = model.classify(text)
    extra = model.content_words(text)
    if found.is_small_talk and len(extra) <= 2:
        return "smalltalk"
    if found.kind == MORE and len(extra) <= 1:
        return "meer"
    if found.kind == OFF_TOPIC and found.score >= 0.6:
        return "buiten bereik"
    return "vraag"


if __name__ == "__main__":
    main()

"""What a description says about a field the entry leaves empty: 'Deelname is gratis.'

Many sociale kaarten keep the practical facts in the description ("Gratis, aanmelden niet
nodig.", "Werkwijze: aanmelden via het Geldloket.") and leave ``kosten`` or ``aanmelden``
empty. A follow-up ("wat kost dat?") then got "Dat staat niet in mijn gegevens" while the text
said it. Per field a small classifier (scikit-learn: character and word n-grams, logistic
regression) learns from this kennisbank what its staff write in that field, against what they
write in descriptions. The description sentence it finds most like the field is quoted as
typed, when the classifier calls it the field's (probability at least one half). It learns from
the kennisbank itself, so it reads any municipality's style, and from the bundled examples in
``data/veldzinnen.yaml`` (how people write each fact, and sentences that say none): a field that
the kennisbank seldom fills taught nothing before ("Kosteloos." and "kom gewoon langs!" in
Polderveen's descriptions went unanswered). Trained on first use, in well under a second.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from assistent.kennisbank.model import Voorziening
from assistent.kennisbank.sentences import description_sentences, sentences

FIELDS = ("kosten", "aanmelden", "openingstijden")  # the fields a description may answer
SEED = 0
EXAMPLES_FILE = "veldzinnen.yaml"  # bundled: per field how people write it, and "geen"
NONE = "geen"


@cache
def bundled_examples() -> dict[str, list[str]]:
    """The bundled sentences per field, and those that say no field (``NONE``)."""
    text = resources.files("assistent").joinpath("data", EXAMPLES_FILE).read_text("utf-8")
    return {name: [str(s) for s in said] for name, said in yaml.safe_load(text).items()}


class DescribedFields:
    """Finds the description sentence that answers an empty field. Thread-safe."""

    def __init__(self, entries: Sequence[Voorziening]) -> None:
        self.entries = list(entries)
        self._models: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def sentence(self, entry: Voorziening, field_name: str) -> str | None:
        """The sentence of ``entry``'s description that says its ``field_name``, or None. None
        too when the field is filled: then the field itself answers."""
        if field_name not in FIELDS or getattr(entry, field_name, None):
            return None
        candidates = description_sentences(entry.beschrijving)
        models = self._trained()
        if not candidates:
            return None
        # one sentence may say two fields: "Gratis, aanmelden niet nodig."
        share = models[field_name].predict_proba(candidates)[:, 1]
        best = int(np.argmax(share))
        return candidates[best] if share[best] >= 0.5 else None

    def _trained(self) -> dict[str, Any]:
        with self._lock:
            if self._models is None:
                self._models = {f: self._fit(f) for f in FIELDS}
            return self._models

    def _fit(self, field_name: str) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        bundled = bundled_examples()
        texts = [s for name, said in bundled.items() for s in said]
        labels = [int(name == field_name) for name, said in bundled.items() for _ in said]
        for entry in self.entries:
            value = getattr(entry, field_name, None)
            if not value:  # its description may say the field: no example of either kind
                continue
            said = sentences(value)
            texts += said + (plain := description_sentences(entry.beschrijving))
            labels += [1] * len(said) + [0] * len(plain)
        words = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        )
        model = LogisticRegression(C=4, class_weight="balanced", max_iter=2000, random_state=SEED)
        return make_pipeline(words, model).fit(texts, labels)

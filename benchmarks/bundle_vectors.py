"""Write the vectors the package ships for its own curated texts (assistent/retrieval/bundled.py).

Run after a change to the crisis corpus, the question bank or the turn examples:

    python benchmarks/bundle_vectors.py [--cache OLD.npz]

It opens the assistant on the demo kennisbank with a fresh model folder and trains the turn
model, exactly as a first start does, and records every curated text the first start looks up.
Their vectors come from ``--cache`` (an embedding cache of the same model, e.g. the crisis
model folder's ``cache/<model>.npz``) or the file it replaces where they have them, and are
embedded otherwise. The file goes to ``assistent/data/vectoren/<model>.npz``. With neither it
takes about ten minutes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import assistent.instance as instance_module  # noqa: E402
from assistent.config import Settings  # noqa: E402
from assistent.embed import Embedder, make_embedder  # noqa: E402
from assistent.instance import Instance  # noqa: E402
from assistent.retrieval.bundled import DATA, KIND_QUESTION, BundledVectors, cache_slug  # noqa: E402
from assistent.retrieval.index import KIND_DESCRIPTION  # noqa: E402
from assistent.retrieval.rerank import load_bank_text  # noqa: E402
from assistent.safety.lines import load_crisis_voorbeelden  # noqa: E402
from assistent.safety.training import training_data  # noqa: E402

PROBES = 6


class Recorder:
    """Stands in for the bundled vectors during a first start: hears every key looked up, and
    answers from an older cache or the file this replaces, where they have the key."""

    def __init__(self, old: dict[str, np.ndarray], shipped: BundledVectors | None) -> None:
        self.old = old
        self.shipped = shipped
        self.keys: list[str] = []

    def get(self, key: str) -> np.ndarray | None:
        self.keys.append(key)
        found = self.old.get(key)
        if found is None and self.shipped is not None:
            found = self.old[key] = self.shipped.get(key)
        return found


def _read(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        return {}
    with np.load(path) as data:
        return dict(zip(data["keys"].tolist(), data["vectors"], strict=True))


def probes() -> list[tuple[str, str]]:
    """A few curated texts of both kinds, embedded afresh at load to check the model."""
    texts = training_data(load_crisis_voorbeelden()).texts
    step = max(1, len(texts) // (PROBES - 2))
    out = [(KIND_QUESTION, t) for t in texts[::step][: PROBES - 2]]
    places = load_bank_text().places
    return [*out, (KIND_DESCRIPTION, places[0]), (KIND_DESCRIPTION, places[len(places) // 2])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="an embedding cache of the same model")
    args = parser.parse_args(argv)
    settings = Settings(kennisbank=ROOT / "kennisbank")
    embedder: Embedder = make_embedder(settings)
    target = DATA / f"{cache_slug(embedder)}.npz"
    shipped = BundledVectors.load(target, embedder)  # its vectors need no new embedding
    recorder = Recorder(_read(args.cache) if args.cache else {}, shipped)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            kennisbank=ROOT / "kennisbank",
            index_dir=Path(tmp) / "index",
            data_dir=Path(tmp) / "data",
            crisis_model_dir=Path(tmp) / "veiligheid",
        )
        instance_module.bundled_for = lambda embedder: recorder  # type: ignore[assignment]
        instance = Instance.open(settings, embedder)
        instance.intents()
        stored = _read(settings.safety_dir / "cache" / f"{cache_slug(embedder)}.npz")
        keys = sorted(set(recorder.keys))
        vectors = np.stack([stored.get(k, recorder.old.get(k)) for k in keys])
        embedder_id = f"{embedder.backend}/{embedder.model}"
        BundledVectors.write(target, keys, vectors, probes(), embedder_id)
        shutil.rmtree(tmp, ignore_errors=True)
    size = target.stat().st_size / 1e6
    print(f"{len(keys)} vectoren naar {target.relative_to(ROOT)} ({size:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

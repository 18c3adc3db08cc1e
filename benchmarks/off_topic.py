"""Off-topic questions as the chat reads them: how many get the CJG, and how many real ones do.

    python benchmarks/off_topic.py                  # own and sealed eval sets (all seen before)
    python benchmarks/off_topic.py --set FILE.yaml  # also a set of plain lists `buiten:` and
                                                    # `vraag:` (a sealed set: score it once)

Per kennisbank (Voorbeeldstad, Rivierdal, Heuvelland), every eval question answered twice: by
the search alone (as `benchmarks/retrieval_fusion.py` measures) and as the chat answers a first
message, with the turn model's off-topic reading (`IntentModel.off_topic`). "Naar het CJG" means
the honest no-match with the CJG first. An off-topic case is one that expects only the CJG.
The crisis model is trained on first use (minutes, cold); set ASSISTENT_CRISIS_MODEL_DIR to an
existing one to reuse it. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval_fusion import fallback_ids, is_off_topic

from assistent.beheer.evaluation import load_cases
from assistent.config import Settings
from assistent.instance import Instance

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval"
SEALED = EVAL / "sealed"
KENNISBANKEN = {
    "voorbeeldstad": (
        ROOT / "kennisbank",
        [
            EVAL / "voorbeeldstad.yaml",
            EVAL / "buiten_bereik.yaml",
            SEALED / "voorbeeldstad_sealed.yaml",
        ],
    ),
    "rivierdal": (
        ROOT / "tests" / "fixtures" / "kennisbank_rivierdal",
        [EVAL / "rivierdal.yaml", SEALED / "rivierdal_sealed.yaml"],
    ),
    "heuvelland": (
        ROOT / "tests" / "fixtures" / "kennisbank_heuvelland",
        [SEALED / "heuvelland_sealed.yaml"],
    ),
}


def share(values: list[bool]) -> float | None:
    return round(float(np.mean(values)), 3) if values else None


def score(instance: Instance, off: list[str], real: list[str]) -> dict:
    """Share of off-topic and real questions that get the CJG, search alone and as in the chat."""
    assistant, reading = instance.assistant, instance.intents().off_topic
    elsewhere = {q: reading(q) for q in [*off, *real]}
    flagged = [q for q in real if elsewhere[q]]
    result = {"buiten_bereik": len(off), "echte_vragen": len(real)}

    def to_cjg(question: str, chat: bool) -> bool:
        return assistant.answer(question, off_topic=chat and elsewhere[question]).abstained

    for name, chat in (("zoeken_alleen", False), ("zoals_de_chat", True)):
        result[name] = {
            "buiten_bereik_naar_cjg": share([to_cjg(q, chat) for q in off]),
            "echte_vragen_naar_cjg": share([to_cjg(q, chat) for q in real]),
        }
    result["echte_vragen_buiten_gelezen"] = flagged
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", type=Path, help="YAML with lists buiten: and vraag:")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="buiten-"))
    extra = yaml.safe_load(args.set.read_text(encoding="utf-8")) if args.set else None
    safety = Path(os.environ.get("ASSISTENT_CRISIS_MODEL_DIR") or work / "veiligheid")
    report = {}
    for name, (folder, files) in KENNISBANKEN.items():
        settings = Settings(
            kennisbank=folder,
            index_dir=work / name,
            data_dir=work / "data",
            crisis_model_dir=safety,  # one crisis model for all three
        )
        instance = Instance.open(settings)
        cases = [c for f in files for c in load_cases(f)]
        cjg = fallback_ids(instance.kennisbank.entries)
        off = [c.vraag for c in cases if is_off_topic(c, cjg)]
        real = [c.vraag for c in cases if c.verwacht and not is_off_topic(c, cjg)]
        report[name] = score(instance, off, real)
        if extra:
            report[f"{name} ({args.set.name})"] = score(instance, extra["buiten"], extra["vraag"])
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

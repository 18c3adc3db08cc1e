"""Scripted conversations on every set we have, per kennisbank, as `assistent chat` plays them.

    python benchmarks/conversations.py [--sets GLOB ...] [--fouten]

Each file in `tests/eval/gesprekken*.yaml` and `tests/eval/sealed/gesprekken*.yaml` is played on
the kennisbank its name says (rivierdal, heuvelland, lindewaard, polderveen, kranenveld,
zandhoven, brakeldijk, wolderveen, hoogeroord, elsterhove, meerhaven, oosterkempen, else
Voorbeeldstad), from a fresh session per conversation, and scored per turn exactly as `assistent
eval --gesprekken` does. `--fouten` also prints each wrong turn with what the user typed, what
was expected and what came back: these are our own test texts, never a user's message. Set
`ASSISTENT_CRISIS_MODEL_DIR` to a trained crisis model to skip training it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistent.beheer.gesprekken import load_conversations, run_conversations
from assistent.config import Settings
from assistent.conversation import Conversation
from assistent.instance import Instance

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval"
KENNISBANKEN = {
    "voorbeeldstad": ROOT / "kennisbank",
    "rivierdal": ROOT / "tests" / "fixtures" / "kennisbank_rivierdal",
    "heuvelland": ROOT / "tests" / "fixtures" / "kennisbank_heuvelland",
    "lindewaard": ROOT / "tests" / "fixtures" / "kennisbank_lindewaard",
    "polderveen": ROOT / "tests" / "fixtures" / "kennisbank_polderveen",
    "kranenveld": ROOT / "tests" / "fixtures" / "kennisbank_kranenveld",
    "zandhoven": ROOT / "tests" / "fixtures" / "kennisbank_zandhoven",
    "brakeldijk": ROOT / "tests" / "fixtures" / "kennisbank_brakeldijk",
    "wolderveen": ROOT / "tests" / "fixtures" / "kennisbank_wolderveen",
    "hoogeroord": ROOT / "tests" / "fixtures" / "kennisbank_hoogeroord",
    "elsterhove": ROOT / "tests" / "fixtures" / "kennisbank_elsterhove",
    "meerhaven": ROOT / "tests" / "fixtures" / "kennisbank_meerhaven",
    "oosterkempen": ROOT / "tests" / "fixtures" / "kennisbank_oosterkempen",
}


def kennisbank_of(path: Path) -> str:
    """The kennisbank a conversation file is written for, by its name."""
    return next((name for name in KENNISBANKEN if name in path.name), "voorbeeldstad")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", nargs="*", type=Path, help="conversation files (default: all)")
    parser.add_argument("--fouten", action="store_true", help="print every wrong turn")
    args = parser.parse_args()
    files = args.sets or sorted(
        [*EVAL.glob("gesprekken*.yaml"), *(EVAL / "sealed").glob("gesprekken*.yaml")]
    )
    work = Path(tempfile.mkdtemp(prefix="gesprekken-"))
    safety = Path(os.environ.get("ASSISTENT_CRISIS_MODEL_DIR") or work / "veiligheid")
    conversations: dict[str, Conversation] = {}
    report: dict[str, dict] = {}
    right = total = 0
    for path in files:
        name = kennisbank_of(path)
        if name not in conversations:
            settings = Settings(
                kennisbank=KENNISBANKEN[name],
                index_dir=work / name,
                data_dir=work / "data",
                crisis_model_dir=safety,
            )
            instance = Instance.open(settings)
            conversations[name] = Conversation(
                instance.current, page_size=settings.top_k, intents=instance.intents
            )
        gesprekken = load_conversations(path)
        result = run_conversations(conversations[name], gesprekken)
        summary = result.to_dict()
        right, total = right + summary["goed"], total + summary["beurten"]
        report[path.name] = {k: summary[k] for k in ("beurten", "goed", "aandeel", "per_soort")}
        if args.fouten:
            said = [b for g in gesprekken for b in g.beurten]  # in the order they were played
            for turn, beurt in zip(result.turns, said, strict=True):
                if not turn.goed:
                    verwacht = beurt.verwacht.model_dump(exclude_defaults=True)
                    print(f"{path.name} | {turn.gesprek} #{turn.beurt}", file=sys.stderr)
                    print(f"   zei:      {beurt.gebruiker}", file=sys.stderr)
                    print(f"   verwacht: {verwacht}", file=sys.stderr)
                    print(f"   kreeg:    {turn.kreeg}", file=sys.stderr)
    report["samen"] = {"beurten": total, "goed": right, "aandeel": round(right / total, 4)}
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

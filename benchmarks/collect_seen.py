"""Fold seen evaluation sets into the crisis corpus: messages by other writers, with their labels.

    python benchmarks/collect_seen.py tests/eval/sealed/crisis_sealed_31.yaml ...

Every sealed set was written by a helper who saw neither the corpus nor the code, and was
scored once; after that it is seen. Its messages are the best training data we have for what
the corpus writers did not think of: heavy ordinary stories in other people's words, and crises
phrased like ordinary questions. This script writes them all to
``assistent/data/crisis_corpus/verzameld.yaml``, each with the situation ``verzameld-<line>``
(or ``verzameld-gewoon``) and the register ``schrijver-<set>``, so the threshold's
cross-validation holds out one writer at a time. Pass every seen set each time (the file is
rewritten); a set still to be scored must never be passed.

What a set gives:
- a crisis set (``vraag``, ``crisis``): each message with its line, or as ordinary;
- a conversation set (``beurten``): each turn, with its line for a crisis turn, else ordinary.

A message already in the corpus, or given two labels, is left out (the corpus test requires one
label per message), and so are the crises of a language beyond the Dutch share (``balanced``).
The word view alone learns from this file (``training.WORDS_ONLY_FILE``):
it costs no embedding, and the word view trains in seconds where the meaning view's SVM grows
with the square of the corpus.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistent.language import detect  # noqa: E402
from assistent.safety.categories import CATEGORIES  # noqa: E402
from assistent.safety.lines import NONE, load_corpus  # noqa: E402

OUT = ROOT / "assistent" / "data" / "crisis_corpus" / "verzameld.yaml"
HEADER = """\
# Berichten uit geziene evaluatiesets, als trainingsdata voor de veiligheidscheck.
# Gemaakt met: python benchmarks/collect_seen.py (niet met de hand bewerken).
# Elke set is geschreven door een helper die het corpus en de code niet zag, en is één keer als
# verzegelde set gescoord (docs/metingen.md). Daarna is hij gezien, en leert het model ervan: zware
# gewone verhalen en crises in de woorden van andere schrijvers. Het label komt uit de set
# (de lijn, of gewoon); het register is de set, zodat de kruisvalidatie een schrijver tegelijk
# weghoudt. Alle berichten zijn verzonnen testberichten; geen echte personen of gebruikers.
"""


def key(text: str) -> str:
    """How the corpus test compares messages: case and spacing do not count."""
    return " ".join(text.casefold().split())


def labelled(path: Path) -> list[tuple[str, str]]:
    """The (message, label) pairs of one evaluation set; label a line or ``NONE``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SystemExit(
            f"{path}: niet te lezen ({type(exc).__name__}); geef een geziene set"
        ) from exc
    if not isinstance(data, list):
        raise SystemExit(f"{path}: geen lijst van vragen of gesprekken")
    pairs: list[tuple[str, str]] = []
    for item in data:
        if "beurten" in item:
            for turn in item["beurten"]:
                expected = turn.get("verwacht") or {}
                crisis = expected.get("crisis") if expected.get("soort") == "crisis" else None
                pairs.append((str(turn["gebruiker"]), str(crisis) if crisis else NONE))
        elif "vraag" in item:
            crisis = item.get("crisis")
            pairs.append((str(item["vraag"]), NONE if crisis in (None, "", NONE) else str(crisis)))
    for text, label in pairs:
        if label != NONE and label not in CATEGORIES:
            raise SystemExit(f"{path}: onbekende crisis {label!r} bij {text[:40]!r}")
    return pairs


def balanced(found: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """At most the Dutch share of crises in every other language: where a language's messages
    are more often crises than the Dutch ones, its letters alone start to look like danger
    (Ukrainian 'що робити' went over 0.5 in the word view). The crises kept are spread over the
    sets, in order."""
    by_language: dict[str, list[tuple[str, str, str]]] = {}
    for item in found:
        by_language.setdefault(detect(item[0]), []).append(item)
    dutch = by_language.get("nl", [])
    share = sum(label != NONE for _, label, _ in dutch) / max(1, len(dutch))
    kept: list[tuple[str, str, str]] = []
    for language, items in by_language.items():
        crises = [i for i in items if i[1] != NONE]
        ordinary = [i for i in items if i[1] == NONE]
        most = len(crises) if language == "nl" else int(len(ordinary) * share / (1 - share))
        step = max(1, len(crises)) / max(1, min(most, len(crises)))
        chosen = {id(crises[int(n * step)]) for n in range(min(most, len(crises)))}
        kept += [i for i in items if i[1] == NONE or id(i) in chosen]
    order = {id(item): n for n, item in enumerate(found)}
    return sorted(kept, key=lambda item: order[id(item)])


def main(paths: list[Path]) -> None:
    if not paths:
        raise SystemExit(__doc__)
    existing = {key(m.tekst) for m in load_corpus() if m.bestand != OUT.name}
    found: dict[str, tuple[str, str, str] | None] = {}  # key -> (text, label, set) or a conflict
    for path in sorted(paths):
        for text, label in labelled(path):
            k = key(text)
            if not k or k in existing:
                continue
            if k in found:
                if found[k] is not None and found[k][1] != label:  # type: ignore[index]
                    found[k] = None
                continue
            found[k] = (text, label, path.stem)
    kept = balanced([v for v in found.values() if v is not None])
    rows = [
        {
            "tekst": text,
            "situatie": f"verzameld-{'gewoon' if label == NONE else label}",
            "register": f"schrijver-{stem}",
        }
        for text, label, stem in kept
    ]
    body = yaml.safe_dump(rows, allow_unicode=True, sort_keys=False, width=100_000)
    OUT.write_text(HEADER + body, encoding="utf-8")
    crises = sum(r["situatie"] != "verzameld-gewoon" for r in rows)
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} berichten ({crises} crises) uit {len(paths)} sets")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]])

"""Fold seen evaluation sets into the training data: messages by other writers, with their labels.

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

The turns of the conversation sets also go to ``assistent/data/dialoog-verzameld.yaml``, for the
turn model (``assistent.intent``), with the kind the set expects: a new question (``vraag``), a
follow-up about a field (``vervolg_<veld>``), ``meer``, or not about parenting (``buiten``). Small
talk (the set does not say which kind) and crisis turns (the safety check reads those first) are
left out, and so is a short later question (``MIN_WORDS``): it may refine the last one, which the
set does not tell apart. A turn already among the curated examples, or given two kinds, is left
out too.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistent.intent import (  # noqa: E402
    FIELDS,
    FOLLOW_UP_PREFIX,
    MORE,
    OFF_TOPIC,
    QUESTION,
    SEEN_FILE,
    _key,
    load_examples,
)
from assistent.language import detect  # noqa: E402
from assistent.safety.categories import CATEGORIES  # noqa: E402
from assistent.safety.lines import NONE, load_corpus  # noqa: E402

OUT = ROOT / "assistent" / "data" / "crisis_corpus" / "verzameld.yaml"
DIALOG_OUT = ROOT / "assistent" / "data" / SEEN_FILE
# A later question shorter than this may refine the last one ("en als hij 13 is?"): left out.
MIN_WORDS = 10
# New questions kept, evenly spread over the sets: every example is embedded when the turn model
# trains (cold, in CI too), and the follow-ups, not the questions, are what the examples lacked.
MAX_QUESTIONS = 400
DIALOG_HEADER = """\
# Beurten uit geziene gesprekssets, als voorbeelden voor het beurtmodel (assistent/intent.py).
# Gemaakt met: python benchmarks/collect_seen.py (niet met de hand bewerken).
# Elke set is geschreven door een helper die de code en de voorbeelden niet zag, en is één keer
# als verzegelde set gescoord (docs/metingen.md). De soort komt uit de set: een nieuwe vraag, een
# vervolgvraag over een veld, meer, of buiten bereik. Alle zinnen zijn verzonnen testberichten.
"""
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


def one_label(
    items: Iterable[tuple[str, str, str]], keyed: Callable[[str], str], known: set[str]
) -> list[tuple[str, str, str]]:
    """(text, label, set) in order, each text once: none already ``known``, none given two
    labels (by ``keyed`` text)."""
    found: dict[str, tuple[str, str, str] | None] = {}  # key -> the item, or None: a conflict
    for item in items:
        k = keyed(item[0])
        if not k or k in known:
            continue
        if k in found:
            if found[k] is not None and found[k][1] != item[1]:  # type: ignore[index]
                found[k] = None
            continue
        found[k] = item
    return [item for item in found.values() if item is not None]


def turn_kinds(path: Path) -> list[tuple[str, str]]:
    """The (turn, kind) pairs of one conversation set, for the turn model; none for a crisis set."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    pairs: list[tuple[str, str]] = []
    for item in data:
        for number, turn in enumerate(item.get("beurten") or []):
            text, expected = str(turn["gebruiker"]), turn.get("verwacht") or {}
            soort = expected.get("soort")
            if soort == "advies" and (number == 0 or len(text.split()) >= MIN_WORDS):
                pairs.append((text, QUESTION))
            elif soort == "vervolg" and expected.get("veld") in FIELDS:
                pairs.append((text, FOLLOW_UP_PREFIX + expected["veld"]))
            elif soort == "meer":
                pairs.append((text, MORE))
            elif soort == "geen-match":
                pairs.append((text, OFF_TOPIC))
    return pairs


def collect_turns(paths: list[Path]) -> dict[str, list[str]]:
    """The seen turns per kind, without the curated examples (``load_examples(seen=False)``:
    this file itself is not read, it is rewritten) and without any turn given two kinds."""
    curated = {_key(t) for texts in load_examples(seen=False).values() for t in texts}
    labelled_turns = (
        (text, kind, path.stem) for path in sorted(paths) for text, kind in turn_kinds(path)
    )
    per_kind: dict[str, list[str]] = {}
    for text, kind, _ in one_label(labelled_turns, _key, curated):
        per_kind.setdefault(kind, []).append(text)
    questions = per_kind.get(QUESTION, [])
    if len(questions) > MAX_QUESTIONS:
        step = len(questions) / MAX_QUESTIONS
        per_kind[QUESTION] = [questions[int(n * step)] for n in range(MAX_QUESTIONS)]
    return per_kind


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
    messages = (
        (text, label, path.stem) for path in sorted(paths) for text, label in labelled(path)
    )
    kept = balanced(one_label(messages, key, existing))
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
    turns = collect_turns(paths)
    body = yaml.safe_dump(turns, allow_unicode=True, sort_keys=True, width=100_000)
    DIALOG_OUT.write_text(DIALOG_HEADER + body, encoding="utf-8")
    counts = ", ".join(f"{kind} {len(texts)}" for kind, texts in sorted(turns.items()))
    print(f"{DIALOG_OUT.relative_to(ROOT)}: {counts}")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]])

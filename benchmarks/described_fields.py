"""Does a follow-up find a fact that only the description says? (kennisbank/described.py)

For every kennisbank in the repo and each field (kosten, aanmelden, openingstijden), every
place that fills the field is played as if its staff had written the fact in the description
instead: the field is emptied and its value appended to the description. The finder, trained on
that kennisbank as changed, should quote the appended sentence ("found"), not another sentence
("wrong"), nor nothing ("missed"). The same place with the field emptied and nothing appended
should quote nothing; a sentence there is a false find (its description may say the fact too,
so this over-counts).

    python benchmarks/described_fields.py

Reports per kennisbank and in all, for the finder as it is. No timing; the figures are exact.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistent.kennisbank import load_kennisbank  # noqa: E402
from assistent.kennisbank.described import FIELDS, DescribedFields  # noqa: E402
from assistent.kennisbank.sentences import sentences  # noqa: E402

KENNISBANKEN = {
    "voorbeeldstad": ROOT / "kennisbank",
    **{
        p.name.removeprefix("kennisbank_"): p
        for p in sorted((ROOT / "tests" / "fixtures").glob("kennisbank_*"))
        if p.name != "kennisbank_mini"
    },
}


def play(path: Path) -> Counter:
    """found / wrong / missed / false per field, for one kennisbank."""
    entries = load_kennisbank(path).entries
    counts: Counter = Counter()
    for field_name in FIELDS:
        for i, entry in enumerate(entries):
            value = getattr(entry, field_name, None)
            if not value:
                continue
            said = sentences(value)
            moved = entry.model_copy(
                update={field_name: None, "beschrijving": f"{entry.beschrijving}\n\n{value}"}
            )
            emptied = entry.model_copy(update={field_name: None})
            for changed, expect in ((moved, said), (emptied, None)):
                others = [*entries[:i], changed, *entries[i + 1 :]]
                quote = DescribedFields(others).sentence(changed, field_name)
                if expect is None:
                    counts[f"{field_name}:false"] += quote is not None
                    counts[f"{field_name}:places"] += 1
                elif quote is None:
                    counts[f"{field_name}:missed"] += 1
                else:
                    counts[f"{field_name}:{'found' if quote in expect else 'wrong'}"] += 1
    return counts


def main() -> None:
    total: Counter = Counter()
    print("| kennisbank | veld | gevonden | ander zin | niets | onterecht bij leeg veld |")
    print("|---|---|---|---|---|---|")
    for name, path in KENNISBANKEN.items():
        counts = play(path)
        total.update(counts)
        for field_name in FIELDS:
            _row(name, field_name, counts)
    for field_name in FIELDS:
        _row("**alle**", field_name, total)


def _row(name: str, field_name: str, counts: Counter) -> None:
    n = counts[f"{field_name}:places"]
    if not n:
        print(f"| {name} | {field_name} | – | – | – | – |")
        return
    found, wrong, missed = (counts[f"{field_name}:{k}"] for k in ("found", "wrong", "missed"))
    false = counts[f"{field_name}:false"]
    print(
        f"| {name} | {field_name} | {found}/{n} ({found / n:.2f}) | {wrong} | {missed} "
        f"| {false}/{n} ({false / n:.2f}) |"
    )


if __name__ == "__main__":
    main()

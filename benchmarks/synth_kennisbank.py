"""Generate a synthetic national kennisbank from the demo entries, for the scale benchmark.

Every gemeente gets copies of the demo gemeente's local entries with its own name, slug, wijken,
phone numbers and varied age ranges; further copies per gemeente are other locations in other
wijken ("Home-Start Aalveen, locatie Oost"). The landelijke entries appear once. The result is
deterministic for a given size.

    python benchmarks/synth_kennisbank.py 100000 /tmp/kb-100k   # write Markdown files

The scale benchmark builds the entries in memory (``synthetic_kennisbank``) and records which
demo text every synthetic text was made from (``origins``), so it can embed 100k entries on two
cores through the demo texts (see ``benchmarks/scale.py``). Used by benchmarks, never by tests.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistent.kennisbank import Kennisbank, Voorziening, load_kennisbank  # noqa: E402
from assistent.kennisbank.write import write_entry  # noqa: E402
from assistent.retrieval.calibration import pseudo_questions  # noqa: E402
from assistent.retrieval.index import entry_texts  # noqa: E402

GEMEENTEN = 342
DEMO = "Voorbeeldstad"
DEMO_WIJKEN = ("Centrum", "Noord", "Zuid")

_HEADS = [
    "Aal", "Beek", "Berg", "Bloem", "Bos", "Brug", "Dal", "Dijk", "Eik", "Gouw", "Haar", "Heem",
    "Hof", "Holt", "Horn", "Kerk", "Laar", "Lind", "Mol", "Oost", "Ree", "Rijn", "Sloot", "Steen",
    "Ter", "Veld", "Vliet", "Wald", "Wes", "Zand", "Zee", "Zwaan", "Elst", "Oude", "Nieuw", "Groot",
    "Klein", "Noord", "Zuid", "West",
]  # fmt: skip
_TAILS = ["veen", "dorp", "stad", "hoven", "wijk", "horst", "meer", "dam", "broek", "rode"]
_WIJKEN = [
    "Centrum", "Noord", "Zuid", "Oost", "West", "De Hoven", "Kern", "Buitengebied", "Haven",
    "Molenwijk", "Parkwijk", "De Velden", "Bloemenbuurt", "Stationskwartier", "Oud-Dorp",
]  # fmt: skip


def gemeente_names(n: int = GEMEENTEN) -> list[str]:
    """n distinct, Dutch-sounding, made-up gemeente names (stable order)."""
    names = [f"{head}{tail}" for tail in _TAILS for head in _HEADS]
    return names[:n]


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


@dataclass
class Synthetic:
    """A generated kennisbank and where each generated text came from."""

    kennisbank: Kennisbank
    origins: dict[str, str] = field(default_factory=dict)  # synthetic text → demo text


def _swap(value: object, table: list[tuple[str, str]]) -> object:
    if isinstance(value, str):
        for old, new in table:
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_swap(v, table) for v in value]
    if isinstance(value, dict):
        return {k: _swap(v, table) for k, v in value.items()}
    return value


def synthetic_kennisbank(size: int, seed: int = 14) -> Synthetic:
    """A kennisbank of about ``size`` entries over up to 342 gemeenten (size ≥ 44)."""
    demo = load_kennisbank(ROOT / "kennisbank")
    national = [e for e in demo.entries if e.landelijk]
    local = [e for e in demo.entries if not e.landelijk]
    if size <= len(demo.entries):
        return Synthetic(demo, {})
    rng = random.Random(seed)
    per_gemeente = len(local)
    n_gemeenten = min(GEMEENTEN, max(1, (size - len(national)) // per_gemeente))
    copies = (size - len(national)) / (n_gemeenten * per_gemeente)
    entries: list[Voorziening] = list(national)
    origins: dict[str, str] = {}
    budget = size - len(national)
    for g, name in enumerate(gemeente_names(n_gemeenten)):
        wijken = rng.sample(_WIJKEN, rng.randint(3, 8))
        rename = dict(zip(DEMO_WIJKEN, wijken, strict=False))
        share = round(copies * (g + 1) * per_gemeente) - round(copies * g * per_gemeente)
        for k in range(min(share, budget - (len(entries) - len(national)))):
            template = local[k % per_gemeente]
            location = k // per_gemeente
            table = [(DEMO, name), (DEMO.lower(), slug(name))]
            table += [(old, rename[old]) for old in DEMO_WIJKEN]
            data = _swap(template.model_dump(mode="json"), table)
            assert isinstance(data, dict)
            data["id"] = f"{template.id}-{slug(name)}-{location}".replace(
                f"-{slug(name)}-{slug(name)}", f"-{slug(name)}"
            )
            if location:
                place = wijken[location % len(wijken)]
                data["naam"] = f"{data['naam']}, locatie {place}"
                data["wijken"] = [place]
            if data.get("leeftijd"):
                van = max(0, data["leeftijd"]["van"] + rng.choice([-1, 0, 0, 1]))
                tot = min(30, max(van, data["leeftijd"]["tot"] + rng.choice([-2, -1, 0, 1, 2])))
                data["leeftijd"] = {"van": van, "tot": tot}
            phone = f"0{rng.randint(10, 99)}-{rng.randint(100, 999)} {rng.randint(1000, 9999)}"
            if data["contact"].get("telefoon"):
                data["contact"]["telefoon"] = phone
            entry = Voorziening.model_validate(data)
            entries.append(entry)
            for new, old in zip(entry_texts(entry), entry_texts(template), strict=True):
                origins[new.text] = old.text
            new_q = pseudo_questions(entry.naam, entry.onderwerpen)
            old_q = pseudo_questions(template.naam, template.onderwerpen)
            origins.update(zip(new_q, old_q, strict=True))
    kb = Kennisbank(root=Path(f"synthetisch-{size}"), entries=entries)
    return Synthetic(kb, origins)


def edit_one(kb: Kennisbank, number: int = 7) -> Kennisbank:
    """The same kennisbank with one entry's description changed (a CJG worker's edit)."""
    entries = list(kb.entries)
    i = number % len(entries)
    entries[i] = entries[i].model_copy(
        update={"beschrijving": entries[i].beschrijving + " Nieuw: ook op zaterdag open."}
    )
    return Kennisbank(root=kb.root, entries=entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=int, help="aantal voorzieningen, bv. 100000")
    parser.add_argument("folder", type=Path, help="lege map voor de kennisbank")
    args = parser.parse_args()
    synthetic = synthetic_kennisbank(args.size)
    for entry in synthetic.kennisbank.entries:
        write_entry(args.folder, entry)
    gemeenten = synthetic.kennisbank.gemeenten
    print(f"{len(synthetic.kennisbank.entries)} voorzieningen in {len(gemeenten)} gemeenten")


if __name__ == "__main__":
    main()

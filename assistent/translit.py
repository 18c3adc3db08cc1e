"""Ukrainian and Russian typed in Latin letters ("moj syn ne dyshit"), read in Cyrillic.

Many Ukrainian and Russian parents in the Netherlands type on a Dutch keyboard. The safety check,
the search and the turn model know those languages in Cyrillic, not in the many Latin spellings
people use. A Latin-script message counts as transliterated when most of its words are, spelled
loosely, words of the package's own Ukrainian and Russian texts (the fixed texts, the turn
examples, the crisis corpus and the acute phrases), and more of its words are only theirs than
only the Latin-script texts' ("ile to kosztuje" is Polish): both vocabularies come from that
data, not from a list here. Such a message is then spelled in Cyrillic, in the language that
the words only one of the two has point to. Any other message is left as it is. Never raises;
the last readings are kept in memory only, like the embedding cache.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable

# The package's texts in Ukrainian and in Russian, whose words make the vocabulary (the acute
# phrases mix both: there a word's letters tell, else it counts for both).
SOURCES = {
    "uk": ("teksten/uk.yaml", "dialoog-uk.yaml", "crisis_corpus/talen-uk.yaml"),
    "ru": ("teksten/ru.yaml", "dialoog-ru.yaml", "crisis_corpus/talen-ru.yaml"),
    "": ("crisis_regels.yaml",),
}
MIN_WORDS = 2  # of a longer message, at least this many words must be ours
MIN_ALONE = 6  # a message of one word: that word this long ("pomogite", not "mama")
MIN_SHARE = 0.6  # of the words of two letters or more, at least this share must be known

_ONLY = {"uk": "іїєґ", "ru": "ыэъё"}  # letters only one of the two languages has
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+(?:['’][\u0400-\u04ff]+)?")
_LATIN_WORD = re.compile(r"[a-zA-Z\u00c0-\u024f]+(?:['’][a-zA-Z\u00c0-\u024f]*)?")
# Loose spelling: the ways people write one Cyrillic letter become one key ("shch", "sch" and
# "szcz" for щ; "zh", "z" and "ż" for ж; "kh", "h", "g" for х and г; "ya", "ja", "ia" for я).
_LOOSE = (
    ("szcz", "sc"),
    ("shch", "sc"),
    ("sch", "sc"),
    ("sz", "s"),
    ("sh", "s"),
    ("cz", "c"),
    ("ch", "c"),
    ("zh", "z"),
    ("kh", "g"),
    ("ts", "c"),
    ("tz", "c"),
    ("h", "g"),
    ("x", "g"),
    ("w", "v"),
    ("ł", "l"),
    ("j", "i"),
    ("y", "i"),
)


def loose(word: str) -> str:
    """A Latin spelling of a word, reduced to a key that its other spellings share."""
    key = unicodedata.normalize("NFKD", word.casefold())  # "ž", "ż" and "z": one letter
    key = "".join(c for c in key if "a" <= c <= "z" or c == "ł")
    for spelled, letter in _LOOSE:
        key = key.replace(spelled, letter)
    return re.sub(r"(.)\1+", r"\1", key)  # "ochenn" and "ochen": one key


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, dict[str, str]]:
    """Per loose key and language the Cyrillic word of the package's texts it spells (the most
    used one when several share a key); "ne" is "не" in both languages."""
    import cyrtranslit

    counts: dict[str, dict[str, dict[str, int]]] = {}
    data = resources.files("assistent") / "data"
    for source, names in SOURCES.items():
        for name in names:
            text = (data / name).read_text(encoding="utf-8").casefold()
            for word in _CYRILLIC_WORD.findall(text):
                if len(word) < 2:
                    continue
                own = [c for c in ("uk", "ru") if set(word) & set(_ONLY[c])]
                languages = [source] if source else own or ["uk", "ru"]
                # both ways of writing: "г" is "h" in Ukrainian and "g" in Russian
                for key in {loose(cyrtranslit.to_latin(word, s)) for s in ("ua", "ru")} - {""}:
                    for language in languages:
                        per = counts.setdefault(key, {}).setdefault(language, {})
                        per[word] = per.get(word, 0) + 1
    return {
        key: {language: max(per, key=per.__getitem__) for language, per in by.items()}
        for key, by in counts.items()
    }


@lru_cache(maxsize=1)
def latin_words() -> frozenset[str]:
    """Every word, exactly as written, of the package's texts in Latin-script languages."""
    data = resources.files("assistent") / "data"
    found: set[str] = set()
    for path in _files(data):
        found.update(_LATIN_WORD.findall(path.read_text(encoding="utf-8").casefold()))
    return frozenset(found)


def _files(data: Traversable) -> list[Traversable]:
    out = []
    for item in data.iterdir():
        if item.is_dir() and item.name in ("teksten", "crisis_corpus"):
            out += [f for f in item.iterdir() if f.name.endswith(".yaml")]
        elif item.name.startswith("dialoog") and item.name.endswith(".yaml"):
            out.append(item)
    ours = {name.rsplit("/", 1)[-1] for names in SOURCES.values() for name in names}
    return [f for f in out if f.name not in ours]


def reading(text: str) -> str | None:
    """The message in Cyrillic when it is Ukrainian or Russian typed in Latin letters, else
    None. Each word the vocabulary knows is spelled as in the package's texts ("khochu" and
    "hochu" are "хочу"); cyrtranslit spells the rest."""
    try:
        return _reading(text)
    except Exception:  # a nicety: never let it cost an answer
        return None


@lru_cache(maxsize=256)
def _reading(text: str) -> str | None:
    if any("\u0400" <= c <= "\u04ff" for c in text):
        return None  # Cyrillic already
    known, latin = vocabulary(), latin_words()
    words = [w for w in _LATIN_WORD.findall(text.casefold()) if len(w) >= 2]
    keys = [loose(w) for w in words]
    # words only the Cyrillic texts know, against words only the Latin-script ones know
    ours = sum(k in known and w not in latin for w, k in zip(words, keys, strict=True))
    theirs = sum(w in latin and k not in known for w, k in zip(words, keys, strict=True))
    if len(words) == 1:  # "pomogite!!": one long word of ours alone
        return _spelled(text, known) if ours and len(keys[0]) >= MIN_ALONE else None
    found = sum(k in known for k in keys)
    if found < MIN_WORDS or found < MIN_SHARE * len(words) or ours < MIN_WORDS or ours <= theirs:
        return None
    return _spelled(text, known)


def _spelled(text: str, known: dict[str, dict[str, str]]) -> str:
    """Every word in Cyrillic, in the language more of the words only one language has say."""
    import cyrtranslit

    key_of: dict[str, str] = {}

    def key(word: str) -> str:  # each word's loose key once ("ne ... ne": one)
        if word not in key_of:
            key_of[word] = loose(word)
        return key_of[word]

    keys = [key(w) for w in _LATIN_WORD.findall(text.casefold())]
    votes = [next(iter(known[k])) for k in keys if k in known and len(known[k]) == 1]
    language = "uk" if votes.count("uk") > votes.count("ru") else "ru"

    def spell(match: re.Match[str]) -> str:
        word = match.group(0)
        spelled = key(word.casefold())  # loose() casefolds anyway: the same key
        if len(word) >= 2 and spelled in known:
            return known[spelled].get(language) or next(iter(known[spelled].values()))
        # the Russian scheme reads both languages' Latin spellings best ("zh", "sh", "ch")
        return cyrtranslit.to_cyrillic(word.casefold(), "ru")

    return _LATIN_WORD.sub(spell, text)

"""What kind of turn a message is: a new question, a follow-up on the last answer, or small talk.

A small learned model (scikit-learn: character and word n-grams, logistic loss) is trained
on ``data/dialoog.yaml`` — example turns in the languages it reads — against ordinary parenting
questions (the crisis corpus's non-crisis messages and the handwritten contrast questions). It
trains in a few seconds on first use and is kept on disk (``save``/``load``; the instance keeps
it beside the crisis model). The safety check always runs before this model.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistent.files import SAFE_LOADER, read_yaml, write_bytes_atomic
from assistent.language import LANGUAGES, STOP_WORDS
from assistent.linear import LinearModel, TextModel
from assistent.safety.lines import load_corpus

QUESTION = "vraag"
OFF_TOPIC = (
    "buiten"  # not about parenting at all: parking, weather, waste (data/buiten_bereik.yaml)
)
# Not about parenting at all (parking, weather): the CJG with an honest "no match" at this share.
OFF_TOPIC_SHARE = 0.6
MORE = "meer"
# Where to report a worry about a child ("moet ik dat melden?"): not signing up ("aanmelden").
REPORT = "melden"
REFINE = "verfijning"
FOLLOW_UP_PREFIX = "vervolg_"
SMALL_TALK = ("groet", "bedankt", "wie_ben_jij", "wat_kun_je", "weet_het_niet_meer", "doei")
# A thank-you or goodbye the model is this sure of is small talk with any words around it.
CLOSINGS = ("bedankt", "doei")
SURE_CLOSING = 0.9
FIELDS = ("kosten", "aanmelden", "openingstijden", "adres", "contact", "info")
# A turn other than a question must be the model's clear choice; else it is a new question.
MIN_SHARE = 0.5
# Ordinary questions per training run (a fixed sample keeps training about a second).
MAX_QUESTIONS = 800
# The share of the n-gram view when the embedding view is there too. Measured with
# benchmarks/intent_cv.py: held out by language, the embedding view alone reads 0.49 of the turns
# (n-grams mixed in at 0.3: 0.34), and it sends no real question from the eval sets elsewhere.
NGRAM_WEIGHT = 0.0
# A word in at least this share of the ordinary questions is an everyday word (everyday_words).
EVERYDAY_SHARE = 0.02
FIELD_WORD_MIN = 2  # examples of one follow-up kind a field word is in (field_words)
FIELD_WORD_RATIO = 3  # ... and how many times as often as in the other kinds
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


@dataclass(frozen=True)
class Intent:
    """The kind of a turn and how sure the model is (share of the probability)."""

    kind: str
    score: float
    follow_up: str | None = None  # the most likely follow-up kind, even when not the best
    follow_up_share: float = 0.0  # the probability of all follow-up kinds together

    @property
    def field(self) -> str | None:
        """For a follow-up, the field asked about (``kosten``, ``adres``, ...)."""
        return self.kind.removeprefix(FOLLOW_UP_PREFIX) if self.is_follow_up else None

    @property
    def is_off_topic(self) -> bool:
        """Clearly not about parenting at all: the honest 'no match' with the CJG."""
        return self.kind == OFF_TOPIC and self.score >= OFF_TOPIC_SHARE

    @property
    def is_follow_up(self) -> bool:
        """A question about the places just shown."""
        return self.kind.startswith(FOLLOW_UP_PREFIX)

    @property
    def is_closing(self) -> bool:
        """A thank-you or goodbye the model is sure of, whatever else it says: "Zeer
        vriendelijk bedankt voor uw hulp" got a list (a seen set: three words beside the
        thanks, and the search found something for "hulp"). Mixed messages ("bedankt! en wat
        kost die cursus?") are not read as sure thanks."""
        return self.kind in CLOSINGS and self.score >= SURE_CLOSING

    @property
    def is_small_talk(self) -> bool:
        """A greeting, thanks, 'who are you', ...: a short warm reply, never a list."""
        return self.kind in SMALL_TALK


def words(text: str) -> list[str]:
    """The words of a text, case-folded (numbers and punctuation left out)."""
    return [w for w in _WORD.findall(text.casefold()) if len(w) > 1]


@lru_cache(maxsize=1)
def _chat_words() -> tuple[re.Pattern[str], dict[str, str]]:
    data = read_yaml(
        resources.files("assistent").joinpath("data", "chattaal.yaml").read_text(encoding="utf-8")
    )
    spelled = {str(k).casefold(): str(v) for k, v in (data or {}).items()}
    keys = sorted(spelled, key=len, reverse=True)  # "kan k" before "k"
    pattern = r"(?<![\w.])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w])"
    return re.compile(pattern, re.IGNORECASE), spelled


def spell_out(text: str) -> str:
    """The message with chat spellings written out (``data/chattaal.yaml``): "wnr is dat" →
    "wanneer is dat". For reading the kind of turn only; the message itself is kept as typed."""
    pattern, spelled = _chat_words()
    return pattern.sub(lambda m: spelled[m.group(0).casefold()], text)


def _key(text: str) -> str:
    """A text as looked up among the examples: words only, case-folded ("Top!" = "top")."""
    return " ".join(_WORD.findall(text.casefold()))


def load_examples(data_dir: Traversable | None = None, seen: bool = True) -> dict[str, list[str]]:
    """The example turns per kind: ``data/dialoog.yaml`` and any ``data/dialoog-*.yaml`` beside
    it (same format, merged per kind), plus ``data/buiten_bereik.yaml``. ``seen=False`` leaves
    out the turns of seen evaluation sets (``SEEN_FILE``): the curated examples alone."""
    data_dir = data_dir or resources.files("assistent").joinpath("data")
    extra = (
        p.name
        for p in data_dir.iterdir()
        if p.name.startswith("dialoog-") and (seen or p.name != SEEN_FILE)
    )
    names = ["dialoog.yaml", *sorted(n for n in extra if n.endswith(".yaml"))]
    examples: dict[str, list[str]] = {}
    for name in names:
        for kind, texts in _examples_in(data_dir.joinpath(name)).items():
            examples.setdefault(kind, []).extend(texts)
    probes = read_yaml(data_dir.joinpath("buiten_bereik.yaml").read_text(encoding="utf-8"))
    # a probe that is also a turn of another kind ("hallo?" probes the search; "hallo" greets)
    # is that turn: the exact-match table would otherwise let the probe win
    turns = {_key(t) for kind, items in examples.items() if kind != OFF_TOPIC for t in items}
    kept = [str(x) for x in probes if _key(str(x)) not in turns]
    examples[OFF_TOPIC] = examples.get(OFF_TOPIC, []) + kept
    return examples


def _examples_in(path: Traversable) -> dict[str, list[str]]:
    """The example turns of one ``dialoog*.yaml`` file, per kind. A kind written twice in one
    file keeps both lists, as two files do: plain YAML keeps only the last one."""
    loader = SAFE_LOADER(path.read_text(encoding="utf-8"))  # libyaml: 0.3 s -> 0.03 s
    try:
        node = loader.get_single_node()
        examples: dict[str, list[str]] = {}
        for key, value in node.value if isinstance(node, yaml.MappingNode) else []:
            texts = loader.construct_object(value, deep=True) or []
            examples.setdefault(str(key.value), []).extend(str(x) for x in texts)
        return examples
    finally:
        loader.dispose()


# The turns of seen conversation sets, with the kind each set expects (benchmarks/collect_seen.py):
# the classifier learns from them; the words that mark a field come from the curated examples.
SEEN_FILE = "dialoog-verzameld.yaml"

EmbedQuery = Callable[[str], np.ndarray]


class IntentModel:
    """A fitted classifier plus the words that only say *how* someone asks, not *what*.

    Two views: character and word n-grams, and (when an embedder is given) the multilingual
    sentence embedding, which carries a follow-up learned in Dutch over to Polish or Arabic.
    Grouped by language, the embedding view finds 0.77 of held-out turns as its first choice,
    n-grams alone 0.31 (``benchmarks/intent_cv.py``); with an embedder only that view decides.
    """

    def __init__(
        self,
        pipeline: Any,
        function_words: frozenset[str],
        dense: Any = None,
        embed_query: EmbedQuery | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.function_words = function_words
        self.dense = dense
        self.embed_query = embed_query
        self.exact: dict[str, str] = {}  # an example typed exactly: its kind, no guessing
        self._lock = threading.Lock()
        self._views: tuple[Any, Any] | None = None

    def save(self, path: Path) -> None:
        """Write the fitted views (scikit-learn, joblib) to ``path``, atomically."""
        import io

        import joblib

        buffer = io.BytesIO()
        joblib.dump((self.pipeline, self.function_words, self.dense, self.exact), buffer)
        write_bytes_atomic(path, buffer.getvalue())

    @classmethod
    def load(cls, path: Path, embed_query: EmbedQuery | None = None) -> IntentModel:
        """A model written by ``save``; new messages are embedded with ``embed_query``."""
        import joblib

        pipeline, function_words, dense, exact = joblib.load(path)
        model = cls(pipeline, frozenset(function_words), dense, embed_query)
        model.exact = dict(exact)
        return model

    def bound_to(self, embed_query: EmbedQuery) -> IntentModel:
        """The same fitted model, embedding new messages with another (equal) embedder."""
        model = IntentModel(self.pipeline, self.function_words, self.dense, embed_query)
        model.exact = self.exact
        return model

    @classmethod
    def fit(
        cls,
        examples: dict[str, list[str]],
        questions: Sequence[str] = (),
        vectors: np.ndarray | None = None,
        embed_query: EmbedQuery | None = None,
        words_only: Collection[str] = (),
    ) -> IntentModel:
        """Train on the example turns; ``questions`` are extra ordinary questions (class vraag).

        ``vectors``: the embeddings of the examples then the questions, in that order, for the
        embedding view; ``embed_query`` embeds one message at answer time. ``words_only``:
        examples the embedding view does not learn from (see ``words_only_examples``).
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier
        from sklearn.pipeline import make_pipeline, make_union

        texts: list[str] = []
        labels: list[str] = []
        for kind, items in examples.items():
            texts += items
            labels += [kind] * len(items)
        texts += list(questions)
        labels += [QUESTION] * len(questions)
        features = make_union(
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, max_features=30000
            ),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        )
        # logistic loss by stochastic gradient: the same model as LogisticRegression, in a second
        model = SGDClassifier(
            loss="log_loss",
            alpha=1e-4,
            class_weight="balanced",
            max_iter=50,
            tol=None,
            random_state=0,
        )
        pipeline = make_pipeline(features, model).fit([t.casefold() for t in texts], labels)
        skip = set(words_only)
        dense = None
        if vectors is not None and embed_query is not None:
            from sklearn.linear_model import LogisticRegression

            dense = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
            keep = [i for i, t in enumerate(texts) if t not in skip]
            dense.fit(np.asarray(vectors, dtype=np.float32)[keep], [labels[i] for i in keep])
        # A language's own examples count their "how" words among themselves: its words would
        # otherwise lower the share of every other language's ("je", "bent" in "dank je wel, je
        # bent een schat" stopped being how-words once 400 Cyrillic examples came in).
        shared = {k: [t for t in items if t not in skip] for k, items in examples.items()}
        own = {k: [t for t in items if t in skip] for k, items in examples.items()}
        function_words = how_words(shared, questions) | how_words(own, ())
        model = cls(pipeline, frozenset(function_words), dense, embed_query)
        model.exact = {
            _key(t): kind for kind, items in examples.items() if kind != QUESTION for t in items
        }
        return model

    def _fast(self) -> tuple[Any, Any]:
        """The fitted views as plain numpy (assistent/linear.py), read on first use; any other
        classifier with ``classes_`` and ``predict_proba`` is asked as it is."""
        with self._lock:
            if self._views is None:
                words_view = _as_plain(self.pipeline, TextModel)
                meaning_view = None if self.dense is None else _as_plain(self.dense, LinearModel)
                if meaning_view is not None and meaning_view.classes != words_view.classes:
                    raise ValueError("de twee blikken hebben andere soorten beurten")
                self._views = (words_view, meaning_view)
            return self._views

    def classify(self, text: str) -> Intent:
        """The most likely kind of turn; a new question unless another kind is clearly meant."""
        known = self.exact.get(_key(text))
        text = spell_out(text)
        known = known or self.exact.get(_key(text))
        if known is not None:
            return Intent(known, 1.0, known if known.startswith(FOLLOW_UP_PREFIX) else None)
        vector = None
        if self.dense is not None and self.embed_query is not None:
            try:
                vector = self.embed_query(text)
            except Exception:  # the model failed: the n-gram view still reads the turn
                vector = None
        words_view, meaning_view = self._fast()
        probabilities = words_view.probabilities([text.casefold()])[0]
        classes = words_view.classes
        if vector is not None and meaning_view is not None:
            dense = meaning_view.dense(np.asarray([vector], dtype=np.float32))[0]
            probabilities = NGRAM_WEIGHT * probabilities + (1 - NGRAM_WEIGHT) * dense
        best = int(probabilities.argmax())
        kind, share = str(classes[best]), float(probabilities[best])
        shares = {str(c): float(p) for c, p in zip(classes, probabilities, strict=True)}
        follow = {c: p for c, p in shares.items() if c.startswith(FOLLOW_UP_PREFIX)}
        top_follow = max(follow, key=follow.__getitem__) if follow else None
        extra = {"follow_up": top_follow, "follow_up_share": sum(follow.values())}
        if kind != QUESTION and share < MIN_SHARE:
            # The kinds form families: a turn clearly about the last answer (or clearly small
            # talk) whose field (or kind of small talk) is less sure is still that family.
            for family in (follow, {c: p for c, p in shares.items() if c in SMALL_TALK}):
                if family and kind in family and sum(family.values()) >= MIN_SHARE:
                    return Intent(kind, sum(family.values()), **extra)
            return Intent(QUESTION, shares[QUESTION], **extra)
        return Intent(kind, share, **extra)

    def off_topic(self, text: str) -> bool:
        """A first question read as a turn: clearly not about parenting at all? The single-
        question paths (``assistent vraag``, ``assistent eval``) ask this as the chat does.
        On 568 real questions of three kennisbanks it said yes to none (docs/metingen.md)."""
        return self.classify(text).is_off_topic

    def content_words(self, text: str) -> list[str]:
        """Words that say what a message is about (not how it asks): 'cursus', 'zwemles'."""
        return [w for w in words(spell_out(text)) if w not in self.function_words and len(w) > 2]


class _Asked:
    """A classifier asked through its own ``predict_proba`` (one call at a time)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.classes = [str(c) for c in model.classes_]
        self._lock = threading.Lock()

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:  # scikit-learn estimators are not documented as thread-safe
            return np.asarray(self.model.predict_proba(list(texts)))

    def dense(self, vectors: np.ndarray) -> np.ndarray:
        with self._lock:
            return np.asarray(self.model.predict_proba(vectors))


def _as_plain(model: Any, plain: type) -> Any:
    try:
        return plain(model)
    except (AttributeError, TypeError, ValueError):  # not a model linear.py can read
        return _Asked(model)


def how_words(examples: dict[str, list[str]], questions: Sequence[str]) -> frozenset[str]:
    """Words that say *how* someone asks, not *what*: stop words, and words at least as common
    (share of all words) in the example turns as in ordinary questions. "kost", "daar",
    "bedankt" are; "moeder", "sport" and "ziek" turn up in an example turn now and then but are
    far more common in questions, so they still count as what a message is about."""
    turns = [
        w
        for kind, items in examples.items()
        if kind not in (QUESTION, OFF_TOPIC)  # off-topic turns say *what* too (recept, bus)
        for t in items
        for w in words(t)
    ]
    asked = [w for t in [*examples.get(QUESTION, []), *questions] for w in words(t)]
    in_turns, in_questions = Counter(turns), Counter(asked)
    n_turns, n_questions = max(len(turns), 1), max(len(asked), 1)
    common = {w for w, n in in_turns.items() if n / n_turns >= in_questions[w] / n_questions}
    return frozenset(common | (STOP_WORDS & in_turns.keys()))


def training_questions() -> list[str]:
    """The ordinary questions the model learns 'vraag' from: a fixed sample of the corpus."""
    corpus = ordinary_questions()
    return corpus[:: max(1, len(corpus) // MAX_QUESTIONS)][:MAX_QUESTIONS]


def ordinary_questions() -> list[str]:
    """Every ordinary (non-crisis) question of the crisis corpus."""
    return [m.tekst for m in load_corpus() if m.bestand.startswith("geen")]


@lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    """Words that at least ``EVERYDAY_SHARE`` of the corpus's ordinary questions have ("werk",
    "thuis", "jaar", "school"): part of how people tell their story, so alone they do not name
    a place whose name has them."""
    corpus = ordinary_questions()
    having = Counter(w for text in corpus for w in set(words(text)))
    return frozenset(w for w, n in having.items() if n >= EVERYDAY_SHARE * len(corpus))


@lru_cache(maxsize=1)
def field_words() -> frozenset[str]:
    """Words that mark one kind of follow-up in the dialogue's examples ("geld", "gratis" for the
    costs; "spreekuur", "open" for the hours): in at least ``FIELD_WORD_MIN`` examples of that
    kind, and ``FIELD_WORD_RATIO`` times as often as in the examples of the other kinds. They
    ask what a place is like, so alone they do not name a place whose name has them ("kost dat
    *geld*?" is not about Team Gezin en Geld). Not the 'tell me more' kind: there a name is the
    point ("vertel meer over het CJG"). Counted on the curated examples: in the turns of seen
    sets 'spreekuur' asks about signing up as often as about the hours, and the Mediaspreekuur
    was named again by 'wanneer is dat telefonisch spreekuur'."""
    examples = load_examples(seen=False)
    kinds = [
        k for k in examples if k.startswith(FOLLOW_UP_PREFIX) and k != FOLLOW_UP_PREFIX + "info"
    ]
    counts = [Counter(w for t in examples[k] for w in set(words(t))) for k in kinds]
    total = sum(counts, Counter())
    found = {
        w
        for counted in counts
        for w, n in counted.items()
        if n >= FIELD_WORD_MIN and n >= FIELD_WORD_RATIO * (total[w] - n)
    }
    return frozenset(found - STOP_WORDS)


def language_examples(data_dir: Traversable | None = None) -> set[str]:
    """The examples of a file for one language (``data/dialoog-uk.yaml``: named by a code of
    ``language.LANGUAGES``). They teach the word view and the exact-match table; the embedding
    view, which decides, reads that language from what it learned in the shared examples (the
    model is multilingual). Learning from them moved its boundaries for every other language:
    42 of 2,555 turns of the seen conversation sets read otherwise, 10 more of them wrong
    (docs/metingen.md)."""
    data_dir = data_dir or resources.files("assistent").joinpath("data")
    found: set[str] = set()
    for code in LANGUAGES:
        path = data_dir.joinpath(f"dialoog-{code}.yaml")
        if path.is_file():
            found |= {t for texts in _examples_in(path).values() for t in texts}
    return found


# Turns of a word or two ("en waar?", "tel?"), known as typed (data/dialoog-kort.yaml).
SHORT_FILE = "dialoog-kort.yaml"


def short_examples(data_dir: Traversable | None = None) -> set[str]:
    """The turns of a word or two (``data/dialoog-kort.yaml``). Like a language's own file they
    teach the word view and the exact table only: the meaning of a text this short says little,
    and learning from it moved the boundaries of other short texts ("en de tweede?" read as a
    question about the address; docs/metingen.md)."""
    data_dir = data_dir or resources.files("assistent").joinpath("data")
    path = data_dir.joinpath(SHORT_FILE)
    return {t for texts in _examples_in(path).values() for t in texts} if path.is_file() else set()


def words_only_examples(data_dir: Traversable | None = None) -> set[str]:
    """Every example the embedding view does not learn from: a language's own file and the
    short turns (``language_examples``, ``short_examples``)."""
    return language_examples(data_dir) | short_examples(data_dir)


def training_texts() -> tuple[dict[str, list[str]], list[str]]:
    """The examples per kind and the ordinary questions, in the order ``fit`` reads them."""
    return load_examples(), training_questions()


@lru_cache(maxsize=1)
def default_model() -> IntentModel:
    """The n-gram model trained on the shipped examples (once per process; no embedder)."""
    return IntentModel.fit(*training_texts())

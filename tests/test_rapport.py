"""Municipality report: one self-contained HTML file, honest when empty, texts only opted in."""

from __future__ import annotations

import base64
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistent.beheer.rapport import collect, frequent_words
from assistent.beheer.rapport_html import write_report
from assistent.cli import app
from assistent.config import Settings
from assistent.safety.categories import LABELS as CATEGORY_LABELS
from assistent.store import Store

SECRET = "Mijn buurman <b>Jan</b> drinkt & mijn dochter is bang"
IMG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def settings_for(tmp_path: Path, opted_in: bool) -> Settings:
    return Settings(data_dir=tmp_path / "data", store_question_text=opted_in)


def fill(path: Path) -> dict[str, int]:
    """Synthetic events over five weeks in October 2026; returns what was put in."""
    Store(path, store_question_text=True).close()
    db = sqlite3.connect(path)
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    counts = {"vragen": 0, "zonder": 0, "goed": 0, "slecht": 0, "crisis": 0}
    soorten = ["wijkteam", "cjg", "cursus", "home-start"]
    onderwerpen = ["slapen", "pesten", "scheiding"]
    for i in range(120):
        ts = (start + timedelta(hours=7 * i)).isoformat()
        abstained = i % 5 == 0
        wijk = ["Noord", "Zuid", None][i % 3]
        db.execute(
            "INSERT INTO events (ts, kind, gemeente, wijk, soort, onderwerp, abstained, "
            "behoefte, leeftijd, rol) VALUES (?, 'vraag', 'Voorbeeldstad', ?, ?, ?, ?, ?, ?, ?)",
            (
                ts,
                wijk,
                None if abstained else soorten[i % 4],
                None if abstained else onderwerpen[i % 3],
                int(abstained),
                onderwerpen[i % 3],
                ["0-3", "12-17", None][i % 3],
                ["ouder", "professional", None, "ouder"][i % 4],
            ),
        )
        counts["vragen"] += 1
        counts["zonder"] += abstained
        if i % 4 == 0:
            good = i % 8 == 0
            db.execute(
                "INSERT INTO events (ts, kind, gemeente, wijk, soort, feedback) "
                "VALUES (?, 'feedback', 'Voorbeeldstad', ?, ?, ?)",
                (ts, wijk, soorten[i % 4], "goed" if good else "slecht"),
            )
            counts["goed" if good else "slecht"] += 1
        if i % 30 == 0:
            db.execute(
                "INSERT INTO events (ts, kind, gemeente, crisis) VALUES (?, 'crisis', "
                "'Voorbeeldstad', ?)",
                (ts, "veilig-thuis"),
            )
            counts["crisis"] += 1
        if abstained:
            db.execute(
                "INSERT INTO question_texts (ts, user_key, reason, text) "
                "VALUES (?, 'k', 'geen-match', ?)",
                (ts, SECRET),
            )
    db.commit()
    db.close()
    return counts


def images(document: str) -> list[bytes]:
    return [base64.b64decode(m) for m in IMG.findall(document)]


def test_no_database_says_so_plainly(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, opted_in=True)
    result = write_report(settings, tmp_path / "rapport.html")
    document = result.path.read_text(encoding="utf-8")
    assert not result.database_found and result.data.empty
    assert "geen gegevens" in document
    assert "<img" not in document
    assert not settings.database.exists()  # a report never creates a database
    assert document.startswith("<!doctype html>") and document.rstrip().endswith("</html>")


def test_empty_database_says_so_plainly(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, opted_in=False)
    Store(settings.database).close()
    result = write_report(settings, tmp_path / "rapport.html")
    assert result.database_found and result.data.empty
    assert "geen gegevens" in result.path.read_text(encoding="utf-8")


def test_filled_database_gives_charts_and_numbers(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, opted_in=False)
    counts = fill(settings.database)
    result = write_report(settings, tmp_path / "rapport.html")
    document = result.path.read_text(encoding="utf-8")

    pngs = images(document)
    assert len(pngs) >= 5  # weeks, soorten, onderwerpen, feedback, crisis
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in pngs)
    assert "<script" not in document and "http" not in document.split("<body>")[0]
    data = result.data
    assert data.vragen == counts["vragen"] and data.abstained == counts["zonder"]
    assert (data.goed, data.slecht) == (counts["goed"], counts["slecht"])
    assert sum(data.crisis.values()) == counts["crisis"]
    assert f"{counts['vragen']}</span>" in document
    assert CATEGORY_LABELS["veilig-thuis"] in document
    assert "Noord" in document and "Zuid" in document and "wijk niet opgegeven" in document
    assert sum(answered + abstained for _, answered, abstained in data.per_week) == data.vragen
    assert len(data.per_week) == 6  # 1 Oct (a Thursday) .. 5 Nov: ISO weeks 40 to 45


def test_question_texts_only_when_opted_in(tmp_path: Path) -> None:
    fill(settings_for(tmp_path, opted_in=False).database)
    off = write_report(settings_for(tmp_path, False), tmp_path / "uit.html")
    document = off.path.read_text(encoding="utf-8")
    assert "drinkt" not in document and "Jan" not in document
    assert "wordt niet bewaard" in document

    on = write_report(settings_for(tmp_path, True), tmp_path / "aan.html")
    document = on.path.read_text(encoding="utf-8")
    assert "Mijn buurman &lt;b&gt;Jan&lt;/b&gt; drinkt &amp; mijn dochter is bang" in document
    assert "<b>Jan</b>" not in document
    assert "niet buiten de organisatie" in document


def test_period_filter(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, opted_in=False)
    fill(settings.database)
    result = write_report(
        settings, tmp_path / "r.html", start=date(2026, 10, 5), end=date(2026, 10, 11)
    )
    data = result.data
    # 7 hours apart from 1 Oct 09:00: one week holds 24 of them
    assert data.vragen == 24
    assert "5 oktober 2026 tot en met 11 oktober 2026" in result.path.read_text(encoding="utf-8")
    assert len(data.per_week) == 1


def test_collect_counts_per_wijk_and_gaps() -> None:
    events = [
        {"ts": "2026-10-05T10:00:00+00:00", "kind": "vraag", "wijk": "Oost", "soort": "cjg",
         "onderwerp": "slapen", "abstained": 0},
        {"ts": "2026-10-05T11:00:00+00:00", "kind": "vraag", "wijk": "Oost", "soort": None,
         "onderwerp": None, "abstained": 1},
        {"ts": "2026-10-06T11:00:00+00:00", "kind": "feedback", "wijk": None, "soort": "cjg",
         "feedback": "slecht"},
    ]  # fmt: skip
    data = collect(events, [], None, None, texts_allowed=False)
    assert data.wijken["Oost"]["vragen"] == {"totaal": 2, "zonder": 1}
    assert data.gap_wijken == {"Oost": 1}
    assert data.feedback_soort["cjg"]["slecht"] == 1
    assert (data.start, data.end) == (date(2026, 10, 5), date(2026, 10, 6))


def test_frequent_words_skip_stopwords() -> None:
    words = dict(frequent_words(["Mijn zoon wil niet slapen", "zoon slaapt niet", "zoon"]))
    assert words["zoon"] == 3 and "niet" not in words and "mijn" not in words


def test_cli_rapport(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTENT_DATA_DIR", str(tmp_path / "data"))
    fill(tmp_path / "data" / "assistent.sqlite3")
    target = tmp_path / "rapport.html"
    runner = CliRunner()
    result = runner.invoke(app, ["rapport", "--van", "2026-10-01", "--tot", "2026-10-31", "-o",
                                 str(target)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Rapport geschreven" in result.output and target.is_file()
    assert images(target.read_text(encoding="utf-8"))

    assert runner.invoke(app, ["rapport", "--van", "31-13-2026"]).exit_code == 2
    result = runner.invoke(app, ["rapport", "--van", "2026-11-01", "--tot", "2026-10-01"])
    assert result.exit_code == 2


def test_deployment_doc_lists_every_setting() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "deployment.md").read_text("utf-8")
    table = doc.split("## Instellingen", 1)[1].split("\n## ", 1)[0]
    for name in Settings.model_fields:
        assert f"`ASSISTENT_{name.upper()}`" in table, name


# --- issue 13: a report that does not overstate, and texts that are never kept -------------------
def test_passend_means_found_and_not_rated_down() -> None:
    from assistent.beheer.rapport_html import render_html

    events = [
        {"ts": f"2026-10-05T1{i}:00:00+00:00", "kind": "vraag", "wijk": None, "soort": "cjg",
         "onderwerp": None, "abstained": int(i < 2)}
        for i in range(10)
    ]  # fmt: skip
    events += [
        {"ts": "2026-10-06T10:00:00+00:00", "kind": "feedback", "soort": "cjg", "feedback": f}
        for f in ("slecht", "slecht", "slecht", "goed")
    ]
    data = collect(events, [], None, None, texts_allowed=False)
    assert (data.vragen, data.found, data.slecht, data.passend) == (10, 8, 3, 5)
    html = render_html(data, "Testdorp", datetime(2026, 10, 7, tzinfo=UTC))
    # was 80 %: every answer above the threshold counted as fitting, 👎 or not
    assert re.search(r"50%</[^>]+>\s*<[^>]+>kreeg een passend antwoord", html), html[:3000]


def _conversation(tmp_path: Path, opted_in: bool):
    from assistent.conversation import Conversation
    from assistent.instance import Instance
    from tests.support import FakeEmbedder

    settings = Settings(
        index_dir=tmp_path / "index", data_dir=tmp_path / "data", store_question_text=opted_in
    )
    instance = Instance.open(settings, embedder=FakeEmbedder())
    store = Store(settings.database, store_question_text=opted_in)
    return Conversation(instance.current, store, page_size=3), store


def test_crisis_message_is_never_stored_even_when_opted_in(tmp_path: Path) -> None:
    conversation, store = _conversation(tmp_path, opted_in=True)
    session = conversation.load_session(1)
    reply = conversation.ask(1, session, "ik wil niet meer leven")
    assert reply.answer.crisis is not None
    conversation.feedback(1, session, good=False)  # a 👎 under the crisis reply
    store.flush()
    assert store.question_texts() == []
    # nor the message right after it, which keeps the line (SafetySignal.carried): it belongs
    # to the same moment ("hij is er nog steeds")
    reply = conversation.ask(1, session, "hij is er nog steeds")
    assert reply.answer.crisis is not None and reply.answer.crisis.carried
    conversation.feedback(1, session, good=False)
    store.flush()
    assert store.question_texts() == []
    # an ordinary 👎 is still kept when opted in
    conversation.ask(1, session, "mijn peuter slaapt slecht")
    conversation.feedback(1, session, good=False)
    store.flush()
    assert [t["text"] for t in store.question_texts()] == ["mijn peuter slaapt slecht"]
    store.close()


def test_chat_tel_counts_anonymously(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import FakeEmbedder

    monkeypatch.setattr("assistent.instance.make_embedder", lambda settings: FakeEmbedder())
    monkeypatch.setenv("ASSISTENT_STORE_QUESTION_TEXT", "true")
    result = CliRunner().invoke(
        app,
        ["chat", "--tel"],
        input="mijn peuter slaapt slecht\nmijn dochter van 15 wordt gepest op school\n/stop\n",
    )
    assert result.exit_code == 0, result.output
    store = Store(tmp_path / "data" / "assistent.sqlite3", store_question_text=True)
    kinds = [e["kind"] for e in store.events()]
    assert kinds.count("vraag") == 2
    assert store.question_texts() == []  # counts only, whatever the setting
    store.close()
    report = CliRunner().invoke(app, ["rapport", "-o", str(tmp_path / "r.html")])
    assert "(2 vragen)" in report.output


def test_chat_without_tel_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import FakeEmbedder

    monkeypatch.setattr("assistent.instance.make_embedder", lambda settings: FakeEmbedder())
    result = CliRunner().invoke(app, ["chat"], input="mijn peuter slaapt slecht\n/stop\n")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "data" / "assistent.sqlite3").exists()


# --- issue 13: what parents needed, by leeftijd and rol, trend, CSV, candidate voorbeeldvragen ---
def test_topic_classifier_uses_the_question_not_the_voorziening() -> None:
    from assistent.kennisbank import load_kennisbank
    from assistent.kennisbank.topics import TopicClassifier
    from tests.support import ROOT

    kb = load_kennisbank(ROOT / "kennisbank")
    classifier = TopicClassifier(kb.entries)
    assert set(classifier.topics) == {o.casefold() for e in kb.entries for o in e.onderwerpen}
    # was: the topic of the first voorziening found ("baby" for an eating disorder)
    assert classifier.classify("mijn dochter heeft een eetstoornis") is None
    assert classifier.classify("mijn baby huilt de hele nacht") == "huilen"
    assert classifier.classify("mijn peuter slaapt niet door") == "slapen"
    assert classifier.classify("mijn zoon wordt gepest op school") == "pesten"
    assert classifier.classify("we gaan scheiden, hoe vertel ik het de kinderen") == "scheiding"
    assert classifier.classify("ik heb schulden en de rekeningen stapelen op") == "schulden"
    assert classifier.classify("hoi") is None
    assert classifier.classify("mijn baby") == "baby"  # a who-topic when nothing else fits


def test_store_counts_need_age_band_and_role_never_text(tmp_path: Path) -> None:
    from assistent.store import Event, age_band

    assert [age_band(a) for a in (None, 0, 3, 4, 11, 12, 17, 18, 30)] == [
        None, "0-3", "0-3", "4-11", "4-11", "12-17", "12-17", "18+", "18+",
    ]  # fmt: skip
    store = Store(tmp_path / "db.sqlite3")
    store.record(
        Event(kind="vraag", behoefte="slapen", leeftijd=age_band(2), rol="ouder", abstained=False)
    )
    store.record(Event(kind="vraag", behoefte="", abstained=True))
    [first, second] = store.events()
    assert (first["behoefte"], first["leeftijd"], first["rol"]) == ("slapen", "0-3", "ouder")
    assert second["behoefte"] == ""
    store.close()


def test_old_database_gets_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "oud.sqlite3"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, kind TEXT NOT NULL, "
        "gemeente TEXT, wijk TEXT, soort TEXT, onderwerp TEXT, abstained INTEGER, crisis TEXT, "
        "feedback TEXT)"
    )
    db.execute(
        "INSERT INTO events (ts, kind, onderwerp, abstained) "
        "VALUES ('2026-10-05T10:00:00+00:00', 'vraag', 'baby', 0)"
    )
    db.commit()
    db.close()
    store = Store(path)
    [old] = store.events()
    assert old["behoefte"] is None and old["onderwerp"] == "baby"
    data = collect(store.events(), [], None, None, texts_allowed=False)
    store.close()
    # an old count says nothing about the need: "onbekend", never the voorziening's topic
    assert data.behoeften == {"onbekend": 1}


def _events(day: str, needs: list[str], **extra: object) -> list[dict]:
    return [
        {"ts": f"{day}T1{i % 10}:00:00+00:00", "kind": "vraag", "wijk": None, "soort": "cjg",
         "onderwerp": "baby", "abstained": 0, "behoefte": need, **extra}
        for i, need in enumerate(needs)
    ]  # fmt: skip


def test_needs_leeftijd_and_rol_in_the_report() -> None:
    from assistent.beheer.rapport_html import render_html

    events = _events("2026-10-05", ["eetstoornis-vraag", "slapen", "slapen", ""], rol="ouder")
    events[0]["behoefte"] = ""  # no topic fitted
    events += _events("2026-10-06", ["pesten"], rol="professional", leeftijd="12-17")
    events += [{"ts": "2026-10-06T12:00:00+00:00", "kind": "vraag", "abstained": 1,
                "behoefte": "schulden"}]  # fmt: skip
    data = collect(events, [], None, None, texts_allowed=False)
    assert data.behoeften == {"slapen": 2, "geen onderwerp herkend": 2, "pesten": 1, "schulden": 1}
    assert data.rollen == {"ouder": 4, "professional": 1, "onbekend": 1}
    assert data.leeftijden == {"12-17": 1, "onbekend": 5}
    assert data.gap_onderwerpen == {"schulden": 1}  # the need, not the voorziening's topic
    html = render_html(data, "Testdorp", datetime(2026, 10, 7, tzinfo=UTC))
    assert "Waar de vragen over gingen" in html
    assert re.search(r"<td>slapen</td><td class=\"num\">2</td>", html)
    assert "<td>baby</td>" not in html  # the voorziening's topic is no longer shown as a need
    assert "<td>professional</td>" in html and "<td>12-17</td>" in html


def test_trend_against_the_previous_period(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, opted_in=False)
    fill(settings.database)  # 1 Oct .. 5 Nov, 24 questions per week
    result = write_report(
        settings, tmp_path / "r.html", start=date(2026, 10, 12), end=date(2026, 10, 18)
    )
    data = result.data
    assert data.previous is not None
    assert (data.previous.start, data.previous.end) == (date(2026, 10, 5), date(2026, 10, 11))
    assert data.previous.vragen == 24 and data.vragen == 24
    document = result.path.read_text(encoding="utf-8")
    assert "Vergeleken met de periode ervoor" in document and "2026-10-05" in document
    first = write_report(settings, tmp_path / "f.html", date(2026, 10, 1), date(2026, 10, 7))
    assert first.data.previous is not None and first.data.previous.empty
    assert "een vergelijking is er nog niet" in first.path.read_text(encoding="utf-8")


def test_cli_writes_the_figures_as_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    monkeypatch.setenv("ASSISTENT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTENT_STORE_QUESTION_TEXT", "true")
    fill(tmp_path / "data" / "assistent.sqlite3")
    target = tmp_path / "cijfers.csv"
    result = CliRunner().invoke(
        app,
        ["rapport", "--van", "2026-10-12", "--tot", "2026-10-18", "-o", str(tmp_path / "r.html"),
         "--csv", str(target)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0] == ["onderdeel", "categorie", "aantal", "periode_ervoor"]
    figures = {(r[0], r[1]): (int(r[2]), r[3]) for r in rows[1:]}
    assert figures[("totaal", "vragen")] == (24, "24")
    assert figures[("onderwerp van de vraag", "slapen")][0] == 8
    assert ("leeftijd", "0-3") in figures and ("rol", "professional") in figures
    assert "drinkt" not in raw.decode("utf-8-sig")  # never a question text


def test_candidate_voorbeeldvragen_grouped_by_topic(tmp_path: Path) -> None:
    from assistent.store import Event

    settings = settings_for(tmp_path, opted_in=True)
    store = Store(settings.database, store_question_text=True)
    store.record(Event("vraag"))
    for text in ("mijn peuter slaapt niet door", "Mijn peuter  slaapt niet door",
                 "ons kind wordt gepest", "mijn dochter heeft een eetstoornis"):  # fmt: skip
        store.record_question_text(1, "geen-match", text)
    store.close()
    on = write_report(settings, tmp_path / "aan.html")
    assert list(on.data.candidates) == ["slapen", "pesten", "geen onderwerp herkend"]
    document = on.path.read_text(encoding="utf-8")
    assert "Kandidaat-voorbeeldvragen per onderwerp" in document
    assert 'mijn peuter slaapt niet door <span class="muted">(2×)</span>' in document
    off = write_report(settings_for(tmp_path, opted_in=False), tmp_path / "uit.html")
    assert off.data.candidates == {} and "Kandidaat" not in off.path.read_text(encoding="utf-8")


def test_topic_look_ups_find_what_comparing_every_word_finds() -> None:
    """classify finds a topic's stems by dict look-up; the reference compares each stem with
    every word of the question through ``_same`` (as it did before, 3 ms per question)."""
    import yaml

    from assistent.kennisbank import load_kennisbank
    from assistent.kennisbank.topics import WHO, TopicClassifier, _same
    from tests.support import ROOT

    classifier = TopicClassifier(load_kennisbank(ROOT / "kennisbank").entries)

    def reference(question: str) -> str | None:
        stems = classifier._stems(question)
        best = None
        for topic, needed in classifier._topics.items():
            at = [next((i for i, s in enumerate(stems) if _same(n, s)), -1) for n in needed]
            if not stems or min(at) < 0:
                continue
            key = (topic in WHO, -len(needed), len(topic.split()), min(at))
            if best is None or ((*key, classifier._shared[topic]), topic) < best:
                best = ((*key, classifier._shared[topic]), topic)
        return best[1] if best else None

    questions = [
        str(case["vraag"])
        for name in ("voorbeeldstad.yaml", "crisis.yaml", "rivierdal.yaml")
        if (ROOT / "tests" / "eval" / name).exists()
        for case in yaml.safe_load((ROOT / "tests" / "eval" / name).read_text("utf-8"))
    ]
    questions += ["huilt", "mijn kind huilen", "pest pesten gepest", "slaap slapen", ""]
    assert len(questions) > 200
    found = [classifier.classify(q) for q in questions]
    assert found == [reference(q) for q in questions]
    assert sum(f is not None for f in found) > 100

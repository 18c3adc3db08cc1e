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
            "INSERT INTO events (ts, kind, gemeente, wijk, soort, onderwerp, abstained) "
            "VALUES (?, 'vraag', 'Voorbeeldstad', ?, ?, ?, ?)",
            (
                ts,
                wijk,
                None if abstained else soorten[i % 4],
                None if abstained else onderwerpen[i % 3],
                int(abstained),
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
        app, ["chat", "--tel"], input="mijn peuter slaapt slecht\nmijn puber blowt\n/stop\n"
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

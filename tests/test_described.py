"""What a description says about a field the entry leaves empty (kennisbank/described.py)."""

from __future__ import annotations

from assistent.conversation import FieldAnswer
from assistent.kennisbank import Voorziening
from assistent.kennisbank.described import DescribedFields
from assistent.render import render_turn
from tests.support import a_place

COSTS = [
    "Gratis.",
    "Deelname kost 10 euro per jaar.",
    "Gratis voor inwoners.",
    "Eigen bijdrage 25 euro.",
    "Kosteloos.",
    "Gratis, ook de koffie.",
]
SIGN_UP = [
    "Aanmelden via de website.",
    "Bel voor een afspraak.",
    "Aanmelden is niet nodig.",
    "Via de huisarts.",
    "Meld je aan per e-mail.",
    "Aanmelden via school.",
]
HOURS = [
    "Maandag 9.00-12.00 uur.",
    "Elke woensdagmiddag.",
    "Dinsdag en donderdag 13-17 uur.",
    "Vrijdagochtend.",
    "Op afspraak.",
    "Maandag tot en met vrijdag 9-17 uur.",
]
STORIES = [
    "Een groep voor ouders van pubers. Je praat met andere ouders over ruzie en regels.",
    "Vrijwilligers helpen gezinnen met jonge kinderen. Ze komen een dagdeel per week langs.",
    "De jeugdverpleegkundige kijkt naar groei en ontwikkeling. Ook voor vragen over slapen.",
    "Spelen en leren voor peuters. Je kind leert nieuwe woorden.",
    "Een maatje voor een kind dat het moeilijk heeft. Samen doe je leuke dingen.",
    "Hulp bij geldzorgen en schulden. We zoeken samen naar een oplossing.",
]


def place(place_id: str, beschrijving: str, **fields: str) -> Voorziening:
    return a_place(place_id, f"Plek {place_id}", beschrijving, **fields)


FILLED = [
    place(f"p{i}", STORIES[i], kosten=COSTS[i], aanmelden=SIGN_UP[i], openingstijden=HOURS[i])
    for i in range(6)
]
SILENT = place(
    "stil",
    "Een inloop voor vaders en hun kinderen. Deelname is gratis. Aanmelden via de website van "
    "het buurthuis. Je bent welkom op zaterdagochtend.",
)


def test_an_empty_field_is_answered_by_the_sentence_of_the_description_that_says_it() -> None:
    described = DescribedFields([*FILLED, SILENT])
    assert described.sentence(SILENT, "kosten") == "Deelname is gratis."
    assert described.sentence(SILENT, "aanmelden") == "Aanmelden via de website van het buurthuis."
    assert described.sentence(SILENT, "openingstijden") == "Je bent welkom op zaterdagochtend."


def test_a_description_that_does_not_say_it_finds_nothing() -> None:
    quiet = place("q", "Een groep voor ouders van tieners. Je deelt ervaringen met anderen.")
    described = DescribedFields([*FILLED, quiet])
    assert all(described.sentence(quiet, f) is None for f in ("kosten", "aanmelden"))


def test_a_filled_field_finds_nothing() -> None:
    assert DescribedFields([*FILLED, SILENT]).sentence(FILLED[0], "kosten") is None


def test_a_field_the_kennisbank_seldom_fills_is_still_found() -> None:
    """Polderveen fills 'aanmelden' for 9 of 48 places; 'U hoeft zich niet aan te melden, kom
    gewoon langs!' and 'Kosteloos.' in its descriptions got 'Dat staat niet in mijn gegevens'
    (a play test). With one place filling the field the finder learned nothing; the bundled
    examples (data/veldzinnen.yaml) teach how people write each fact."""
    cafe = place(
        "cafe",
        "Iedere woensdagochtend Nederlands oefenen in een gezellige groep. U hoeft zich niet aan "
        "te melden, kom gewoon langs! Kosteloos.",
    )
    described = DescribedFields([FILLED[0], cafe])  # one place fills each field
    assert (
        described.sentence(cafe, "aanmelden")
        == "U hoeft zich niet aan te melden, kom gewoon langs!"
    )
    assert described.sentence(cafe, "kosten") == "Kosteloos."
    assert described.sentence(cafe, "openingstijden") == (
        "Iedere woensdagochtend Nederlands oefenen in een gezellige groep."
    )


def test_a_follow_up_quotes_the_description_instead_of_saying_it_is_unknown() -> None:
    """'wat kost dat?' about a place whose description says 'Deelname is gratis.' got 'Dat
    staat niet in mijn gegevens' (found by a helper playing a parent on a sociale kaart)."""
    turn = FieldAnswer("kosten", "nl", [SILENT], described={"stil": "Deelname is gratis."})
    text = render_turn(turn, as_html=False)
    assert "Deelname is gratis." in text and "niet in mijn gegevens" not in text
    assert "010-1234567" in text
    english = render_turn(
        FieldAnswer("kosten", "en", [SILENT], described={"stil": "Gratis."}), False
    )
    assert "“Gratis.”" in english and "description" in english

"""The line on what a place does (assistent/kennisbank/summary.py)."""

from __future__ import annotations

from assistent.kennisbank import Voorziening
from assistent.kennisbank.summary import Summaries


def place(place_id: str, naam: str, beschrijving: str) -> Voorziening:
    return Voorziening(
        id=place_id,
        naam=naam,
        soort="welzijn",
        gemeente="Lindewaard",
        onderwerpen=["opvoeden"],
        contact={"telefoon": "010-1234567"},
        beschrijving=beschrijving,
    )


def test_after_a_hook_the_line_is_the_sentence_that_names_the_place() -> None:
    """'Yo!', 'Welkom bij Centrum Jong!' and 'Geldzorgen?' were shown as what a place does (a
    play test on Lindewaard, whose descriptions read like a website). After a hook, the line
    is the next plain sentence that names the place, by a word only its own name has."""
    places = [
        place(
            "jw",
            "Jongerenwerk Havenkwartier",
            "Yo! Je vindt ons op het plein. Wij zijn het "
            "jongerenwerk in Havenkwartier: we helpen je met school, werk en geld.",
        ),
        place(
            "cj",
            "Centrum Jong Lindewaard",
            "Welkom bij Centrum Jong! Opvoeden gaat meestal "
            "vanzelf. Bij Centrum Jong kun je terecht met alle vragen over opgroeien.",
        ),
        place(
            "os",
            "Op Stoom",
            "Geldzorgen? Veel gezinnen in Lindewaard hebben dat soms. Bij Op "
            "Stoom helpen vrijwilligers je om weer overzicht te krijgen.",
        ),
        place("hw", "Huiswerkhuis Havenkwartier", "Huiswerk maken lukt thuis niet altijd."),
    ]
    lines = Summaries(places)
    assert lines.line(places[0]).startswith("Wij zijn het jongerenwerk in Havenkwartier")
    assert lines.line(places[1]).startswith("Bij Centrum Jong kun je terecht")
    # 'Lindewaard' (the gemeente) names no place: the sentence with 'Op Stoom' does
    assert lines.line(places[2]).startswith("Bij Op Stoom helpen vrijwilligers")


def test_a_description_that_says_it_first_keeps_its_first_sentence() -> None:
    """A spreadsheet says what a place does first ('Cursus voor ouders van pubers, 4 avonden.'),
    and a question answered by 'Dan ...' is one sentence; a label of a few words is passed."""
    places = [
        place(
            "pb",
            "Puberbrein & Co",
            "Cursus voor ouders van pubers, 4 avonden. Hoe werkt het puberbrein, uitgaan en gamen.",
        ),
        place(
            "hs",
            "Home-Start",
            "Heb je een kind tot 6 jaar en loopt het thuis niet lekker? Dan "
            "kan Home-Start helpen. Een vrijwilliger komt wekelijks.",
        ),
        place(
            "op",
            "Ouderpanel",
            "Ouderpanel Polderveen. Klankbordgroep van ouders voor het jeugdbeleid.",
        ),
    ]
    lines = Summaries(places)
    assert lines.line(places[0]) == "Cursus voor ouders van pubers, 4 avonden."
    assert lines.line(places[1]) == (
        "Heb je een kind tot 6 jaar en loopt het thuis niet lekker? Dan kan Home-Start helpen."
    )
    assert lines.line(places[2]) == "Klankbordgroep van ouders voor het jeugdbeleid."
    assert lines.line(place("x", "Leeg", "Kort.")) == "Kort."


def test_a_description_in_markdown_is_shown_as_what_it_says() -> None:
    """Rivierdal's descriptions are Markdown: the answer showed "**Doel:** Ondersteuning van
    ouders…" as what a place does, and a list item with its "- " as why it fits (a play test).
    The line, the sentence that fits the question and 'meer info' read the words, not the
    markup; a list item is a sentence of its own."""
    from assistent.render import details_text

    text = (
        "**Doel:** Ondersteuning van ouders van\nbaby's die veel huilen.\n\n"
        "Aanbod:\n- een _huisbezoek_ door de [jeugdverpleegkundige](https://x.example);\n"
        "- advies over slaap en voeding.\n\n## Werkwijze\nWe komen bij je thuis."
    )
    entry = place("hs", "Spreekuur Huilen", text)
    assert Summaries([entry]).line(entry) == (
        "Doel: Ondersteuning van ouders van baby's die veel huilen."
    )
    details = details_text([entry], as_html=False)
    assert "Doel: Ondersteuning van ouders van baby's die veel huilen. Aanbod:\n" in details
    from assistent.kennisbank.sentences import description_sentences

    assert description_sentences(text)[2:] == [
        "een huisbezoek door de jeugdverpleegkundige;",
        "advies over slaap en voeding.",
        "Werkwijze",
        "We komen bij je thuis.",
    ]
    assert not any("*" in s or s.startswith("-") for s in description_sentences(text))


ORGANISATION = (
    "Stichting Welzijn Lindewaard is de brede welzijnsorganisatie van Lindewaard. Wij geloven in "
    "de kracht van mensen en hun netwerk."
)


def organisation_place(place_id: str, naam: str, soort: str, own: str) -> Voorziening:
    return place(place_id, naam, f"{ORGANISATION}\n\n{own}").model_copy(update={"soort": soort})


MAATJE = "Een maatje voor je kind van 8 tot 14."


def organisation_places() -> list[Voorziening]:
    return [
        organisation_place("m", "Maatjes", "maatjesproject", MAATJE),
        organisation_place("o", "Opstap", "cursus", "Een cursus voor ouders van peuters thuis."),
        organisation_place("r", "Repair Café", "buurt", "Samen kapotte spullen repareren."),
    ]


def test_an_organisations_paragraph_above_each_of_its_places_is_not_what_one_does() -> None:
    """A sociale kaart opens every place of an organisation with the same paragraph: the line
    on what each place does was that paragraph, the same for all of them."""
    from assistent.kennisbank.sentences import own_sentences, shared_sentences

    places = organisation_places()
    shared = shared_sentences((p.soort, p.beschrijving) for p in places)
    assert len(shared) == 2  # the organisation's two sentences
    assert own_sentences(places[0].beschrijving, shared) == [MAATJE]
    summaries = Summaries(places)
    assert summaries.line(places[1]) == "Een cursus voor ouders van peuters thuis."
    # a sentence places of one soort share says what that kind of place does: it stays
    same_kind = [
        organisation_place(f"cb{n}", f"Consultatiebureau {n}", "consultatiebureau", f"Wijk {n}.")
        for n in range(3)
    ]
    assert shared_sentences((p.soort, p.beschrijving) for p in same_kind) == frozenset()
    # every sentence shared: the description is all the place has, so all of it is its own
    assert own_sentences(ORGANISATION, shared) == [
        "Stichting Welzijn Lindewaard is de brede welzijnsorganisatie van Lindewaard.",
        "Wij geloven in de kracht van mensen en hun netwerk.",
    ]


def test_meer_info_passes_over_the_organisations_paragraph() -> None:
    from assistent.render import render_turn
    from assistent.turns import FieldAnswer

    places = organisation_places()
    shared = Summaries(places).shared
    text = render_turn(FieldAnswer("info", "nl", [places[0]], shared=shared), as_html=False)
    assert MAATJE in text
    assert "welzijnsorganisatie" not in text

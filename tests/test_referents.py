"""Which place a follow-up points at (assistent/referents.py)."""

from __future__ import annotations

from assistent.kennisbank import Voorziening
from assistent.referents import NameIndex, name_words, pointed_at, same_word, without_name


def place(place_id: str, naam: str) -> Voorziening:
    return Voorziening(
        id=place_id,
        naam=naam,
        soort="welzijn",
        landelijk=True,
        onderwerpen=["opvoeden"],
        contact={"telefoon": "010-1234567"},
        beschrijving="Tekst.",
    )


PAGE = [
    place("groep", "Groep voor kinderen van gescheiden ouders"),
    place("wijkteam", "Wijkteam Centrum"),
    place("spreekuur", "Scheidingsspreekuur CJG Voorbeeldstad"),
]


def test_the_head_of_a_compound_in_a_name_points_at_that_place() -> None:
    """'dat spreekuur' means the Scheidingsspreekuur: Dutch puts the head of a compound last
    ('spreekuur' was not found in 'scheidingsspreekuur', so the first place was answered)."""
    assert same_word("spreekuur", "scheidingsspreekuur")
    assert not same_word("school", "schoolmaatschappelijk")  # a modifier is not the head
    assert not same_word("uur", "spreekuur")  # too short to say anything
    assert pointed_at("wanneer is dat spreekuur?", PAGE) == 2


def test_a_short_head_right_after_die_or_dat_points_at_its_compound() -> None:
    """'Wanneer is dat café?' under the Borstvoedingscafé: 'café' is too short a head to count
    anywhere, so the Repair Café of another kernel was named instead (seen set 38b)."""
    page = [place("bv", "Borstvoedingscafé"), place("cb", "Consultatiebureau"), PAGE[1]]
    assert pointed_at("Wanneer is dat café?", page) == 0
    assert pointed_at("what time is that café open", page) == 0
    assert pointed_at("wanneer is het café open", page) is None  # no pointing word: as before
    assert pointed_at("is dat uur goed", [place("s", "Spreekuur")]) is None  # "uur" is everyday


def test_a_word_only_one_shown_name_has_beats_a_number() -> None:
    """'en die tweede, dat fonds?' when the fund stands first: the writer miscounted, the name
    is what they mean (found on a development conversation)."""
    page = [place("fonds", "Sport- en Cultuurfonds"), *PAGE[:2]]
    assert pointed_at("en die tweede, dat fonds?", page) == 0
    assert pointed_at("en die tweede?", page) == 1


def test_a_word_all_shown_names_share_leaves_the_choice_to_a_number() -> None:
    page = [place("a", "Cursus Positief Opvoeden"), place("b", "Cursus voor nieuwe ouders")]
    assert pointed_at("wat kost de tweede cursus?", page) == 1
    assert pointed_at("wat kost die cursus?", page) == 0
    assert pointed_at("wat kost dat?", page) is None


def test_without_name_keeps_what_is_asked_about_the_place() -> None:
    assert (
        without_name("en dat wijkteam centrum, waar zit dat", PAGE[1]) == "en dat  , waar zit dat"
    )
    assert without_name("en dat spreekuur, wanneer?", PAGE[2]) == "en dat , wanneer?"


def test_without_name_also_leaves_out_the_number() -> None:
    """'en die tweede, waar zit dat' asks where; the number only points at the place."""
    assert without_name("en die tweede, waar zit dat", PAGE[0]) == "en die , waar zit dat"
    assert without_name("İkincisine nasıl kayıt olunuyor?", PAGE[0]) == " nasıl kayıt olunuyor?"
    assert without_name("والثاني، متى يفتحون؟", PAGE[0]) == "، متى يفتحون؟"
    assert without_name("de eerstvolgende keer", PAGE[0]) == "de eerstvolgende keer"


def test_a_place_not_shown_is_found_by_the_head_of_its_name() -> None:
    """'en die sportcoach' names 'Buurtsportcoach Voorbeeldstad'; a word that only begins a
    name ('sport' in 'Sportfonds') or is short does not."""
    entries = [place(f"p{i}", f"Plek {i}") for i in range(30)]
    entries += [place("coach", "Buurtsportcoach Voorbeeldstad"), place("fonds", "Sportfonds")]
    index = NameIndex(entries)
    assert index.places_named("en die sportcoach, wanneer zijn ze er?") == {"coach"}
    assert index.places_named("en die schuldhulpverlening") == set()
    assert index.places_named("kan mijn kind op sport") == set()


def test_a_word_several_names_of_one_soort_share_names_that_kind() -> None:
    """'en het wijkteam, waar zitten die?' when no wijkteam was shown got the address of every
    place just shown (found on conversations we had seen): 'wijkteam' is in three names, too
    many to name one, but all three are wijkteams. A common word across soorten names none."""
    entries = [
        Voorziening(**{**place(f"p{i}", f"Plek {i} Voorbeeldstad").model_dump(), "soort": soort})
        for i, soort in enumerate(["welzijn", "cursus"] * 15)
    ]
    teams = [
        Voorziening(
            **{**place(f"wt-{w.lower()}", f"Wijkteam {w}").model_dump(), "soort": "wijkteam"}
        )
        for w in ("Noord", "Zuid", "Centrum")
    ]
    index = NameIndex(entries + teams)
    assert index.places_named("en het wijkteam, waar zitten die?") == set()
    assert index.kinds_named("en het wijkteam, waar zitten die?") == {
        "wt-noord",
        "wt-zuid",
        "wt-centrum",
    }
    assert index.kinds_named("wij wonen in voorbeeldstad") == set()  # every soort has it
    assert index.kinds_named("mijn wijk is leuk") == set()  # a part of a word is not the kind


def test_an_everyday_word_in_a_name_points_at_nothing() -> None:
    """'is dat doordeweeks? ik werk fulltime' about a fathers' group got the hours of
    Schoolmaatschappelijk Werk, shown second: 'werk' is in its name (found on a conversation we
    had seen). Words that many ordinary questions of the corpus have do not name a place alone;
    the rest of a name still does."""
    page = [place("vaders", "Gespreksgroep Vaderschap"), place("smw", "Schoolmaatschappelijk Werk")]
    assert pointed_at("is dat doordeweeks? ik werk fulltime", page) is None
    assert pointed_at("en dat schoolmaatschappelijk werk, waar zit dat", page) == 1
    entries = [place(f"p{i}", f"Plek {i}") for i in range(30)]
    index = NameIndex([*entries, *page])
    assert index.places_named("ik werk tot zes, kan het ook savonds") == set()
    assert index.places_named("en dat schoolmaatschappelijk werk?") == {"smw"}


def test_a_number_points_by_position_even_when_a_name_has_it() -> None:
    """Lindewaard has a place called 'Tweede Blik': 'en de tweede?' must mean the second place
    shown, not that place (read in the kennisbank's overview, before any conversation)."""
    page = [place("a", "Kleine Stormen"), place("b", "Groeiwijzer"), place("blik", "Tweede Blik")]
    assert pointed_at("en de tweede?", page) == 1
    assert pointed_at("en die tweede blik, wat kost dat?", page) == 2
    index = NameIndex([*(place(f"p{i}", f"Plek {i}") for i in range(30)), page[2]])
    assert index.places_named("en de tweede, waar zit die?") == set()
    assert index.places_named("wat kost tweede blik?") == {"blik"}


def test_a_hyphenated_name_is_not_among_the_other_words() -> None:
    """'wat kost die speel-o-theek' after a second page: the name's own word 'speel-o-theek'
    was kept as a word of the question, its stem matched the topic 'spelen', and the user got a
    list instead of the costs (found in a seen conversation set)."""
    names = NameIndex([place("speel", "Speel-o-theek Noord"), *PAGE])
    assert names.others("wat kost die speel-o-theek", "speel") == ["wat", "kost", "die"]


def kind(place_id: str, naam: str, soort: str) -> Voorziening:
    return Voorziening(**{**place(place_id, naam).model_dump(), "soort": soort})


def test_a_word_that_names_a_kind_of_place_points_at_the_place_of_that_kind() -> None:
    """'en dat consultatiebureau, wanneer kan ik die bellen' about 'JGZ locatie Oude Haven',
    shown second, got the hours of the place shown first: no name has the word. People name a
    place by its kind (soorten.yaml, soortwoorden); the first shown place of that kind is meant
    (found on conversations we had seen, four kennisbanks)."""
    page = [
        kind("huil", "Spreekuur Huilen en Slapen", "welzijn"),
        kind("jgz", "JGZ locatie Oude Haven", "jeugdgezondheidszorg"),
        kind("team", "Sociaal Team Hoogveld", "wijkteam"),
    ]
    assert pointed_at("en dat consultatiebureau, wanneer kan ik die bellen", page) == 1
    assert pointed_at("а где это consultatiebureau находится?", page) == 1
    assert pointed_at("ok en het wijkteam, waar zitten die", page) == 2
    assert pointed_at("de eerste, het consultatiebureau", page) == 0  # the number still counts
    assert pointed_at("wanneer is de cursus", page) is None  # no cursus shown: nothing
    assert pointed_at("wat kost dat?", page) is None


def test_a_kind_word_names_every_place_of_that_kind_in_the_kennisbank() -> None:
    """'en het consultatiebureau, waar zit dat?' when none was shown: the JGZ places, though
    their names say 'JGZ', not 'consultatiebureau'."""
    entries = [kind(f"p{i}", f"Plek {i}", "welzijn") for i in range(20)]
    entries += [
        kind("jgz-n", "JGZ Noord", "jeugdgezondheidszorg"),
        kind("jgz-z", "JGZ Zuid", "jeugdgezondheidszorg"),
    ]
    index = NameIndex(entries)
    assert index.kinds_named("en het consultatiebureau, waar zit dat?") == {"jgz-n", "jgz-z"}
    assert index.kinds_named("mijn peuter gaat naar de opvang") == set()


def test_where_a_name_has_the_kind_word_the_name_decides() -> None:
    """'en waar zit het consultatiebureau precies' with a Borstvoedingscafé of soort JGZ on the
    page, and Consultatiebureau Noord in the kennisbank but not shown: the consultatiebureau is
    meant, not the café (a first version of the kind words answered about the café)."""
    cafe = kind("cafe", "Borstvoedingscafé", "jeugdgezondheidszorg")
    entries = [
        *(kind(f"p{i}", f"Plek {i}", "welzijn") for i in range(20)),
        cafe,
        kind("cb-noord", "Consultatiebureau Noord", "jeugdgezondheidszorg"),
    ]
    index = NameIndex(entries)
    assert "consultatiebureau" not in index.soort_words
    text = "en waar zit het consultatiebureau precies"
    assert pointed_at(text, [entries[0], cafe], index.soort_words) is None
    assert index.places_named(text) == {"cb-noord"}


def test_a_wijk_in_a_name_says_where_not_which_place() -> None:
    """'mijn zus in oude haven zit in precies hetzelfde schuitje, waar kan zij heen?' got the
    address of Team Jeugd en Gezin Oude Haven, a place not shown: the wijk in its name was read
    as naming it (found on seen conversations, Rivierdal). A wijk's name says where; the rest of
    the name still names the place."""
    team = Voorziening(
        **{
            **place("tjg-oude-haven", "Team Jeugd en Gezin Oude Haven").model_dump(),
            "landelijk": False,
            "gemeente": "Rivierdal",
            "wijken": ["Oude Haven"],
        }
    )
    index = NameIndex([*(place(f"p{i}", f"Plek {i}") for i in range(30)), team])
    assert index.places_named("mijn zus in oude haven, waar kan zij heen?") == set()
    assert index.places_named("en dat team jeugd en gezin, waar zit dat?") == {"tjg-oude-haven"}


def test_a_hyphenated_name_is_named_written_as_one_word() -> None:
    """'en de speelotheek, wanneer zijn die open?' gave the CJG's hours: only 'speel-o-theek'
    with its hyphens named Speel-o-theek De Knikker (found deploying a new kennisbank)."""
    index = NameIndex([*PAGE, place("knikker", "Speel-o-theek De Knikker")])
    for text in ("en de speelotheek, wanneer zijn die open?", "is de speel-o-theek open?"):
        assert index.places_named(text) == {"knikker"}, text
    assert NameIndex([place("hs", "Home-Start Polderveen")]).places_named("homestart?") == {"hs"}


def test_a_word_that_asks_about_a_field_names_no_place_alone() -> None:
    """'kost dat geld?' after a children's group got the costs of Team Gezin en Geld, and
    'wanneer is dat telefonisch spreekuur' (about a consultatiebureau just shown) the hours of
    the Mediaspreekuur: 'geld' and 'spreekuur' ask for a field here, they do not name a place
    (found on conversations we had seen). The words that mark one kind of follow-up in the
    dialogue's examples name no place alone; the rest of a name still does."""
    entries = [place(f"p{i}", f"Plek {i}") for i in range(30)]
    geld, media = place("geld", "Team Gezin en Geld"), place("media", "Mediaspreekuur")
    index = NameIndex([*entries, geld, media])
    assert index.places_named("kost dat geld?") == set()
    assert index.places_named("kost kraamzorg geld") == set()
    assert index.places_named("wanneer is dat telefonisch spreekuur") == set()
    assert index.places_named("en het mediaspreekuur, wat kost dat?") == {"media"}
    # still a word of a name where the language is read: a German question about this place
    index = NameIndex([*entries, place("jgz", "JGZ-locatie Brink")])
    assert "locatie" not in index.without_names("Wo ist die JGZ-locatie Brink?").casefold()


def described(place_id: str, naam: str, text: str, wijken: list[str] | None = None) -> Voorziening:
    return place(place_id, naam).model_copy(update={"beschrijving": text, "wijken": wijken or []})


def test_what_follows_die_points_at_the_one_place_whose_description_says_it() -> None:
    """'kan ik die rouwgroep bellen?' under a place whose name says nothing of grief: its own
    description does (seen sets 39; the turn went to a place named 'formulieren'). A word two
    descriptions say, or one not pointed at, leaves it open; so does a word that asks for a
    field ('kan ik die appen?' is about every place shown)."""
    page = [
        described("eb", "Eb & Vloed", "Een rouwgroep voor kinderen. Ook te appen."),
        described("bus", "De Bus", "Mobiel jongerenwerk. Chillen, praten, vragen."),
        described("pleeg", "Pleegzorg infopunt", "Info voor wie pleegouder wil worden."),
    ]
    own = [name_words(e.beschrijving) for e in page]
    text = "kan mijn dochter ook naar die rouwgroep, of is het alleen voor jongens"
    assert pointed_at(text, page, described=own) == 0
    assert pointed_at(text, page) is None  # the names alone do not say it
    assert pointed_at("is er ook een rouwgroep voor haar", page, described=own) is None
    both = [*own[:1], name_words("Een rouwgroep en een inloop."), own[2]]
    assert pointed_at(text, page, described=both) is None
    index = NameIndex(page)
    assert index.pointed(text, page) == 0  # the dialogue's way in: each place's own text
    assert index.pointed("kan ik die appen?", page) is None


def test_a_wijk_in_a_name_does_not_point_at_that_place() -> None:
    """'is er ook iemand hier in zuudveen zelf waar ik langs kan?' asks for a place in the
    writer's wijk; it pointed at 'JGZ spreekuur Zuudveen' on the page and got its aanmelden
    (seen set 39a). A wijk's name says where, as NameIndex already held for places not shown."""
    page = [
        described("welzijn", "Welzijn Elsterhove", "Welzijnswerk."),
        described("cb", "Consultatiebureau Dwingerveld", "Het CB.", ["Dwingerveld"]),
        described("jgz", "JGZ spreekuur Zuudveen", "Spreekuur.", ["Zuudveen"]),
    ]
    index = NameIndex(page)
    assert index.pointed("is er ook iemand hier in zuudveen zelf waar ik langs kan?", page) is None
    assert pointed_at("is er ook iemand hier in zuudveen zelf", page) == 2  # without the wijken
    assert index.pointed("wanneer is dat spreekuur in zuudveen?", page) == 2  # its own word
    two = [described("a", "JGZ Oude Haven", "JGZ.", ["Oude Haven"]), *page[1:]]
    two[2] = described("jgz", "JGZ Zuudveen", "JGZ.", ["Zuudveen"])
    assert NameIndex(two).pointed("a jak się zapisać do jgz oude haven?", two) == 0  # beside jgz


def test_only_a_word_that_tells_a_place_apart_points_by_description() -> None:
    """Pointing by description took over where names decided (seen sets): 'dat gezinsloket,
    kan ik daar bellen?' went to a course whose text says to sign up at the Gezinsloket, and
    'moet dat via zijn moeder?' to a place whose text says 'via'. A word another name has, a
    word many descriptions have, or a word a shown name has leaves it to the names."""
    page = [
        described("cursus", "Positief Opvoeden", "Een cursus. Aanmelden via het gezinsloket."),
        described("smw", "Schoolmaatschappelijk werk", "Gesprekken op school, via de mentor."),
        described("eb", "Eb & Vloed", "Een rouwgroep voor kinderen."),
    ]
    loket = described("loket", "Gezinsloket", "Voor alle vragen.")
    others = [described(f"p{i}", f"Plek {i}", "Hulp via de telefoon.") for i in range(20)]
    index = NameIndex([*page, loket, *others])
    assert index.pointed("dat gezinsloket, kan ik daar gewoon bellen?", page) is None
    assert index.pointed("moet dat via zijn moeder?", page) is None  # 'via' is in many texts
    assert index.pointed("is die rouwgroep in het weekend?", page) == 2
    assert index.pointed("is die positief opvoeden ook voor de rouwgroep?", page) == 0  # a name
    assert index.pointed("kan iemand met me naar al die rouwgroep kijken", page) is None  # al die
    # a word that asks for a field is not made telling by a longer word that ends with it
    inloop = [described("cjg", "CJG", "Elke dinsdag een inloopspreekuur."), *page[1:]]
    assert NameIndex([*inloop, loket, *others]).pointed("is dat spreekuur gratis", inloop) is None

"""Every sentence a person reads: the Dutch user texts of the console, Telegram and answers.

B1 Dutch: short sentences, warm, "je". Contact data never appears here: it comes only from the
kennisbank or the reviewed crisis-line file.
"""

from __future__ import annotations

from assistent.files import read_yaml

# --- answers --------------------------------------------------------------------------------
FALLBACK_REASON = "Hier kun je met elke vraag over opvoeden en opgroeien terecht."


def maybe_reason(reason: str) -> str:
    """The reason of a near place shown under the threshold: said with doubt, never as a fit."""
    return f"Misschien past dit. {reason}" if reason else "Misschien past dit."


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " en " + words[-1]


def filter_note(
    wijken: tuple[str, ...] = (),
    van: int | None = None,
    tot: int | None = None,
    doelgroep: tuple[str, ...] = (),
) -> str:
    """The short note beside a voorziening outside the asker's wijk, age or doelgroep
    (the fields of ``retrieval.search.FilterNote``): 'in wijk Zuid, vanaf 12 jaar'."""
    parts = []
    if wijken:
        parts.append(("in wijk " if len(wijken) == 1 else "in de wijken ") + _and(list(wijken)))
    if van is not None:
        parts.append(f"vanaf {van} jaar")
    if tot is not None:
        parts.append(f"tot en met {tot} jaar")
    if doelgroep:
        parts.append("voor " + _and(list(doelgroep)))
    return ", ".join(parts)


# --- shared by console and Telegram ------------------------------------------------
AUTOMATISCH = "Ik ben een automatische assistent, geen mens."

WELKOM = (
    "Hoi! Ik ben de opvoedassistent van het Centrum voor Jeugd en Gezin. "
    f"{AUTOMATISCH}\n\n"
    "Stel je vraag over opvoeden of opgroeien in je eigen woorden. Bijvoorbeeld: "
    "‘mijn peuter slaapt niet door’ of ‘we gaan scheiden, hoe vertel ik het de kinderen?’. "
    "Ik zoek dan 2 of 3 plekken in de buurt die je kunnen helpen, en hoe je ze bereikt.\n\n"
    "Ik ben niet voor noodgevallen. Is er nu gevaar? Bel 112. Alle hulplijnen: /hulp\n\n"
    "Privacy: je bent anoniem. Ik bewaar je vragen niet. Met /vergeet wis je alles."
)

HELP = (
    "Zo werk ik:\n"
    "• Typ je vraag in gewone woorden.\n"
    "• /profiel: vertel (als je wilt) je wijk, de leeftijd van je kind en wie je bent. "
    "Dan passen de tips beter.\n"
    "• /hulp: alle hulplijnen, voor als het niet veilig is of als het nu niet meer gaat.\n"
    "• /privacy: wat ik wel en niet bewaar.\n"
    "• /vergeet: wis alles wat ik over jou weet."
)

PRIVACY = (
    "Wat ik bewaar:\n"
    "• Je profiel (gemeente, wijk, leeftijd van je kind, ouder/professional/jongere), alleen "
    "als je dat invult. Niet je naam of telefoonnummer.\n"
    "• Anonieme tellingen: hoeveel vragen, over welk onderwerp, en 👍/👎. Zonder wie het vroeg.\n"
    "• De tekst van je vragen bewaar ik niet{opt_in}.\n\n"
    "Na {dagen} dagen wis ik de tellingen. Met /vergeet wis je je profiel meteen."
)
PRIVACY_OPT_IN = (
    ", behalve als ik geen antwoord had of je 👎 gaf: dan bewaart de gemeente die vraag zonder "
    "je naam, om de assistent beter te maken"
)

VERGETEN = "Klaar. Ik heb alles gewist wat ik over je had bewaard. Je kunt gewoon verder vragen."
LEEG = "Typ je vraag in een paar woorden. Bijvoorbeeld: ‘mijn kind van 4 heeft veel driftbuien’."
GEEN_TEKST = "Ik begrijp alleen tekst. Wil je je vraag in een paar woorden typen?"
TE_LANG = "Je bericht was lang. Ik heb vooral naar het begin gekeken."
ANDERE_TAAL = "Ik begrijp Nederlands het best, Engels gaat ook."
GEEN_MATCH = (
    "Ik vond geen plek die precies bij je vraag past. Het Centrum voor Jeugd en Gezin "
    "helpt je graag verder, met elke vraag over opvoeden en opgroeien:"
)
INTRO = "Deze plekken kunnen je helpen:"
INTRO_NA_CRISIS = "Daarnaast kunnen deze plekken in de buurt helpen:"
MEER_INTRO = "Nog meer plekken:"
NIETS_MEER = "Meer plekken heb ik niet voor deze vraag. Stel gerust een nieuwe vraag."
ALLEEN_TEKST = (
    "Ik kan alleen tekst lezen, geen {wat}. Typ je vraag in een paar woorden. "
    "Is er nu gevaar? Bel 112. Alle hulplijnen: /hulp"
)
GROEP = (
    "Ik werk alleen in een privégesprek, zodat je vragen niet in de groep komen. "
    "Stuur me een persoonlijk bericht."
)
FOUT = (
    "Sorry, er ging iets mis aan mijn kant. Probeer het zo nog eens. "
    "Is er nu gevaar? Bel 112. Alle hulplijnen: /hulp"
)
ONBEKEND_COMMANDO = (
    "Dat commando ken ik niet. Typ je vraag gewoon in gewone woorden, of kijk bij /help."
)
OUDE_KNOP = "Deze knop werkt niet meer. Stel je vraag gerust opnieuw."
BEDANKT_GOED = "Fijn dat het helpt! Dank je voor je reactie."
BEDANKT_SLECHT = (
    "Jammer dat dit niet past. Dank je, hiermee maken we de assistent beter. "
    "Het CJG denkt graag met je mee; of stel je vraag op een andere manier."
)
IETS_ANDERS = "Waar kan ik je nog meer mee helpen? Typ je vraag."

NOTICE_TEXTS = {"te-lang": TE_LANG, "andere-taal": ANDERE_TAAL}
PROFIEL_LEEG = "nog niets ingevuld"
ROL_LABELS = {"ouder": "Ouder of verzorger", "professional": "Professional", "jongere": "Jongere"}

# --- console ------------------------------------------------------------------------------
# the line under an answer is data (chat_verder, chat_verder_info in data/teksten)
CHAT_HELP = HELP + "\n• /meer: meer plekken bij je laatste vraag.\n• /stop: stoppen (of Ctrl-D)."

# --- Telegram -----------------------------------------------------------------------------
PROFIEL_AANBOD = (
    "Wil je eerst iets over jezelf vertellen? Dan passen mijn tips beter. "
    "Het hoeft niet: elke vraag kun je overslaan."
)
PROFIEL_NU_NIET = "Prima! Typ gewoon je vraag. Je profiel invullen kan later met /profiel."
PROFIEL_HUIDIG = "Je profiel nu: {profiel}."
VRAAG_GEMEENTE = "In welke gemeente woon je?"
VRAAG_WIJK = "In welke wijk woon je?"
WIJK_ONBEKEND = (
    "Die wijk of postcode ken ik hier niet. Ik ken: {wijken}. Je kunt je wijk later nog kiezen"
    " met /profiel."
)
VRAAG_LEEFTIJD = "Hoe oud is je kind? Kies het aantal jaren (0 = jonger dan 1 jaar)."
VRAAG_LEEFTIJD_ZELF = "Hoe oud ben je?"
VRAAG_ROL = "Wie ben jij?"
PROFIEL_KLAAR = (
    "Dank je! Dit weet ik nu: {profiel}.\nTyp je vraag maar. Aanpassen kan altijd met /profiel."
)
BEWERKT = (
    "Je hebt een bericht aangepast. Ik lees alleen nieuwe berichten. Stuur je vraag gerust opnieuw."
)
KNOP_JA = "Ja, graag"
KNOP_NEE = "Nu niet"
KNOP_OVERSLAAN = "Overslaan"
KNOP_MEER = "Meer plekken"
KNOP_GOED = "👍"
KNOP_SLECHT = "👎"
KNOP_ANDERS = "Iets anders vragen"
KNOP_HULP = "🆘 Hulp nu"
COMMANDS = (
    ("profiel", "Vertel iets over jezelf, dan passen de tips beter"),
    ("hulp", "Alle hulplijnen, voor als het niet veilig is"),
    ("privacy", "Wat ik wel en niet bewaar"),
    ("vergeet", "Wis alles wat ik over jou weet"),
    ("help", "Zo werk ik"),
)
# admin (operator) texts
HERLAAD_BEZIG = "Ik laad de kennisbank opnieuw en bouw de index. Even geduld…"
HERLAAD_KLAAR = (
    "Klaar. De nieuwe kennisbank is actief: {entries} voorzieningen, {vectors} vectoren, "
    "{embedded} nieuw ingebed, in {seconds:.1f} s."
)
HERLAAD_MISLUKT = "Herladen is niet gelukt. De oude kennisbank blijft gewoon werken.\n\n{reden}"
HERLAAD_OOK_NOG = "Ik was al aan het herladen. Wacht even tot dat klaar is."
STATS = (
    "Anonieme tellingen (laatste {dagen} dagen):\n"
    "• Vragen: {vragen}, waarvan zonder passende plek: {geen_match}\n"
    "• Doorverwezen naar een hulplijn: {crisis}{per_crisis}\n"
    "• 👍 {duim_omhoog} · 👎 {duim_omlaag}\n"
    "• Opgeslagen profielen: {profielen}"
)
# what {wat} in ALLEEN_TEKST becomes, per kind of message
MEDIA_NAMES = {
    "voice": "spraakberichten",
    "audio": "geluidsbestanden",
    "photo": "foto's",
    "sticker": "stickers",
    "animation": "GIF's",
    "document": "bestanden",
    "location": "locaties",
    "venue": "locaties",
    "video": "video's",
    "video_note": "videoberichtjes",
    "contact": "contactkaartjes",
    "poll": "peilingen",
    "dice": "dobbelstenen",
    "game": "spelletjes",
    "story": "verhalen",
}
MEDIA_DEFAULT = "dit soort berichten"
# for the operator: the bot is started without a token
TOKEN_ONTBREEKT = (
    "ASSISTENT_TELEGRAM_TOKEN ontbreekt. Maak een bot bij @BotFather en zet het token in "
    ".env: ASSISTENT_TELEGRAM_TOKEN=123456:ABC..."
)
TELEGRAM_WEIGERT = (
    "Telegram weigert {wat} ({reden}). Controleer ASSISTENT_TELEGRAM_TOKEN en "
    "ASSISTENT_TELEGRAM_BASE_URL (of de webhook-instellingen)."
)


# --- other languages (data/teksten/<taal>.yaml) ----------------------------------------------
def _load_language(language: str) -> dict:
    from importlib import resources

    folder = resources.files("assistent").joinpath("data", "teksten")
    name = f"{language}.yaml"
    if not folder.joinpath(name).is_file():
        name = "nl.yaml"
    return read_yaml(folder.joinpath(name).read_text(encoding="utf-8"))


_LANGUAGE_CACHE: dict[str, dict] = {}


def _node(key: str, language: str) -> object:
    table = _LANGUAGE_CACHE.get(language)
    if table is None:
        table = _LANGUAGE_CACHE[language] = _load_language(language)
    node: object = table
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def variants(key: str, language: str = "nl") -> list[str]:
    """The list of texts ``key`` (e.g. the opening sentences) in ``language``, else Dutch."""
    for lang in (language, "nl"):
        node = _node(key, lang)
        if isinstance(node, list) and node:
            return [str(x) for x in node]
    return []


def translated(key: str, language: str = "nl", **values: object) -> str:
    """The text ``key`` (dotted for nested keys) in ``language``, falling back to Dutch."""
    for lang in (language, "nl"):
        node = _node(key, lang)
        if isinstance(node, str):
            return node.format(**values) if values else node
    raise KeyError(key)

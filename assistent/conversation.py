"""The dialogue shared by the console chat and the Telegram bot.

It keeps no global state: a :class:`Session` per user holds the profile and, in memory only and
for at most 30 minutes, the last question and answer. :meth:`Conversation.handle` turns one
message into a :class:`Turn`: an answer page, a follow-up about the places just shown, the next
page, or a short reply to small talk. The safety check comes first. Formatting: ``render``.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import cache

from assistent.answer import Answer, Assistant, clean_text
from assistent.intent import (
    FOLLOW_UP_PREFIX,
    MORE,
    QUESTION,
    REFINE,
    REPORT,
    Intent,
    IntentModel,
    default_model,
    words,
)
from assistent.language import DEFAULT as DEFAULT_LANGUAGE
from assistent.language import guess, guess_past_names
from assistent.profile import ROLES, Profile, read_hints
from assistent.referents import (
    NAMED_FOLLOW_UP_SHARE,
    NameIndex,
    field_apart_from_name,
    line_asked_about,
    ordinal,
)
from assistent.safety.detector import SafetySignal
from assistent.store import Store
from assistent.tally import Tally
from assistent.turns import FieldAnswer, NothingMore, Reply, Session, SmallTalk, Turn

log = logging.getLogger(__name__)

__all__ = ["ROLES", "Conversation", "FieldAnswer", "NothingMore", "Reply", "Session", "SmallTalk"]
__all__ += ["Turn"]

# The last question and answer are forgotten after this long without a message.
MEMORY_SECONDS = 30 * 60
# A follow-up or refinement says little else: more topic words than this make it a new question.
MAX_EXTRA_WORDS = 1
ABOUT_WHAT = "waarover"  # the reply to a follow-up with no answer before it (data/teksten)
LINELESS = ("adres", "aanmelden")  # no crisis line has these: asked of the places under it
# Right after the lines came first, a message of no words of its own that asks how to act
# ("wat moet ik doen", "what do i do", "ik weet het niet meer", read as a question, one of these
# small talks or a follow-up of these fields) is answered by the line, with its message
PLEAS = ("wat_kun_je", "weet_het_niet_meer")
PLEA_FIELDS = ("aanmelden", "info")
SWITCH_WORDS = 2  # a message this short switches the conversation's language only when clear
# A message the turn model calls a question with less than this share is also read in parts
# (sentences and clauses), at most MAX_PARTS of them, when it is at most MAX_PARTS_CHARS long.
SURE_QUESTION = 0.7
MAX_PARTS = 4
MAX_PARTS_CHARS = 200
_PARTS = re.compile(r"[.!?…;,\n]+")


class Conversation:
    """Dialogue logic: questions, follow-ups, small talk, paging, feedback, profile, forgetting."""

    def __init__(
        self,
        current: Callable[[], Assistant],
        store: Store | None = None,
        page_size: int = 3,
        intents: IntentModel | Callable[[], IntentModel] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._current = current
        self.store = store
        self.page_size = page_size
        self._intents = intents
        self.clock = clock
        self.tally = Tally(store)
        self._names: NameIndex | None = None  # see _name_index
        self._names_for: Assistant | None = None
        self._names_lock = threading.Lock()

    @property
    def assistant(self) -> Assistant:
        """The assistant that serves now (after a reload, the new one)."""
        return self._current()

    @property
    def intents(self) -> IntentModel:
        """The turn classifier (trained on first use; the n-gram model when none is given)."""
        self._intents = default_model() if self._intents is None else self._intents
        # asked each time: a model still in training is replaced later
        return self._intents if isinstance(self._intents, IntentModel) else self._intents()

    # --- profile ---
    @property
    def gemeenten(self) -> list[str]:
        """The gemeenten this instance serves."""
        return list(self.assistant.searcher.gemeenten)

    def wijken(self, profile: Profile) -> list[str]:
        """Wijken to choose from for the profile's gemeente."""
        return self.assistant.searcher.wijken_in(self.assistant.gemeente_for(profile))

    def load_session(self, user_id: int | str) -> Session:
        """A session with the stored profile, if any."""
        profile = self.store.get_profile(user_id) if self.store else None
        return Session(profile=profile or Profile())

    def update_profile(self, user_id: int | str, session: Session, **changes: object) -> Profile:
        """Change profile fields (None = skipped/unknown) and store the result."""
        session.profile = replace(session.profile, **changes)  # type: ignore[arg-type]
        if self.store:
            self.store.save_profile(user_id, session.profile)
        return session.profile

    def forget(self, user_id: int | str, session: Session) -> None:
        """Delete everything about this user, stored and in memory."""
        if self.store:
            self.store.forget(user_id)
        session.profile = Profile()
        session.forget_answer()

    # --- turns ---
    def handle(self, user_id: int | str, session: Session, text: str) -> Turn:
        """One message: safety first, then small talk, 'meer', a follow-up, or a new question."""
        if session.answer is not None and self.clock() - session.at > MEMORY_SECONDS:
            session.forget_answer()
        clean = clean_text(text)
        profile, within = session.effective_profile, session.continues  # before this turn
        signal = self.assistant.danger(clean, profile, within) if clean else None
        if signal is not None and self._keeps_the_line(session, signal, clean):
            signal = None  # "ik weet het niet meer" right after 112: that line answers it
        if not clean or signal is not None:
            doubtful = signal is not None and signal.doubt and not signal.all_lines
            chat = self._small_talk_with_care(user_id, session, clean) if doubtful else None
            if chat is not None:
                return chat
            if not (doubtful and session.live):
                return self.ask(user_id, session, text)
            # a doubtful sign keeps the conversation: "en in zuid?" is read, with the calm line
            turn = self._read(user_id, session, text, clean)
            return self._with_care(user_id, session, turn, text, clean)
        return self._read(user_id, session, text, clean)

    def _with_care(
        self, user_id: int | str, session: Session, turn: Turn, text: str, clean: str
    ) -> Turn:
        """A turn read from a message in the band of doubt, with the calm line of its sign."""
        if isinstance(turn, Reply) and turn.answer.crisis is not None:  # its own answer's sign
            turn.answer.crisis = replace(turn.answer.crisis, beside=turn.refined)
            return turn
        care = self.assistant.care(clean, session.effective_profile, session.continues)
        if care.crisis is None or care.lines_first or not care.crisis_lines:
            return turn
        care.crisis = replace(care.crisis, beside=True)
        if isinstance(turn, Reply) and turn.first_page:  # refined: the sign goes with it
            turn.answer.crisis, turn.answer.crisis_lines = care.crisis, care.crisis_lines
        elif isinstance(turn, (FieldAnswer, SmallTalk)) and not (  # "hij slaat me": no follow-up
            care.crisis.sure_alone and len(self.intents.content_words(clean)) > MAX_EXTRA_WORDS + 1
        ):
            turn = replace(turn, care=replace(care, taal=session.taal))
        else:  # 'meer' and the like have no room for the calm line: answer as a question
            return self.ask(user_id, session, text)
        self._count_crisis(session, care)
        return turn

    def _read(self, user_id: int | str, session: Session, text: str, clean: str) -> Turn:
        """The dialogue: small talk, 'meer', a follow-up, a refinement or a new question."""
        intent = self.intents.classify(clean)
        bare = self.assistant.lines.without_names(self._name_index().without_names(clean))
        loose, settled = intent.kind != QUESTION, session.live  # settled: a question answered
        language = guess_past_names(clean, bare, session.taal, loose, settled)
        # a word or two read loosely ("cheers" looks Dutch) does not switch it; a clear one does
        switch = len(words(clean)) > SWITCH_WORDS or guess(bare) is not None
        if language is not None and (switch or session.taal == DEFAULT_LANGUAGE):
            session.taal = language
        extra = self.intents.content_words(clean)
        plea = intent.kind in PLEAS or intent.kind == QUESTION or intent.field in PLEA_FIELDS
        if (  # "what do i do" right after 112 (names are read only then)
            plea
            and not extra
            and self._after_the_lines(session)
            and not self._points_at_page(clean, session)
        ):
            return self._follow_up(session, intent.field or "info", None)
        if intent.kind == REPORT:
            return self._report(user_id, session, text, extra)
        if intent.is_small_talk and (len(extra) <= MAX_EXTRA_WORDS + 1 or intent.is_closing):
            return self._small_talk(intent.kind, session)
        if intent.kind == MORE and len(extra) <= MAX_EXTRA_WORDS:
            return self.more(session) or NothingMore(session.taal)
        live = session.live
        if intent.is_off_topic and not (live and self._points_at_page(clean, session)):
            return self.ask(user_id, session, text, off_topic=True)
        nothing = cache(lambda: self._finds_nothing(clean, session.effective_profile))  # once
        # without a last answer only small talk counts, and only when the search finds nothing
        parts = self._read_parts(clean, intent, lambda: live or nothing())
        follow_up = next((i for p, i in parts if self._plain_follow_up(p, i)), None)
        if follow_up is not None and self._new_age_or_wijk(clean, session):
            follow_up = None  # "we verhuizen naar bosrand, wie is er daar voor ons": anew
        if not live or follow_up is None:
            # small talk in parts only when no part is another kind of turn: "oke dankje. fijn
            # dat dit kan" is; "en voor haar broertje van 4? die snapt het niet" (a refinement)
            # and "mijn laptop start niet. weet jij wat ik moet doen" (off-topic) are not
            chat = (
                intent
                if intent.is_small_talk
                else next((i for _, i in parts if i.is_small_talk), None)
                if all(i.is_small_talk or i.kind == QUESTION for _, i in parts)
                else None
            )
            if chat is not None and nothing():
                return self._small_talk(chat.kind, session)  # "oke dankje. fijn dat dit kan"
        if not live:
            if intent.is_follow_up and not extra and not self._places_named(clean):
                return self._small_talk(ABOUT_WHAT, session)  # "wat kost dat?" points at nothing
            return self.ask(user_id, session, text)
        if asked := line_asked_about(clean, self.assistant.lines, intent, self.intents.classify):
            session.last_field = asked[1]
            return FieldAnswer(field=asked[1], taal=session.taal, line=asked[0])
        turn = self._about_last_answer(user_id, session, clean, intent, extra, follow_up)
        if turn is not None:
            return turn
        last_field, question = session.last_field, session.question
        reply = self.ask(user_id, session, text)
        if named := self._about_named_place(reply, session, clean, intent, extra, last_field):
            session.question = question  # "en voor zijn broertje?" next refines what was asked
        return named or reply

    def _report(self, user_id: int | str, session: Session, text: str, extra: list[str]) -> Reply:
        """'moet ik dat melden?': not signing up. Veilig Thuis answers it first; the places are
        found for the worry just told ('dat') when the message says nothing of its own."""
        about, taal = (session.question if session.live and not extra else None), session.taal
        reply = self.ask(user_id, session, f"{about} {text}" if about else text)
        if about:  # the language is the writer's, not that of the worry told before
            session.taal = reply.answer.taal = taal
        self.assistant.report_line(reply.answer)
        return reply

    def _small_talk_with_care(
        self, user_id: int | str, session: Session, text: str
    ) -> SmallTalk | None:
        """Small talk that only the band of doubt reads as a possible crisis ("ik weet het niet
        meer"): the warm reply, with the calm sentence of the line, never a list of places.
        None when it is not plainly small talk: then the message is answered as a question."""
        intent = self.intents.classify(text)
        if not intent.is_small_talk or len(self.intents.content_words(text)) > MAX_EXTRA_WORDS + 1:
            return None
        answer = self.assistant.answer(text, session.effective_profile, within=session.continues)
        if answer.crisis is None or answer.lines_first or not answer.crisis_lines:
            return None
        session.taal = guess(text, loose=True) or session.taal
        answer.taal = session.taal
        self._count(user_id, session, answer, text)
        return replace(self._small_talk(intent.kind, session), care=answer)

    def _read_parts(
        self, text: str, intent: Intent, worth_it: Callable[[], bool]
    ) -> list[tuple[str, Intent]]:
        """The parts of a short message the turn model is unsure about, each read on its own:
        a follow-up or a thank-you with a clause of its own ("hoe laat is die groep? mn vriend
        wil ook mee") reads as a question as a whole. Nothing when the model is sure, or when
        ``worth_it`` says no."""
        if intent.kind != QUESTION or intent.score >= SURE_QUESTION or len(text) > MAX_PARTS_CHARS:
            return []
        parts = [p for p in _PARTS.split(text) if words(p)]
        if not 1 < len(parts) <= MAX_PARTS or not worth_it():
            return []
        return [(part, self.intents.classify(part)) for part in parts]

    def _plain_follow_up(self, part: str, intent: Intent) -> bool:
        """A part that is a follow-up and says little else ("hoe laat is die groep?")."""
        return intent.is_follow_up and len(self.intents.content_words(part)) <= MAX_EXTRA_WORDS + 1

    def _new_age_or_wijk(self, text: str, session: Session) -> bool:
        """Whether a message gives another age or wijk than the conversation has."""
        current = session.effective_profile
        hints = read_hints(text, self.wijken(current))
        return any(
            getattr(hints, k) is not None and getattr(hints, k) != getattr(current, k)
            for k in ("leeftijd", "wijk")
        )

    def _finds_nothing(self, text: str, profile: Profile) -> bool:
        """Whether the kennisbank has nothing for a message ("dank u wel, dan bespreek ik het")."""
        answer = self.assistant.answer(text, profile)
        return answer.abstained and answer.crisis is None

    def _about_last_answer(
        self,
        user_id: int | str,
        session: Session,
        text: str,
        intent: Intent,
        extra: list[str],
        in_part: Intent | None = None,
    ) -> Turn | None:
        """A follow-up or a refinement of the last answer, or None for a new question.
        ``in_part``: a part of the message that is a follow-up ("is die training savonds? mn
        vriendin wil ook mee"), for a message that as a whole is not one."""
        page = [r.entry for r in session.page]
        target = self._name_index().pointed(text, page)  # by number, name or description
        if target is not None and self._new_age_or_wijk(text, session):
            target = None  # "hoe laat is die club? mijn zoon is 15": asked anew for him
        if not intent.is_follow_up:
            refined = self._refine(user_id, session, text, intent.kind == REFINE, extra)
            if refined is not None:
                return refined
        intent = in_part or intent
        if target is None and self._about_another_place(text, session):
            return None  # "en wat kost het wijkteam?" when no wijkteam was shown: search anew
        field_name = intent.field
        # "en de tweede?" (a clause that is a follow-up of its own already says its field)
        if target is not None and (in_part is None or field_name in (None, "info")):
            entry, carried = session.page[target].entry, session.last_field
            field_name = field_apart_from_name(text, entry, self.intents, carried) or field_name
        if field_name is None and target is not None:
            # "waar zit het jongerenwerk": a place just shown, asked about in a follow-up way
            if session.last_field and len(extra) <= MAX_EXTRA_WORDS + 1:  # "en de tweede?"
                field_name = session.last_field
            elif intent.follow_up_share >= NAMED_FOLLOW_UP_SHARE:
                field_name = (intent.follow_up or "").removeprefix(FOLLOW_UP_PREFIX)
        if field_name and (
            target is not None
            or len(extra) <= MAX_EXTRA_WORDS
            # clearly about the last answer, with a clause of its own ("kan mijn man ook mee,
            # hij werkt overdag?"): a follow-up unless a word names another place's topic
            or (intent.is_follow_up and not self._new_topic(extra, session))
        ):
            return self._follow_up(session, field_name, target)
        if intent.is_follow_up:
            return self._refine(user_id, session, text, False, extra)
        return None

    def _about_named_place(
        self,
        reply: Reply,
        session: Session,
        text: str,
        intent: Intent,
        extra: list[str],
        last_field: str | None,
    ) -> FieldAnswer | None:
        """A follow-up that names a place the last answer did not show ("en de
        schoolmaatschappelijk werker, hoe bereik ik die?"): once the new search shows that place,
        the user gets what they asked about it, not a list. None when it is a new question."""
        answer = reply.answer
        # the place may be a "misschien" under the CJG: a follow-up says little to search on
        if (answer.crisis is not None and not answer.crisis.carried) or not answer.answered:
            return None
        named = self._places_named(text) or self._name_index().kinds_named(text)
        place = next((r.entry for r in reply.results if r.entry.id in named), None)
        if place is None:
            return None
        field_name = field_apart_from_name(text, place, self.intents, last_field) or intent.field
        if field_name is None and intent.follow_up_share >= NAMED_FOLLOW_UP_SHARE:
            field_name = (intent.follow_up or "").removeprefix(FOLLOW_UP_PREFIX)
        if not field_name and last_field and len(extra) <= MAX_EXTRA_WORDS + 1:  # "en bij VT?"
            field_name = last_field
        if not field_name or self._asks_what_it_offers(text, place.id):
            return None  # "we hebben weinig geld voor sport": the list, not its costs
        session.last_field = field_name
        session.subject = next(i for i, r in enumerate(session.page) if r.entry.id == place.id)
        return FieldAnswer(
            field=field_name, taal=session.taal, entries=[place], shared=self._shared()
        )

    def _asks_what_it_offers(self, text: str, place_id: str) -> bool:
        """Whether the message, apart from the place's name, says one of its topics whole: then
        it asks for help with that ("weinig geld voor sport"), it does not point at the place
        ("Leerplicht, wanneer zijn die bereikbaar?", where the topic is the name itself). Only a
        whole name word points: "hulp bij huiswerk" asks for homework help, though "huiswerk"
        begins "Huiswerkbegeleiding"."""
        others = self._name_index().others(text, place_id)
        return bool(self.assistant.searcher.topics_in(place_id, others))

    def _about_another_place(self, text: str, session: Session) -> bool:
        """Whether the message names a place that is not on the last page, and a search for it
        shows that place (a name word can be an everyday word: "ik *werk* tot zes" does not
        mean Schoolmaatschappelijk Werk)."""
        shown = {r.entry.id for r in session.page}
        named = self._places_named(text) - shown
        kind = self._name_index().kinds_named(text)
        if not named and kind and not kind & shown:  # "en het wijkteam?" when none was shown
            named = kind
        if not named:
            return False
        answer = self.assistant.answer(text, session.effective_profile)
        top = {r.entry.id for r in answer.results[: self.page_size]}
        return answer.answered and answer.crisis is None and bool(named & top)

    def _points_at_page(self, text: str, session: Session) -> bool:
        """Whether a message numbers a place just shown or names one ("eigen koers")."""
        shown = {r.entry.id for r in session.page}
        return ordinal(text, len(shown)) is not None or bool(self._places_named(text) & shown)

    def _places_named(self, text: str) -> set[str]:
        return self._name_index().places_named(text)

    def _name_index(self) -> NameIndex:
        """The name index of the assistant that serves now (a reload swaps it). Built once: the
        first turns after a start come in together, and each one built it (with the word lists
        it reads) while holding the others up."""
        assistant = self.assistant
        with self._names_lock:
            if self._names is None or self._names_for is not assistant:
                self._names = NameIndex(assistant.searcher.entries, assistant.searcher.shared)
                self._names_for = assistant
            return self._names

    def _shared(self) -> frozenset[str]:
        """The sentences the kennisbank's places share: 'Meer info' passes over them."""
        return self.assistant.summaries.shared

    def warm_up(self) -> None:
        """Build what the first turn needs besides the assistant's own warm-up (the name index
        and the word lists behind it), so the first users do not wait for it."""
        self._name_index()

    def ask(
        self, user_id: int | str, session: Session, text: str, off_topic: bool = False
    ) -> Reply:
        """Answer a free-text question and count it anonymously."""
        profile = session.effective_profile
        before = session.answer
        answer = self.assistant.answer(text, profile, off_topic, session.continues)
        if not answer.answered and session.live:
            # "😭" or nothing at all says nothing: the last answer stays, its line and places too
            return Reply(answer, [], first_page=True, has_more=False, rol=profile.rol)
        if answer.answered:  # "ok", "thx", a place's name alone: the conversation's language
            clean = clean_text(text)
            bare = self.assistant.lines.without_names(self._name_index().without_names(clean))
            answer.taal = session.taal = guess_past_names(clean, bare, session.taal) or session.taal
        session.question = text if answer.answered else None
        session.last_field = None
        self._remember(session, answer)
        if answer.answered:
            self._count(user_id, session, answer, text)
        if answer.crisis is None and before is not None and before.lines_first:
            # "he is still here": the danger is not forgotten one message later (counted once)
            assert before.crisis is not None
            answer.crisis = replace(before.crisis, level="zorg", all_lines=False, carried=True)
            answer.crisis_lines = before.crisis_lines[:1]
        # the opening sentence fits who writes: "ik ben 14", "als leerkracht" say it too
        return self._first_page(session, answer, profile.rol or read_hints(text).rol)

    def more(self, session: Session) -> Reply | None:
        """The next page of the last answer, or None when there is nothing more."""
        answer = session.answer
        if answer is None or session.shown >= len(answer.results) or answer.abstained:
            return None
        start = session.shown
        session.shown = min(start + self.page_size, len(answer.results))
        session.page = answer.results[start : session.shown]
        session.subject = None
        session.at = self.clock()
        return Reply(
            answer=answer,
            results=session.page,
            first_page=False,
            has_more=len(answer.results) > session.shown,
            rol=session.effective_profile.rol,
        )

    def _remember(self, session: Session, answer: Answer) -> None:
        session.answer, session.subject = answer, None
        session.shown = min(self.page_size, len(answer.results))
        session.page = answer.results[: session.shown]
        session.at = self.clock()

    def _first_page(self, session: Session, answer: Answer, rol: str | None) -> Reply:
        has_more = len(answer.results) > session.shown and not answer.abstained
        return Reply(answer, session.page, first_page=True, has_more=has_more, rol=rol)

    def _small_talk(self, kind: str, session: Session) -> SmallTalk:
        offers_person = kind in ("weet_het_niet_meer", "wie_ben_jij")
        contact = None
        if offers_person:
            fallback = self.assistant.searcher.fallback(session.effective_profile)
            contact = fallback[0] if fallback else None
        # right after the lines came first ("oke ik ga ze bellen. dankje"): the line, calmly
        care = session.answer if session.answer is not None and session.answer.line_leads else None
        return SmallTalk(kind=kind, taal=session.taal, contact=contact, care=care)

    def _keeps_the_line(self, session: Session, signal: SafetySignal, text: str) -> bool:
        """Whether a message of no words of its own, with a milder sign than the lines that
        just came first, is about those lines (it is read as a plea: see PLEAS)."""
        answer = session.answer
        milder = signal.level != "acuut" and not signal.all_lines
        after = answer is not None and answer.lines_first and self._after_the_lines(session)
        return milder and after and not self.intents.content_words(text)

    @staticmethod
    def _after_the_lines(session: Session) -> bool:
        """Whether the lines just came first, or their calm sentence right after (carried)."""
        answer = session.answer
        if answer is None or answer.crisis is None or not answer.crisis_lines:
            return False
        return answer.lines_first or answer.crisis.carried

    def _new_topic(self, extra: list[str], session: Session) -> bool:
        """Whether a word of the message is a topic of a place that was not just shown."""
        shown = [r.entry.id for r in session.page]
        return bool(self.assistant.searcher.other_topics(extra, shown))

    def _follow_up(self, session: Session, field_name: str | None, target: int | None) -> Turn:
        answer = session.answer
        assert answer is not None
        session.at = self.clock()
        field_name = session.last_field = field_name or "info"
        # right after the lines, how to act ("wat moet ik doen") is about the line; where it is,
        # only a place can say (not once a follow-up named a place: "... hoe kom ik erin")
        plea = (
            field_name in PLEA_FIELDS and session.subject is None and self._after_the_lines(session)
        )
        place_only = field_name in LINELESS and bool(session.page) and not plea
        if (answer.line_leads or plea) and target is None and not place_only:
            return FieldAnswer(field=field_name, taal=session.taal, line=answer.crisis_lines[0])
        if not session.page:
            return NothingMore(session.taal)
        if target is None and session.subject is not None and session.subject < len(session.page):
            target = session.subject  # "hoe meld ik me aan bij die groep?" ... "kost het iets?"
        if target is None:  # no place named: all just shown answer ("wat kost dat?"), the line too
            entries = [r.entry for r in session.page]
        else:
            entries, session.subject = [session.page[target].entry], target
        line = answer.line_beside if target is None and field_name != "adres" else None
        said = self.assistant.described(entries, field_name)  # "Deelname is gratis."
        return FieldAnswer(
            field_name, session.taal, entries, line, described=said, shared=self._shared()
        )

    def details(self, session: Session) -> FieldAnswer | None:
        """'Meer info' under an answer: every detail of the places on the last page."""
        if session.answer is None or not session.page:
            return None
        session.at = self.clock()
        entries = [r.entry for r in session.page]
        return FieldAnswer(field="info", taal=session.taal, entries=entries, shared=self._shared())

    def _refine(
        self, user_id: int | str, session: Session, text: str, meant: bool, extra: list[str]
    ) -> Reply | None:
        """The last question again with the age or wijk this message gives, if it does. With
        words of its own it is a new question, unless alone it finds nothing: "en voor zn zus
        van 7? die zit ook al de hele dag op tiktok" leans on the last question."""
        if session.question is None:
            return None
        current = session.effective_profile
        hints = read_hints(text, self.wijken(current))
        said = {
            k: v
            for k, v in vars(hints).items()  # a life stage ("mijn puber") refines nothing
            if v is not None and v != getattr(current, k, v) and (k != "rol" or meant)
        }
        if not (said.keys() & {"leeftijd", "wijk"}) and not (meant and said):
            return None  # "mijn puber blowt": a role alone is a new question, not a refinement
        hint_words = set(words(" ".join(str(v) for v in said.values())))
        own = len([w for w in extra if w not in hint_words]) > MAX_EXTRA_WORDS
        before, session.refined = session.refined, replace(session.refined, **said)
        profile = session.effective_profile
        if own and not meant and not self._finds_nothing(text, profile):
            session.refined = before
            return None
        # The change joins the question: an age in the first message ("peuter van 2") then no
        # longer outweighs the new one, and the search still sees what it was about.
        session.question = f"{session.question} {text}"
        answer = self.assistant.answer(session.question, profile)
        answer.taal = session.taal
        self._remember(session, answer)
        session.last_field = None
        if answer.answered:
            self._count(user_id, session, answer, session.question)
        reply = self._first_page(session, answer, profile.rol)
        reply.refined = True
        return reply

    def feedback(
        self, user_id: int | str, session: Session, good: bool, soort: str | None = None
    ) -> None:
        """Count a 👍 or 👎 (and keep the question text only if the operator opted in)."""
        self.tally.feedback(self.assistant, user_id, session, good, soort)

    def _count_crisis(self, session: Session, answer: Answer) -> None:
        self.tally.crisis(self.assistant, session, answer)

    def _count(self, user_id: int | str, session: Session, answer: Answer, text: str) -> None:
        self.tally.question(self.assistant, user_id, session, answer, text)

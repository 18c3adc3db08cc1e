"""Who a place is for: the profile filters (gemeente, wijk, age, doelgroep) and the note that
says why a place outside them is shown anyway. ``FilterMasks`` holds one boolean mask per
gemeente, wijk, age and role, computed once when an index loads; ``passes_filters`` is the
reference for one entry. Without a wijk, ``one_location_each`` keeps two locations of one
service from filling the first page together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistent.kennisbank import Voorziening, same_name
from assistent.kennisbank.vocabulary import FALLBACK_SOORT, HIDDEN_SOORTEN
from assistent.profile import Profile

ROL_DOELGROEP: dict[str, set[str]] = {
    "ouder": {"ouders"},
    # a professional refers: a service for the families, children or young people they work
    # with fits their question (a wijkagent asking about hangjongeren needs the jongerenwerk, a
    # teacher the service for parents; in the seen sets 13 of 80 professionals' questions
    # expected such a place, 7 nothing else)
    "professional": {"professionals", "ouders", "kinderen", "jongeren"},
    "jongere": {"jongeren", "kinderen"},
}
MAX_AGE = 30  # the kennisbank's age ranges end here (Leeftijd.tot ≤ 30)


@dataclass(frozen=True)
class FilterNote:
    """Why a shown entry lies outside the asker's filters: the facts for a short note."""

    wijken: tuple[str, ...] = ()  # in another wijk: the entry's own wijken
    van: int | None = None  # the child (or jongere) is younger than this
    tot: int | None = None  # ... or older than this
    doelgroep: tuple[str, ...] = ()  # meant for other people than the asker


def professionals_only(entry: Voorziening) -> bool:
    """True for a service meant for professionals alone: only professionals see it."""
    return bool(entry.doelgroep) and set(entry.doelgroep) <= {"professionals"}


def passes_filters(entry: Voorziening, profile: Profile, gemeente: str | None) -> bool:
    """True when the entry fits this profile (a missing field filters nothing). The reference
    for one entry; ``FilterMasks`` answers the same for all entries at once."""
    if entry.soort in HIDDEN_SOORTEN:
        return False
    if profile.rol != "professional" and professionals_only(entry):
        return False
    if gemeente and not entry.landelijk and not same_name(entry.gemeente, gemeente):
        return False
    if profile.wijk and entry.wijken:
        if not any(same_name(w, profile.wijk) for w in entry.wijken):
            return False
    if profile.leeftijd is not None and entry.leeftijd:
        tot = profile.leeftijd if profile.leeftijd_tot is None else profile.leeftijd_tot
        if not (entry.leeftijd.van <= tot and profile.leeftijd <= entry.leeftijd.tot):
            return False
    if profile.rol and entry.doelgroep:
        return bool(ROL_DOELGROEP[profile.rol] & set(entry.doelgroep))
    return True


def key(name: str) -> str:
    """A gemeente or wijk name the way ``same_name`` compares it."""
    return " ".join(name.casefold().split())


class FilterMasks:
    """Boolean masks per gemeente, wijk, age and role, computed once when the index loads. A
    question combines a few of them with numpy; it never loops over the entries."""

    def __init__(self, entries: list[Voorziening]) -> None:
        n = len(entries)
        self.size = n
        self.visible = np.array([e.soort not in HIDDEN_SOORTEN for e in entries], bool)
        self.landelijk = np.array([e.landelijk for e in entries], bool)
        self.fallback = np.array([e.soort == FALLBACK_SOORT for e in entries], bool)
        self.professionals_only = np.array([professionals_only(e) for e in entries], bool)
        self.own: dict[str, np.ndarray] = {}  # gemeente → its own (not landelijk) entries
        self.in_wijk: dict[str, np.ndarray] = {}  # wijk → entries that list it
        for i, e in enumerate(entries):
            if e.gemeente and not e.landelijk:
                self.own.setdefault(key(e.gemeente), np.zeros(n, bool))[i] = True
            for w in e.wijken:
                self.in_wijk.setdefault(key(w), np.zeros(n, bool))[i] = True
        self.whole_gemeente = np.array([not e.wijken for e in entries], bool)
        self.has_age = np.array([e.leeftijd is not None for e in entries], bool)
        self.van = np.array([e.leeftijd.van if e.leeftijd else 0 for e in entries], np.int16)
        self.tot = np.array([e.leeftijd.tot if e.leeftijd else MAX_AGE for e in entries], np.int16)
        ages = np.arange(MAX_AGE + 1, dtype=np.int16)[:, None]
        self.age_band = (self.van[None, :] <= ages) & (ages <= self.tot[None, :])  # age × entry
        self.doelgroep = {
            rol: np.array([not e.doelgroep or bool(g & set(e.doelgroep)) for e in entries], bool)
            for rol, g in ROL_DOELGROEP.items()
        }
        self.soort = np.unique([e.soort for e in entries], return_inverse=True)[1].reshape(n)
        self.wijken = [tuple(e.wijken) for e in entries]
        self.doelgroepen = [tuple(e.doelgroep) for e in entries]

    def gemeente(self, gemeente: str | None) -> np.ndarray:
        """Entries of this gemeente plus the landelijke ones (all when none is known)."""
        if not gemeente:
            return np.ones(self.size, bool)
        return self.landelijk | self.own.get(key(gemeente), np.zeros(self.size, bool))

    def hard(self, profile: Profile, gemeente: str | None) -> np.ndarray:
        """What is never shown to this asker: hidden soorten, other gemeenten, services for
        professionals alone to anyone else."""
        mask = self.visible & self.gemeente(gemeente)
        if profile.rol != "professional":
            mask &= ~self.professionals_only
        return mask

    def wijk(self, wijk: str | None) -> np.ndarray:
        """Entries for the whole gemeente plus those that list this wijk."""
        if not wijk:
            return np.ones(self.size, bool)
        return self.whole_gemeente | self.in_wijk.get(key(wijk), np.zeros(self.size, bool))

    def age(self, leeftijd: int | None, tot: int | None = None) -> np.ndarray:
        """Entries whose age range meets this age (or a life stage's ``leeftijd``–``tot``);
        those without a range always."""
        if leeftijd is None:
            return np.ones(self.size, bool)
        tot = leeftijd if tot is None else tot
        if leeftijd == tot and 0 <= leeftijd <= MAX_AGE:
            return self.age_band[leeftijd]
        return ~self.has_age | ((self.van <= tot) & (leeftijd <= self.tot))

    def role(self, rol: str | None) -> np.ndarray:
        """Entries whose doelgroep includes this role (those without a doelgroep always)."""
        return self.doelgroep[rol] if rol else np.ones(self.size, bool)

    def note(self, i: int, profile: Profile) -> FilterNote:
        """The facts that put entry ``i`` outside this profile's wijk, age or doelgroep."""
        wijken = () if self.wijk(profile.wijk)[i] else self.wijken[i]
        leeftijd = profile.leeftijd if self.has_age[i] else None
        upper = leeftijd if profile.leeftijd_tot is None else profile.leeftijd_tot
        young = upper is not None and upper < self.van[i]
        old = leeftijd is not None and leeftijd > self.tot[i]
        return FilterNote(
            wijken=wijken,
            van=int(self.van[i]) if young else None,
            tot=int(self.tot[i]) if old else None,
            doelgroep=() if self.role(profile.rol)[i] else self.doelgroepen[i],
        )


# An answer shows this many places first (the default ASSISTENT_TOP_K): without a wijk, two
# locations of one service do not both take one of them.
FIRST_PAGE = 3


def one_location_each(
    order: np.ndarray, entries: Sequence[Voorziening], profile: Profile
) -> np.ndarray:
    """Without a wijk to choose by, another location of a service already among the first
    FIRST_PAGE of ``order`` (the same soort, only in other wijken: Consultatiebureau Zuid after
    Noord) comes after them, and leaves its place to another kind of help."""
    if profile.wijk is not None:
        return order
    first: list[int] = []
    later: list[int] = []
    for i in order.tolist():
        entry = entries[i]
        elsewhere = (
            len(first) < FIRST_PAGE
            and bool(entry.wijken)
            and entry.soort != FALLBACK_SOORT
            and any(
                other.soort == entry.soort
                and bool(other.wijken)
                and not set(other.wijken) & set(entry.wijken)
                for other in (entries[j] for j in first)
            )
        )
        (later if elsewhere else first).append(i)
    if not later:
        return order
    return np.array(first[:FIRST_PAGE] + later + first[FIRST_PAGE:], dtype=order.dtype)

"""Who is asking: the optional profile that filters answers. No heavy imports here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Rol = Literal["ouder", "professional", "jongere"]
ROLES: tuple[Rol, ...] = ("ouder", "professional", "jongere")


@dataclass(frozen=True)
class Profile:
    """What a user told about themselves; every field optional, a missing one filters nothing."""

    gemeente: str | None = None
    wijk: str | None = None
    leeftijd: int | None = None
    rol: Rol | None = None

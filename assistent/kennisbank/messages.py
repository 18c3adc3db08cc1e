"""Dutch messages for kennisbank validation errors: one pydantic error → field + what to do."""

from __future__ import annotations

import re
from typing import Any

from assistent.errors import did_you_mean
from assistent.kennisbank.model import Contact, Voorziening

_FIELD_NAMES = [*Voorziening.model_fields, *Contact.model_fields, "van", "tot"]

_TYPE_MESSAGES = {
    "missing": "ontbreekt; dit veld is verplicht.",
    "string_type": "moet tekst zijn.",
    "int_type": "moet een heel getal zijn.",
    "int_parsing": "moet een heel getal zijn.",
    "bool_type": "moet ja of nee zijn (of true of false).",
    "bool_parsing": "moet ja of nee zijn (of true of false).",
    "list_type": "moet een lijst zijn, bijvoorbeeld [a, b] of regels die beginnen met '- '.",
    "date_type": "moet een datum zijn in de vorm JJJJ-MM-DD, bijvoorbeeld 2026-10-01.",
    "date_parsing": "moet een datum zijn in de vorm JJJJ-MM-DD, bijvoorbeeld 2026-10-01.",
    "date_from_datetime_parsing": "moet een datum zijn in de vorm JJJJ-MM-DD.",
    "model_type": "moet een groep velden zijn (ingesprongen regels eronder).",
    "dict_type": "moet een groep velden zijn (ingesprongen regels eronder).",
    "string_too_short": "mag niet leeg zijn.",
    "greater_than_equal": "is te klein.",
    "less_than_equal": "is te groot (maximaal 30 jaar).",
}


def translate(error: dict[str, Any]) -> tuple[str, str]:
    """Turn one pydantic error into (field path, Dutch message with what to do)."""
    loc = [str(part) for part in error["loc"]]
    name = ".".join(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        unknown = loc[-1]
        hint = did_you_mean(unknown, _FIELD_NAMES, " Zie docs/kennisbank.md voor de velden.")
        return name, f"onbekend veld '{unknown}'.{hint}"
    if kind == "literal_error" and loc and loc[0] == "doelgroep":
        return name, (
            f"'{error.get('input')}' is geen doelgroep. Kies uit: ouders, professionals, "
            "jongeren, kinderen."
        )
    if kind == "string_pattern_mismatch":
        return name, (
            f"'{error.get('input')}' mag alleen kleine letters, cijfers en '-' bevatten, "
            "bijvoorbeeld home-start-noord."
        )
    if kind.startswith("date") and isinstance(error.get("input"), str):
        value = error["input"]
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value.strip()):
            return name, (
                f"'{value}' bestaat niet als datum. Controleer de maand en de dag "
                "(JJJJ-MM-DD, bijvoorbeeld 2026-10-01)."
            )
        return name, f"'{value}' is geen datum. Schrijf JJJJ-MM-DD, bijvoorbeeld 2026-10-01."
    if kind in ("int_parsing", "bool_parsing") and isinstance(error.get("input"), str):
        return name, f"'{error['input']}' {_TYPE_MESSAGES[kind]}"
    if kind in ("value_error", "assertion_error"):
        message = str(error.get("ctx", {}).get("error", error["msg"]))
        return name, message
    return name, _TYPE_MESSAGES.get(kind, error["msg"])

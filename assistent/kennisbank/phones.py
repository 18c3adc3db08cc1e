"""Phone numbers a digit short or long: a doubt worth a warning, found with the numbering plan.

The kennisbank keeps a number exactly as staff typed it; the model only checks its characters.
A digit dropped or doubled while typing ('020-123456') still passes that check and reaches
parents. Google's numbering plan (the ``phonenumbers`` library) knows which Dutch numbers
exist: a number it does not know, but would know with one digit more or one less, is doubted.
A number it knows, a short service number (0800-2000, 14 020) and an area code it has never
heard of (the test data's 012) are not: there is nothing to compare them with.
"""

from __future__ import annotations

import re

import phonenumbers

REGION = "NL"  # a number without +31 is read as Dutch
CHECK = "Kijk het na: ouders zien het precies zoals het hier staat."
MIN_WHOLE = 9  # digits of a Dutch number without its 0: shorter ones are service numbers (113)


def phone_doubt(typed: str) -> str | None:
    """A Dutch sentence on why ``typed`` looks a digit short or long, or lost its 0; or None."""
    try:
        number = phonenumbers.parse(typed, REGION)
    except phonenumbers.NumberParseException:
        return None
    only_digits = re.sub(r"\D", "", typed)
    digits = len(only_digits)
    # the first digit counts, not the first character: '(0123) 456 770' has its 0
    if "+" not in typed and not only_digits.startswith("0") and digits >= MIN_WHOLE:
        # a spreadsheet that stored the number as a number dropped its 0 ('612345678')
        return f"'{typed}' mist de 0 vooraan. {CHECK}"
    if phonenumbers.is_valid_number(number):
        return None
    national = phonenumbers.national_significant_number(number)
    for variant, how in ((national + "0", "te weinig"), (national[:-1], "te veel")):
        candidate = phonenumbers.PhoneNumber(country_code=number.country_code)
        candidate.national_number = int(variant) if variant else 0
        if variant and phonenumbers.is_valid_number(candidate):
            return (
                f"'{typed}' heeft {digits} cijfers, één {how} voor een nummer dat zo begint. "
                + CHECK
            )
    return None

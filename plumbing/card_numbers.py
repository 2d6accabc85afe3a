"""Refuse anything that looks like a payment card number.

The policy promises that card data is never kept on the shop's servers, so a free-text field
(a name, an external id) carrying a Luhn-valid run of 13 to 19 digits is refused rather than
stored by accident.
"""

import re

_DIGIT_RUN = re.compile(r"(?:\d[ -]?){13,19}")


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def looks_like_card_number(text: str) -> bool:
    for match in _DIGIT_RUN.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn_valid(digits):
            return True
    return False

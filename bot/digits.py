"""Arabic-Indic (U+0660..) and Persian (U+06F0..) digits to ASCII.

Users type references, IDs, phone numbers and dates with whichever digits their keyboard
has; every parser in the project reads them through this one table.
"""

from __future__ import annotations

import re

__all__ = ["ASCII_DIGITS", "digit_run", "to_ascii_digits"]

ASCII_DIGITS: dict[int, str] = {
    **{0x0660 + digit: str(digit) for digit in range(10)},  # Arabic-Indic ٠١٢٣٤٥٦٧٨٩
    **{0x06F0 + digit: str(digit) for digit in range(10)},  # Persian ۰۱۲۳۴۵۶۷۸۹
}


def to_ascii_digits(text: str) -> str:
    """`text` with every Arabic-Indic or Persian digit replaced by its ASCII digit."""
    return text.translate(ASCII_DIGITS)


def digit_run(text: str, length: int) -> str | None:
    """The first run of exactly `length` digits in `text`, however typed (any digits, a space
    or a hyphen between two of them: "123 456", «١٢٣-٤٥٦»), as ASCII digits; None if none."""
    pattern = rf"(?<!\d)(\d[\s-]?){{{length - 1}}}\d(?!\d)"
    found = re.search(pattern, to_ascii_digits(text or ""))
    return re.sub(r"[\s-]", "", found.group(0)) if found else None

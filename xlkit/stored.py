"""Reading back what a template stored on its hidden sheet, strictly.

The hidden sheet travels inside the teacher's file, so its JSON is as untrusted as the
cells. A value of the wrong type or size must stop at the reader as one clear problem for
that file: a list where a colour belongs, a grade written as text or 300,000 subjects once
got past the reader and stopped the whole consolidation later, in the leader's process.
Each accessor returns the value or raises ValueError, which the template readers turn into
InvalidWorkbook ("Skemaets skjulte oplysninger er ufuldstændige").
"""

from __future__ import annotations

import math
import re

COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
MAX_TEXT = 300  # school names, subject labels, test names


def integer(value: object, low: int, high: int, what: str) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"{what} skal være et helt tal fra {low} til {high}")
    return value


def number(value: object, low: float, high: float, what: str) -> float:
    if type(value) not in (int, float) or not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{what} skal være et tal fra {low:g} til {high:g}")
    return float(value)


def text(value: object, what: str, max_length: int = MAX_TEXT) -> str:
    """Text that can be written to a workbook again (no lone surrogates from JSON escapes)."""
    if type(value) is not str or len(value) > max_length:
        raise ValueError(f"{what} skal være en tekst på højst {max_length} tegn")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} indeholder ugyldige tegn") from None
    return value


def colour(value: object, what: str) -> str:
    if type(value) is not str or not COLOUR.fullmatch(value):
        raise ValueError(f"{what} skal være en farve som #RRGGBB")
    return value


def items(value: object, low: int, high: int, what: str) -> list:
    if type(value) is not list or not low <= len(value) <= high:
        raise ValueError(f"{what} skal være en liste med {low} til {high} elementer")
    return value


def mapping(value: object, what: str) -> dict:
    if type(value) is not dict:
        raise ValueError(f"{what} mangler")
    return value

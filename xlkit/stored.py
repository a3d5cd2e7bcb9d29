"""Reading back what a template stored on its hidden sheet, strictly.

The hidden sheet travels inside the teacher's file, so its JSON is as untrusted as the
cells. A value of the wrong type or size must stop at the reader as one clear problem for
that file: a list where a colour belongs, a grade written as text or 300,000 subjects once
got past the reader and stopped the whole consolidation later, in the leader's process.
Each accessor returns the value or raises ValueError (a Danish message), which the template
readers turn into InvalidWorkbook.
"""

from __future__ import annotations

import re

from xlkit.values import danish_number

COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
MAX_TEXT = 300  # school names, subject labels, test names
# Generous bounds: far beyond what the builders make (a class sheet ends at column ZZ and the
# metadata cell at 32,767 characters), tight enough that a forged list cannot flood a run.
MAX_LEVELS = 100
MAX_SUBJECTS = 100
MAX_TERMS = 200
MAX_COLUMNS = 702  # terms × subjects: every rating column fits on one sheet
MAX_TESTS = 100
MAX_TASKS = 1_000
MAX_TASK_POINTS = 1_000_000


def integer(value: object, low: int, high: int, what: str) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"{what} skal være et helt tal fra {danish_number(low)} til {danish_number(high)}")
    return value


def number(value: object, low: float, high: float, what: str) -> float:
    """A finite number in [low, high] (NaN and infinities fail the comparison)."""
    if type(value) not in (int, float) or not low <= value <= high:
        raise ValueError(f"{what} skal være et tal fra {danish_number(low)} til {danish_number(high)}")
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
        raise ValueError(f"{what} skal være en liste med {danish_number(low)} til {danish_number(high)} elementer")
    return value


def mapping(value: object, what: str) -> dict:
    if type(value) is not dict:
        raise ValueError(f"{what} mangler")
    return value

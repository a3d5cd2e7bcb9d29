"""Problems found while reading: data for the user, never a crash.

Each problem has a stable code (tests and later tools match on it), a Danish message
saying what was found and how to fix it, where it was found, and what xlkit did about it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    action: str
    file: str
    sheet: str = ""
    cell: str = ""
    student: str = ""  # the name the message mentions, so pseudonyms can replace it

    def as_row(self) -> list[str]:
        return [self.file, self.sheet, self.cell, self.message, self.action, self.code]


PROBLEM_HEADERS = ["Fil", "Ark", "Celle", "Problem", "Hvad xlkit gjorde", "Kode"]

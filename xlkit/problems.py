"""Problems found while reading: data for the user, never a crash.

Each problem has a stable code (tests and later tools match on it), a Danish message
saying what was found and how to fix it, where it was found, and what xlkit did about it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from xlkit.values import CPR_PATTERN, without_cpr


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    action: str
    file: str
    sheet: str = ""
    cell: str = ""
    student: str = ""  # the name the message mentions, so pseudonyms can replace it

    def __post_init__(self) -> None:
        """A problem repeats text from the teacher's file (a sheet's name, a value from the
        hidden sheet); a CPR number in it is never written on."""
        for field in fields(self):
            value = getattr(self, field.name)
            if CPR_PATTERN.search(value):
                object.__setattr__(self, field.name, without_cpr(value))

    def as_row(self) -> list[str]:
        return [self.file, self.sheet, self.cell, self.message, self.action, self.code]


PROBLEM_HEADERS = ["Fil", "Ark", "Celle", "Problem", "Hvad xlkit gjorde", "Kode"]

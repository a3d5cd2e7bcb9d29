"""Terms (terminer): when a class is rated, and what the class is called then.

A workbook follows one class through several school years, so the class's name changes
with the grade (7.A, 8.A, 9.A) while the workbook stays the same.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Season:
    """A rating round within a school year, e.g. efterår / 1. termin."""

    id: str
    label: str
    termin: str
    year_offset: int  # 0 = autumn of the school year's first calendar year, 1 = spring


@dataclass(frozen=True)
class Term:
    """One rating round for one class: a grade, a season and a school year."""

    index: int  # 1-based position in the workbook, oldest first
    grade: int
    season: Season
    school_year: int  # calendar year the school year starts in (2026 for 2026/27)

    @property
    def calendar_year(self) -> int:
        return self.school_year + self.season.year_offset

    @property
    def label(self) -> str:
        """School-wide name of the round, the same for every class: 'Efterår 2026'."""
        return f"{self.season.label} {self.calendar_year}"

    @property
    def school_year_label(self) -> str:
        return school_year_label(self.school_year)

    def class_name(self, letter: str) -> str:
        return f"{self.grade}.{letter}"


FIRST_AUTUMN_MONTH = 8  # the Danish school year starts in August


def is_autumn(month: int) -> bool:
    """August–December is efterår (1. termin), January–July forår."""
    return month >= FIRST_AUTUMN_MONTH


def school_year_of(date) -> int:
    """The calendar year the school year of `date` starts in: 2026 for 3 March 2027."""
    return date.year if is_autumn(date.month) else date.year - 1


def school_year_label(school_year: int) -> str:
    """How schools write a school year: '2026/27'."""
    return f"{school_year}/{(school_year + 1) % 100:02d}"


def class_terms(
    grades: list[int], seasons: list[Season], start_grade: int, start_year: int
) -> list[Term]:
    """All terms of a class that is in `start_grade` in school year `start_year`."""
    terms = []
    for grade in grades:
        if grade < start_grade:
            continue
        for season in seasons:
            terms.append(
                Term(len(terms) + 1, grade, season, start_year + grade - start_grade)
            )
    return terms


def parse_term_label(text: str, seasons: list[Season]) -> tuple[str, int] | None:
    """'efterår 2026' / 'Forår 2027' → (season id, calendar year); None if unknown."""
    words = text.strip().lower().split()
    if len(words) != 2 or not words[1].isdigit():
        return None
    for season in seasons:
        if words[0] in (season.label.lower(), season.id.lower()):
            return season.id, int(words[1])
    return None

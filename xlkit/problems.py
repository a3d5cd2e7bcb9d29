"""Problems found while reading: data for the user, never a crash.

Each problem has a stable code (tests and later tools match on it), a Danish message
saying what was found and how to fix it, where it was found, and what xlkit did about it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields

from xlkit.values import CPR_PATTERN, without_cpr


DUPLICATE_NAME_ACTION = ("Begge rækker er medtaget. Er det samme elev, så slet den ene række; ellers skriv fx et "
                         "mellemnavn, så eleverne kan skelnes.")
DUPLICATE_LOGIN_ACTION = "Begge rækker er medtaget. Ret det UNI-login, der er forkert."


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    action: str
    file: str
    sheet: str = ""
    cell: str = ""
    student: str = ""  # the name the message mentions, so pseudonyms can replace it
    student_id: str = ""  # UNI-login, else the row: tells two students of that name apart; never written
    hidden: int = 0  # on a 'too-many-problems' line: how many problems of the file it stands for

    def __post_init__(self) -> None:
        """A problem repeats text from the teacher's file (a sheet's name, a value from the
        hidden sheet); a CPR number in it is never written on."""
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, str) and CPR_PATTERN.search(value):
                object.__setattr__(self, field.name, without_cpr(value))

    def as_row(self) -> list[str]:
        return [self.file, self.sheet, self.cell, self.message, self.action, self.code]


PROBLEM_HEADERS = ["Fil", "Ark", "Celle", "Problem", "Hvad xlkit gjorde", "Kode (til support)"]


def problem_count(problems: list[Problem]) -> int:
    """How many problems were found, counting those a 'too-many-problems' line stands for."""
    return sum(p.hidden or 1 for p in problems)


def hidden_problems(file: str, hidden: int, shown: int) -> Problem:
    """The line that stands for a file's problems that are not listed."""
    return Problem("too-many-problems", f"Filen har yderligere {hidden} {'problem' if hidden == 1 else 'problemer'} "
                   f"ud over de {shown} viste.", "Ret de viste, og læs filen igen; så kommer resten frem.", file,
                   hidden=hidden)


def first_of_each_file(problems: list[Problem], limit: int) -> list[Problem]:
    """At most about `limit` rows, and every file with problems still among them: each file
    keeps its first `shown` problems, the most that fit for all, and one line counting the rest.

    A municipality of hostile files (500 problems each) would otherwise give the leaders
    hundreds of thousands of rows, and past Excel's 1,048,576 the writer drops rows unseen.
    """
    listed = Counter(p.file for p in problems if not p.hidden)
    hidden = Counter()
    for p in problems:
        hidden[p.file] += p.hidden
    files = listed.keys() | hidden.keys()

    def rows(shown: int) -> int:
        return sum(min(listed[f], shown) + (listed[f] > shown or hidden[f] > 0) for f in files)

    if rows(max(listed.values(), default=0)) <= limit:
        return problems
    low, high = 1, max(listed.values())  # the largest `shown` whose rows fit (at least one each)
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if rows(middle) <= limit else (low, middle - 1)
    kept: list[Problem] = []
    seen = Counter()
    for p in problems:
        cut = listed[p.file] > low
        if p.hidden:
            if not cut:
                kept.append(p)
            continue
        seen[p.file] += 1
        if seen[p.file] <= low:
            kept.append(p)
        if cut and seen[p.file] == low:
            kept.append(hidden_problems(p.file, listed[p.file] - low + hidden[p.file], low))
    return kept

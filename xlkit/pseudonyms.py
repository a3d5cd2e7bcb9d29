"""Who each student named in the leaders' summary is, so that `--pseudonym` gives one
student one pseudonym on every sheet and in every run with the same key, and two students
never one.

A student is known by UNI-login where one is typed and stands under one name only. Without
one, by school, class (its cohort: the year it started, so the same across grades and
template kinds) and name; a name without a login takes the login its namesake has elsewhere
in the same class, when only one does. Two students of one name in a class, without logins,
are told apart by their row: the row cannot say which of them another workbook means, so
there each gets a pseudonym of its own rather than the other's (found by the red team: one
child had two pseudonyms in the demo, a problem row carried the namesake's, and Josefine Lund
in 7.B and in 8.B shared one).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from xlkit.consolidate import ClassSummary, Consolidation, class_cohort
from xlkit.privacy import pseudonym
from xlkit.records import WorkbookData

Identity = tuple[str, ...]


class StudentIdentities:
    """The identity of each mention of a student (workbook, name, UNI-login, row), from every
    class list and test the summary holds."""

    def __init__(self, result: Consolidation):
        self.unsure = result.unsure_logins
        self.logins_by_name: dict[tuple, set[str]] = {}
        self.twins: set[tuple] = set()
        for data, students in _class_lists(result):
            counted = Counter(self._place(data, name) for name, _ in students)
            self.twins |= {place for place, count in counted.items() if count > 1}
            for name, login in students:
                if self._usable(login):
                    self.logins_by_name.setdefault(self._place(data, name), set()).add(login.casefold())

    def of(self, data: WorkbookData | None, name: str, login: str = "", row: str = "") -> Identity:
        """`row`: the student's key in its workbook ("Elever!7"), which tells namesakes apart."""
        if self._usable(login):
            return ("login", login.casefold())
        place = self._place(data, name)
        if place in self.twins:
            return ("name", *place, row.casefold())
        if len(found := self.logins_by_name.get(place, ())) == 1:
            return ("login", *found)
        return ("name", *place)

    def _usable(self, login: str) -> bool:
        return bool(login) and login.casefold() not in self.unsure

    @staticmethod
    def _place(data: WorkbookData | None, name: str) -> tuple[str, ...]:
        cohort = class_cohort(data) if data else ("", "", "")
        return (*map(str, cohort), name.casefold())


def _class_lists(result: Consolidation):
    """(workbook, [(name, UNI-login)]) per class list the summary holds: a class's students
    rated in the term and those listed without a rating; a test's students with points."""
    for summary in result.classes:
        yield summary.data, list(summary.listed().values())
    for test in result.tests:
        yield test.data, [(name, test.logins.get(key, "")) for key, name in test.names.items()]


def pseudonymised(result: Consolidation, key: bytes) -> Consolidation:
    """A copy of the result with a pseudonym wherever a name would be written: focus lists,
    overblik figures and the problems that mention a student. Nr is left out too: class and
    Nr find the name on any class list (found in review)."""
    identities = StudentIdentities(result)
    by_file = {f.file: f.data for f in result.files if f.data}
    by_file.update({f.file: by_file.get(f.merged_into) for f in result.files if f.merged_into})

    def focus_identity(summary: ClassSummary, row: dict) -> Identity:
        login = summary.ratings[row["key"]][1] if row["key"] in summary.ratings else ""
        return identities.of(summary.data, row["student"], login, row["key"])

    def problem_identity(problem) -> Identity:
        row = problem.student_id if "!" in problem.student_id else ""
        return identities.of(by_file.get(problem.file), problem.student, "" if row else problem.student_id, row)

    found = [focus_identity(s, row) for s in result.classes for row in s.focus]
    found += [identities.of(t.data, name, t.logins.get(k, ""), k) for t in result.tests for k, name in t.names.items()]
    found += [problem_identity(p) for p in result.problems if p.student]
    alias = _pseudonyms(key, found)

    classes = [replace(s, focus=[{**row, "nr": None, "student": alias[focus_identity(s, row)]} for row in s.focus])
               for s in result.classes]
    tests = [replace(t, names={k: alias[identities.of(t.data, name, t.logins.get(k, ""), k)] for k, name in t.names.items()})
             for t in result.tests]
    problems = [_pseudonymised_problem(p, alias[problem_identity(p)]) if p.student else p for p in result.problems]
    return replace(result, classes=classes, tests=tests, problems=problems)


def _pseudonymised_problem(problem, alias: str):
    # "Navnet 'Elev 1A2B…' står også i B8" would call the student in B8 by a pseudonym that is not
    # theirs (found by the red team): the duplicated name is left out
    message = problem.message.replace(f"Navnet '{problem.student}' ", "Navnet ").replace(problem.student, alias)
    return replace(problem, message=message, student="", student_id="",
                   sheet="" if problem.sheet == problem.student else problem.sheet)  # a sheet named after the student


def _pseudonyms(key: bytes, identities: list[Identity]) -> dict[Identity, str]:
    """A pseudonym per identity; the rare two that share the short form get the long one, so
    two students are never shown as one."""
    short = {identity: pseudonym(key, *identity) for identity in set(identities)}
    taken = Counter(short.values())
    return {identity: alias if taken[alias] == 1 else pseudonym(key, *identity, digits=24)
            for identity, alias in short.items()}

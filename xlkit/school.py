"""A whole school's workbooks at once, from a folder of class lists (one file per class)."""

from __future__ import annotations

import re
from pathlib import Path

from xlkit.errors import XlkitError
from xlkit.isolated import run_alone
from xlkit.roster import read_roster
from xlkit.spec import load_spec
from xlkit.templates import elevvurdering, overblik
from xlkit.testdef import TestDefinition

UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
CLASS_IN_NAME = re.compile(r"(\d{1,2})\.?\s*([A-Za-zÆØÅæøå]{1,2})$")


def overblik_file_name(subject: str, class_name: str) -> str:
    """'overblik_fysik-kemi_8A.xlsx': a subject such as Fysik/kemi must not become a folder
    (found in review: `new skole` stopped half-way with a Python error)."""
    return f"overblik_{UNSAFE_IN_FILE_NAMES.sub('-', subject.lower())}_{class_name}.xlsx"


def build_school(school: str, rosters: Path, school_year: int, tests: list[TestDefinition],
                 output: Path) -> tuple[list[Path], list[str]]:
    """Write one elevvurderingsskema per class list in `rosters` (and one overbliksark per
    class whose grade the tests are for); returns the files made and Danish notes on what
    was skipped."""
    spec = load_spec()
    overblik_spec = load_spec(kind="overblik") if tests else None
    output.mkdir(parents=True)
    made, skipped = [], []
    lists_of_class: dict[tuple[int, str], str] = {}
    for path in sorted(p for p in rosters.iterdir() if p.suffix.lower() in {".csv", ".txt", ".xlsx"}):
        match = CLASS_IN_NAME.search(path.stem)
        if not match:
            skipped.append(f"{path.name}: filnavnet siger ikke hvilken klasse (fx 7A.csv)")
            continue
        grade, letter = int(match.group(1)), match.group(2).upper()
        if (grade, letter) in lists_of_class:  # 7A.csv and 7.A.csv: the second overwrote the first (found in review)
            skipped.append(f"{path.name}: {lists_of_class[grade, letter]} er også en elevliste til {grade}.{letter}; "
                           "der er kun lavet skemaer ud fra den. Slet den forkerte liste, og prøv igen i en ny mappe.")
            continue
        try:
            students = run_alone(path.name, read_roster, path)  # in a limited process (isolated.py)
            lists_of_class[grade, letter] = path.name  # once read: a list that cannot be read makes nothing
            if grade in spec.grades:
                made.append(elevvurdering.build(spec, output / f"elevvurdering_{grade}{letter}.xlsx", school, letter,
                                                school_year, grade, students))
            else:
                skipped.append(f"{path.name}: elevvurderingsskemaet dækker {', '.join(map(str, spec.grades))}. klasse")
            class_tests = [t for t in tests if t.grade == grade]
            if class_tests:
                made.append(overblik.build(overblik_spec, output / overblik_file_name(class_tests[0].subject, f"{grade}{letter}"),
                                           school, letter, class_tests, students))
        except XlkitError as error:
            skipped.append(f"{path.name}: {error}")
    return made, skipped

"""A whole school's workbooks at once: from a folder of class lists (one file per class) or
from one list for the whole school with a class column."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from xlkit.errors import RosterError, XlkitError
from xlkit.isolated import run_alone
from xlkit.roster import SchoolRow, Student, read_class_rows, read_school_roster
from xlkit.spec import load_spec, shipped_file
from xlkit.templates import elevvurdering, overblik
from xlkit.testdef import TestDefinition
from xlkit.values import danish_list, quoted, without_cpr

UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
CLASS_IN_NAME = re.compile(r"(?<!\d)(\d{1,2})\.?\s*([A-Za-zÆØÅæøå]{1,2})$")  # "elevliste 7A", not "…1234 A"
# a school list's class column holds the class and nothing else: "9.a og 9.b" is not 9.B (review)
CLASS_TEXT = re.compile(r"(?:(?:klasse|kl\.?)\s*)?(\d{1,2})\.?\s*([A-Za-zÆØÅæøå]{1,2})", re.IGNORECASE)  # "Kl. 8B" too
# a class written tight in a file name ("9a+9b", "7.A og 7.B"): two of them name two classes (red team)
CLASS_TOKEN = re.compile(r"(?<![\dA-Za-zÆØÅæøå])(\d{1,2})\.?([A-Za-zÆØÅæøå])(?![A-Za-zÆØÅæøå])")
LIST_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm"}
OTHER_SPREADSHEETS = {".xls", ".xlsb", ".ods", ".numbers"}  # said, not skipped in silence (red team)

SchoolClass = tuple[str, int, str, list[Student]]  # where the list came from (for messages), grade, letter, students


def overblik_file_name(subject: str, class_name: str) -> str:
    """'overblik_fysik-kemi_8A.xlsx': a subject such as Fysik/kemi must not become a folder
    (found in review: `new skole` stopped half-way with a Python error)."""
    return f"overblik_{UNSAFE_IN_FILE_NAMES.sub('-', subject.lower())}_{class_name}.xlsx"


SCHOOL_SPECS = ("elevvurdering_indskoling.yaml", "elevvurdering_mellemtrin.yaml", "elevvurdering.yaml")  # 0.–9.


def grade_ranges(grades: list[int]) -> str:
    """'0.–9.' or '1.–3., 7.' for sorted grades: a run of grades as one range."""
    runs: list[list[int]] = []
    for grade in grades:
        if runs and grade == runs[-1][-1] + 1:
            runs[-1].append(grade)
        else:
            runs.append([grade])
    return ", ".join(f"{run[0]}.–{run[-1]}." if len(run) > 1 else f"{run[0]}." for run in runs)


def build_school(school: str, rosters: Path, school_year: int, tests: list[TestDefinition],
                 output: Path, spec_files: Sequence[Path] = ()) -> tuple[list[Path], list[str], list[str]]:
    """Write one elevvurderingsskema per class (and one overbliksark per class whose grade
    the tests are for), the classes from a folder of class lists or one school list;
    returns the files made, Danish notes on what was skipped, and on students listed twice
    (repeated_students). Each class gets the first of `spec_files` that covers its grade
    (default: indskoling, mellemtrin and udskoling, so a whole 0.–9. school is covered)."""
    specs = [load_spec(path) for path in spec_files or [shipped_file(name) for name in SCHOOL_SPECS]]
    overblik_spec = load_spec(kind="overblik") if tests else None
    classes, skipped, hidden = classes_in_list(rosters) if rosters.is_file() else classes_in_folder(rosters)
    if not classes:  # an empty output folder would only block the next attempt (review)
        reasons = "; ".join(skipped[:5]) + (" …" if len(skipped) > 5 else "")
        raise RosterError(f"Ingen klasse kunne bruges i {without_cpr(rosters.name)}, så der er ikke lavet noget"
                          + (f" ({reasons})." if reasons else ". Mappen har ingen elevlister (.csv eller .xlsx)."))
    # one overbliksark per grade and subject: tests in Dansk and Matematik for 8. made none at all (red team);
    # tests that cannot go together are said once, not once per class
    test_groups: dict[int, list[list[TestDefinition]]] = {}
    by_file: dict[tuple[int, str], list[TestDefinition]] = {}
    for test in tests:
        by_file.setdefault((test.grade, overblik_file_name(test.subject, "").casefold()), []).append(test)
    for (grade, _), group in by_file.items():
        try:
            overblik.check_tests(group)
        except XlkitError as error:
            skipped.append(f"prøverne til {grade}. klasse i {group[0].subject}: {error} Der er ikke lavet overbliksark "
                           "til dem.")
            continue
        test_groups.setdefault(grade, []).append(group)
    output.mkdir(parents=True)
    made, built = [], []
    for source, grade, letter, students in classes:
        try:
            spec = next((spec for spec in specs if grade in spec.grades), None)
            if spec is not None and len(students) > spec.max_students:
                # "giv kopien med --spec" alone left every other class without a workbook (red team)
                others = " ".join(f"--spec {other.path}" for other in specs if other is not spec)
                skipped.append(f"{source}: {len(students)} elever, men skemaet har plads til {spec.max_students}. "
                               f"Kopiér {spec.path}, ret max_students i kopien, og kør igen med --spec KOPIEN"
                               + (f" {others}" if others else "") + " (en rettelse i xlkits egen fil forsvinder ved "
                               "næste opdatering)")
                continue
            if spec is not None:
                made.append(elevvurdering.build(spec, output / f"elevvurdering_{grade}{letter}.xlsx", school, letter,
                                                school_year, grade, students))
                built.append((source, grade, letter, students))
            else:
                covered = sorted({grade for spec in specs for grade in spec.grades})
                skipped.append(f"{source}: elevvurderingsskemaerne dækker {grade_ranges(covered)} klasse")
        except XlkitError as error:
            skipped.append(f"{source}: {error}")
            continue
        for class_tests in test_groups.get(grade, []):
            try:
                made.append(overblik.build(overblik_spec, output / overblik_file_name(class_tests[0].subject,
                                                                                       f"{grade}{letter}"),
                                           school, letter, class_tests, students))
                if (source, grade, letter, students) not in built:
                    built.append((source, grade, letter, students))
            except XlkitError as error:
                skipped.append(f"{source}: overbliksarket i {class_tests[0].subject}: {error}")
    grades = {grade for _, grade, _, _ in classes}
    for test in tests:  # no overbliksark and no word (red team)
        if test.grade not in grades:
            skipped.append(f"{without_cpr(Path(test.path).name)}: prøven er til {test.grade}. klasse, men der er ingen "
                           f"{test.grade}. klasse på elevlisterne, så der er ikke lavet noget overbliksark til den")
    if not made:  # an empty folder would only block the next attempt (review)
        with contextlib.suppress(OSError):  # not empty: a file the failed build left stays to be seen
            output.rmdir()
        raise RosterError("Der er ikke lavet nogen skemaer: " + "; ".join(skipped[:5]) + (" …" if len(skipped) > 5 else ""))
    # only classes with a workbook: "slet eleven i den gamle klasses skema" named 10.X, which has none (red team)
    classes_made = {(grade, letter) for _, grade, letter, _ in built}
    notes = [note for (grade, letter), note in hidden if (grade, letter) in classes_made]
    return made, skipped, repeated_students(built) + notes


def hidden_rows_note(label: str, rows: list[int], where: str) -> str:
    """Rows hidden in an .xlsx list (a filter, or hidden by hand) are read like the others,
    and said: a list filtered to leave out students who have left still holds them (found by
    the red team: they were made students without a word)."""
    them = "eleven" if len(rows) == 1 else "eleverne"
    return (f"{label}: {_rows_named(rows)} er skjult i elevlisten, men {them} er taget med{where}. Slet "
            f"{'eleven' if len(rows) == 1 else 'dem'} i skemaet, hvis {them} ikke går i klassen.")


def repeated_students(classes: list[SchoolClass]) -> list[str]:
    """Students listed twice: in one class (each gets a row), or by UNI-login in two classes
    (a student who moved, still on the old class's list). Said when the workbooks are made;
    before, only the consolidation said so, months later (found in review)."""
    notes = []
    classes_of_login: dict[str, list[str]] = {}
    for _, grade, letter, students in classes:
        seen: set[str] = set()
        logins: dict[str, str] = {}
        for student in students:
            key = student.name.casefold()
            if key in seen:
                notes.append(f"{grade}.{letter}: '{quoted(student.name)}' står mere end én gang på listen og har fået en "
                             "række hver gang. Slet de ekstra rækker i skemaet, hvis det er samme elev.")
            seen.add(key)
            login = student.uni_login.casefold()
            if login and login in logins and logins[login].casefold() != key:  # two students, one login (red team)
                notes.append(f"{grade}.{letter}: UNI-login '{quoted(student.uni_login)}' står ved både "
                             f"'{quoted(logins[login])}' og '{quoted(student.name)}'. Ret UNI-login i skemaet, så "
                             "hver elev har sit eget; ellers kan oversigten ikke skelne dem.")
            if login:
                logins.setdefault(login, student.name)
                classes_of_login.setdefault(login, []).append(f"{grade}.{letter}")
    for login, names in classes_of_login.items():
        classes = sorted(set(names))
        if len(classes) > 1:  # "i både 7.A og 8.B", "i 7.A, 7.B og 7.C"
            notes.append(f"UNI-login '{quoted(login)}' står i {'både ' if len(classes) == 2 else ''}{danish_list(classes)}; "
                         "er eleven flyttet, så slet eleven i den gamle klasses skema.")
    return notes


def classes_in_folder(rosters: Path) -> tuple[list[SchoolClass], list[str], list[tuple[tuple[int, str], str]]]:
    """One class per readable list in the folder, its class from the file name (7A.csv); also
    a note for each class list with hidden rows."""
    classes, skipped, hidden = [], [], []
    lists_of_class: dict[tuple[int, str], str] = {}
    # Excel's lock files (~$7A.xlsx) and hidden files (a Mac's ._7A.csv) as consolidate skips them: "~$7A.xlsx: 7A.xlsx
    # er også en elevliste til 7.A ... Slet den forkerte liste", and .7B.csv made 7.B's workbook (red team)
    for path in sorted(p for p in rosters.iterdir() if p.suffix.lower() in LIST_SUFFIXES | OTHER_SPREADSHEETS
                       and not p.name.startswith(("~$", ".")) and p.is_file()):
        name = without_cpr(path.name)  # as messages show it (review: "010103-1234.csv" was repeated)
        if path.suffix.lower() in OTHER_SPREADSHEETS:
            skipped.append(f"{name}: xlkit læser elevlister som .xlsx eller .csv; gem listen som Excel-projektmappe "
                           "(.xlsx), og prøv igen i en ny mappe")
            continue
        found = class_in_file_name(path.stem)
        if found is None or len(found) > 1:
            skipped.append(f"{name}: filnavnet siger ikke hvilken klasse (fx 7A.csv)" if found is None else
                           f"{name}: filnavnet nævner flere klasser; lav én elevliste pr. klasse, eller brug hele "
                           "skolens elevliste med en kolonne Klasse")
            continue
        grade, letter = found.pop()
        if (grade, letter) in lists_of_class:  # 7A.csv and 7.A.csv: the second overwrote the first (found in review)
            skipped.append(f"{name}: {lists_of_class[grade, letter]} er også en elevliste til {grade}.{letter}; "
                           "der er kun lavet skemaer ud fra den. Slet den forkerte liste, og prøv igen i en ny mappe.")
            continue
        try:
            rows = run_alone(name, read_class_rows, path)  # in a limited process (isolated.py)
        except XlkitError as error:
            skipped.append(f"{name}: {without_cpr(str(error))}")
            continue
        students, others = _of_class(rows, grade, letter)
        if others:
            classes_named = ", ".join(f"'{quoted(without_cpr(text))}'" for text in sorted({r.class_text for r in others}))
            skipped.append(f"{name}: {len(others)} {'elev' if len(others) == 1 else 'elever'} "
                           f"({_rows_named([r.row for r in others])}) har {classes_named} i kolonnen Klasse og er ikke "
                           f"taget med i {grade}.{letter}"
                           + ("" if students else "; er det hele skolens elevliste, så brug filen i stedet for mappen"))
        if not students:
            continue
        lists_of_class[grade, letter] = name  # once read: a list that cannot be read makes nothing
        classes.append((name, grade, letter, students))
        hidden_rows = [row.row for row in rows if row.hidden and row not in others]
        if hidden_rows:
            hidden.append(((grade, letter), hidden_rows_note(name, hidden_rows, "")))
    for folder in sorted(p for p in rosters.iterdir() if p.is_dir() and not p.name.startswith(".")):
        # lists one folder down (one folder per årgang) were "Mappen har ingen elevlister" (red team)
        with contextlib.suppress(OSError):
            if any(p.suffix.lower() in LIST_SUFFIXES and not p.name.startswith(("~$", ".")) for p in folder.iterdir()):
                skipped.append(f"{without_cpr(folder.name)}: elevlister i en undermappe læses ikke; læg dem direkte i "
                               f"{without_cpr(rosters.name)}, eller giv undermappen med --elevlister")
    return classes, skipped, hidden


def class_in_file_name(stem: str) -> set[tuple[int, str]] | None:
    """The classes a list's file name names: "7A", "Elevliste 7 A", and also a class written
    tight anywhere in it ("Klasse 9A (2026-27)", "3A (1)", "8C_2026"; found by the red team:
    each was "filnavnet siger ikke hvilken klasse"). None when it names none. A Mac's file
    names spell Å as A and a ring: "7Å" was 7.A."""
    stem = unicodedata.normalize("NFC", stem)
    named = {(int(grade), letter.upper()) for grade, letter in CLASS_TOKEN.findall(stem)}
    match = CLASS_IN_NAME.search(stem)
    if match:
        named.add((int(match.group(1)), match.group(2).upper()))
    return named or None


def _of_class(rows: list[SchoolRow], grade: int, letter: str) -> tuple[list[Student], list[SchoolRow]]:
    """The students of a class list that belong to its class, and the rows of those whose
    Klasse column names another: a school list filtered to 7.A and saved as 7A.xlsx keeps
    7.B's rows, hidden (found by the red team: they were made 7.A students). A row without
    a class, or a list without the column, belongs to the file's class."""
    students, others = [], []
    for row in rows:
        if row.class_text.strip() and class_of(row.class_text) != (grade, letter):
            others.append(row)
        else:
            students.append(row.student)
    return students, others


def class_of(text: str) -> tuple[int, str] | None:
    """(grade, letter) of a class column's text: "7.A", "7a" and "7 A" are one class."""
    match = CLASS_TEXT.fullmatch(text.strip())
    return (int(match.group(1)), match.group(2).upper()) if match else None


def one_class_students(rows: list[SchoolRow], label: str, letter: str | None = None,
                       grades: Sequence[int] = ()) -> tuple[list[Student], list[str]]:
    """The students of a list given for one class, and notes on it. Refused when its Klasse
    column names more than one class: a school list filtered to 7.A still holds 7.B's rows,
    hidden (found by the red team); or, with `letter`, a class with another letter: 7.B's list
    made 7.A's workbook without a word (red team). A list of another grade (in `grades`) is
    said: a list exported in June still calls next year's 7.A 6.A."""
    named = sorted({row.class_text.strip() for row in rows if row.class_text.strip()},
                   key=lambda text: (class_of(text) is None, class_of(text) or (0, ""), text))
    if len({class_of(text) or text for text in named}) > 1:
        shown = ", ".join(f"'{quoted(without_cpr(text))}'" for text in named[:5]) + (" …" if len(named) > 5 else "")
        raise RosterError(f"Elevlisten {label} har elever fra flere klasser i kolonnen Klasse ({shown}). Lav en liste "
                          "med kun klassens elever, eller brug hele listen med 'xlkit new skole'.")
    notes = []
    listed = class_of(named[0]) if named else None
    if letter and grades and listed:
        wanted = " eller ".join(f"{grade}.{letter.upper()}" for grade in grades)
        if listed[1] != letter.upper():
            raise RosterError(f"Elevlisten {label} er til {listed[0]}.{listed[1]} ifølge kolonnen Klasse, men skemaet "
                              f"er til {wanted}. Brug klassens egen liste, eller ret --klasse.")
        if listed[0] not in grades:
            notes.append(f"Elevlisten {label} er til {listed[0]}.{listed[1]} ifølge kolonnen Klasse, og skemaet er til "
                         f"{wanted}. Er listen fra et andet skoleår, så se efter, at eleverne er klassens.")
    hidden = [row.row for row in rows if row.hidden]
    if hidden:
        notes.append(hidden_rows_note(label, hidden, ""))
    return [row.student for row in rows], notes


def classes_in_list(roster: Path) -> tuple[list[SchoolClass], list[str], list[tuple[tuple[int, str], str]]]:
    """The classes of one list for the whole school, by its Klasse column ("7.A", "7a" and
    "7 A" are one class), and a note for each class with rows hidden in the list. Raises
    RosterError when the list cannot be used at all."""
    by_class: dict[tuple[int, str], list[Student]] = {}
    hidden_of_class: dict[tuple[int, str], list[int]] = {}
    not_understood: dict[str, list[int]] = {}
    label = without_cpr(roster.name)
    for entry in run_alone(label, read_school_roster, roster):  # in a limited process (isolated.py)
        found = class_of(entry.class_text)
        if found:
            by_class.setdefault(found, []).append(entry.student)
            if entry.hidden:
                hidden_of_class.setdefault(found, []).append(entry.row)
        else:
            not_understood.setdefault(entry.class_text, []).append(entry.row)
    classes = [(f"{label}, {grade}.{letter}", grade, letter, students)
               for (grade, letter), students in sorted(by_class.items())]
    skipped = [f"{label}, {_rows_named(rows)}: " + (f"klassen '{quoted(without_cpr(text))}' siger ikke klassetrin og "
                                                    "bogstav (fx 7A)" if text else "ingen klasse angivet")
               for text, rows in not_understood.items()]
    hidden = [((grade, letter), hidden_rows_note(label, rows, f" i {grade}.{letter}"))
              for (grade, letter), rows in sorted(hidden_of_class.items())]
    return classes, skipped, hidden


def _rows_named(rows: list[int], shown: int = 10) -> str:
    """'række 4', 'rækkerne 4, 9, 12' or 'rækkerne 4, …, 40 og 7 rækker mere'."""
    if len(rows) == 1:
        return f"række {rows[0]}"
    more = f" og {len(rows) - shown} rækker mere" if len(rows) > shown else ""
    return "rækkerne " + ", ".join(map(str, rows[:shown])) + more

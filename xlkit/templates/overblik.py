"""Ullerup Bæk Skole's overbliksark: points per task of each test, grouped by fagområde
and signalord, coloured red/yellow/green and followed over time.

One class workbook holds:
- "Elever": the class list, typed once; every other sheet refers to it row by row;
- one sheet per test (like the seed figure): fagområde, signalord, opgave nr. and maks
  above one row per student, then the student's total and share per fagområde and per
  signalord, and a class row under the students;
- "Over tid": each student × fagområde and × signalord across the tests, with the
  development between the latest two;
- "Elevark": one student chosen from a dropdown, on one printable page with a chart.

Students are matched by row: the same row on every sheet is the same student. Rows are not
inserted (the sheets are protected against it); new students go in the empty rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_range, xl_range_abs, xl_rowcol_to_cell

from xlkit import rules, stored
from xlkit.book import MAX_COLUMNS
from xlkit.errors import InvalidWorkbook, RosterError
from xlkit.problems import DUPLICATE_LOGIN_ACTION, DUPLICATE_NAME_ACTION, Problem
from xlkit.records import Record, WorkbookData
from xlkit.roster import Student
from xlkit.rules import GREEN, RED, YELLOW, PointsThresholds, percent
from xlkit.spec import OverblikSpec
from xlkit.terms import Season, Term, is_autumn, school_year_of
from xlkit.testdef import Task, TestDefinition, usable_sheet_name
from xlkit.values import (
    SWAPPED_ACTION, SWAPPED_MESSAGE, ErrorValue, danish_number, error_field, looks_like_cpr, names_and_logins_swapped,
    read_nr, read_points, read_text, whole_number, without_cpr,
)
from xlkit.workbook import (
    BORDER, CENTER, INVALID_INPUT, NAME_PREFIX, NOTE, TITLE, column_pixels, define_range_name, exact_lookup,
    generated_at, group_breaks, merge_by_page, new_workbook, print_page, protect_inputs_only, write_metadata,
)

if TYPE_CHECKING:
    from xlkit.book import Region

KIND = "overblik"
ROSTER_SHEET, OVER_TIME_SHEET, STUDENT_SHEET = "Elever", "Over tid", "Elevark"
OWN_SHEETS = (OVER_TIME_SHEET, STUDENT_SHEET)  # made by xlkit, no name points to them: not warned about as unread
UNREAD_SHEET_ACTION = ("Står der point i arket, er de ikke med i oversigten. Skriv dem i skemaets eget prøveark "
                       "(et kopieret ark læses ikke).")
RESERVED_SHEETS = {ROSTER_SHEET.lower(), OVER_TIME_SHEET.lower(), STUDENT_SHEET.lower(), "xlkit"}

ROSTER_FIRST_ROW = 4  # 0-based: header on row 3
AREA_ROW, SIGNAL_ROW, TASK_ROW, MAX_ROW, FIRST_ROW = 2, 3, 4, 5, 6
FIRST_TASK_COL = 3
STUDENT_NAME_WIDTH, STUDENT_TEST_WIDTH = 26, 14  # the Elevark's label column and each test's column
NEWEST_SHADE, OLDEST_SHADE = (0x08, 0x51, 0x9C), (0xC6, 0xDB, 0xEF)  # the Elevark's bars: blues
COLOURS = {RED: "#F4A6A0", YELLOW: "#FFE699", GREEN: "#A9D59C"}
SEASONS = {0: Season("efteraar", "Efterår", "", 0), 1: Season("foraar", "Forår", "", 1)}


@dataclass(frozen=True)
class TestLayout:
    """Columns of one test sheet."""

    index: int  # 1-based position of the test in the workbook
    test: TestDefinition

    @property
    def sheet(self) -> str:
        return self.test.short_name

    @property
    def last_task_col(self) -> int:
        return FIRST_TASK_COL + len(self.test.tasks) - 1

    @property
    def total_points_col(self) -> int:
        return self.last_task_col + 1

    @property
    def total_share_col(self) -> int:
        return self.last_task_col + 2

    def area_col(self, area: str) -> int:
        return self.total_share_col + 1 + self.test.areas.index(area)

    def signal_col(self, signal: str) -> int:
        return self.total_share_col + 1 + len(self.test.areas) + self.test.signals.index(signal)

    @property
    def last_col(self) -> int:
        return self.total_share_col + len(self.test.areas) + len(self.test.signals)

    def mask(self, attribute: str, value: str) -> list[bool]:
        return [getattr(task, attribute) == value for task in self.test.tasks]


def school_term(date: dt.date) -> Term:
    """The school-wide term a test date falls in: August–December is efterår."""
    return Term(0, 0, SEASONS[0 if is_autumn(date.month) else 1], school_year_of(date))


def test_term(index: int, test: TestDefinition) -> Term:
    term = school_term(test.date)
    return Term(index, test.grade, term.season, term.school_year)


# ---------------------------------------------------------------------------
# What the native formulas evaluate to, computed by the rules module
# ---------------------------------------------------------------------------

Points = dict[tuple[int, str, str], object]  # (student row, test sheet name, task id) -> typed value


@dataclass(frozen=True)
class StudentResult:
    total_points: float | None
    total: float | None
    areas: dict[str, float | None]
    signals: dict[str, float | None]


def student_result(test: TestDefinition, points: list[object]) -> StudentResult:
    maxima = test.maxima
    usable = rules.usable_scores(points, maxima, test.step)
    shares = rules.shares_of_max(points, maxima, test.groups, usable=usable)
    return StudentResult(
        total_points=rules.points_total(points, maxima, usable=usable),
        total=shares[("total", "")],
        areas={a: shares[("area", a)] for a in test.areas},
        signals={s: shares[("signal", s)] for s in test.signals},
    )


def choice_label(row: int, name: str) -> str:
    """How a student appears in the Elevark dropdown: '3 – Karla Rasmussen' (equal names differ)."""
    return f"{row + 1} – {name}"


def _blank(value):
    return "" if value is None else value


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------


def check_tests(tests: list[TestDefinition]) -> None:
    if not tests:
        raise RosterError("Angiv mindst én prøve (--test).")
    names = [t.short_name.lower() for t in tests]
    for name in names:
        if names.count(name) > 1:
            raise RosterError(f"To prøver har samme arknavn '{name}'; giv dem forskellige korte navne ('Kort navn' i "
                              "prøvebeskrivelsen, short_name i YAML).")
        if name in RESERVED_SHEETS:
            raise RosterError(f"Arknavnet '{name}' er reserveret; giv prøven et andet kort navn ('Kort navn' i "
                              "prøvebeskrivelsen, short_name i YAML).")
    subjects = {t.subject for t in tests}
    if len(subjects) > 1:
        raise RosterError(f"Prøverne er i forskellige fag ({', '.join(sorted(subjects))}); lav ét overbliksark pr. fag.")


def build(
    spec: OverblikSpec,
    path: str | Path,
    school: str,
    class_letter: str,
    tests: list[TestDefinition],
    students: list[Student] | None = None,
    points: Points | None = None,
) -> Path:
    """Write one class's overbliksark with one sheet per test (oldest first)."""
    check_tests(tests)
    students = students or []
    points = points or {}
    if len(students) > spec.max_students:
        raise RosterError(
            f"Elevlisten har {len(students)} elever, men skemaet har plads til {spec.max_students}. "
            f"Ret max_students i {spec.path}."
        )
    tests = sorted(tests, key=lambda t: t.date)
    layouts = [TestLayout(i, t) for i, t in enumerate(tests, start=1)]
    rows = spec.max_students
    path = path if hasattr(path, "write") else Path(path)  # or a file in memory
    workbook = new_workbook(path)
    formats = _formats(workbook)
    subject = tests[0].subject
    last = tests[-1]
    class_name = f"{last.grade}.{class_letter}"

    results = {
        (layout.index, row): student_result(layout.test, [points.get((row, layout.sheet, t.id)) for t in layout.test.tasks])
        for layout in layouts for row in range(rows)
    }
    _roster_sheet(workbook, formats, school, subject, class_name, students, rows)
    for layout in layouts:
        _test_sheet(workbook, formats, spec, layout, school, class_letter, students, rows, points, results)
    blocks = _over_time_sheet(workbook, formats, spec, layouts, school, subject, class_name, students, rows, results)
    _student_sheet(workbook, formats, spec, layouts, blocks, school, subject, class_name, students, rows, results)
    workbook.get_worksheet_by_name(layouts[-1].sheet).activate()  # where the teacher types next (review: opened on Elevark)

    write_metadata(workbook, {
        "kind": KIND,
        "spec_id": spec.id,
        "spec_version": spec.version,
        "school": school,
        "class_letter": class_letter,
        "subject": subject,
        "thresholds": {"yellow_from": spec.thresholds.yellow_from, "green_from": spec.thresholds.green_from},
        "trend_tolerance": spec.trend.tolerance,
        "below_level": spec.below_level,
        "max_students": rows,
        "tests": [_test_json(t) for t in tests],
        "generated_at": generated_at(),
    }, too_big="Fordel prøverne på flere overbliksark.")
    last_row = ROSTER_FIRST_ROW + rows  # the spacer row belongs to the regions too
    define_range_name(workbook, "nr", ROSTER_SHEET, ROSTER_FIRST_ROW, 0, last_row, 0)
    define_range_name(workbook, "uni_login", ROSTER_SHEET, ROSTER_FIRST_ROW, 1, last_row, 1)
    define_range_name(workbook, "elev", ROSTER_SHEET, ROSTER_FIRST_ROW, 2, last_row, 2)
    for layout in layouts:
        define_range_name(workbook, f"t{layout.index}_point", layout.sheet, FIRST_ROW, FIRST_TASK_COL,
                          FIRST_ROW + rows, layout.last_task_col)
    workbook.set_properties({"title": f"Overbliksark · {subject} · {class_name}", "comments": "Lavet med xlkit"})
    workbook.close()
    return path


def _test_json(test: TestDefinition) -> dict:
    return {
        "name": test.name, "short_name": test.short_name, "subject": test.subject, "grade": test.grade,
        "date": test.date.isoformat(), "term": test.term, "half_points": test.half_points,
        "tasks": [{"id": t.id, "area": t.area, "signal": t.signal, "max": t.max} for t in test.tasks],
    }


def stored_tests(metadata: dict) -> list[TestDefinition]:
    """The workbook's tests as its hidden sheet holds them, or InvalidWorkbook."""
    try:
        return [test_from_json(t) for t in stored.items(metadata["tests"], 1, stored.MAX_TESTS, "Prøverne")]
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidWorkbook(f"Skemaets skjulte oplysninger er ugyldige ({error}). Lav skemaet igen med xlkit.") from None


def test_from_json(data: dict) -> TestDefinition:
    """A test definition as the workbook stored it, checked strictly (ValueError or
    TypeError otherwise): the hidden sheet is as untrusted as the cells."""
    if type(data["half_points"]) is not bool:
        raise ValueError("prøvens halve point skal være ja eller nej")
    try:
        date = dt.date.fromisoformat(stored.text(data["date"], "Prøvens dato", 10))
    except ValueError:
        raise ValueError("prøvens dato skal være en dato som 2026-12-01") from None
    short_name = stored.text(data["short_name"], "Prøvens arknavn", 31)
    if not usable_sheet_name(short_name):
        raise ValueError("prøvens arknavn kan ikke bruges som navn på et ark")
    return TestDefinition(
        path="(skemaet)", name=stored.text(data["name"], "Prøvens navn"),
        short_name=short_name, subject=stored.text(data["subject"], "Prøvens fag"),
        grade=stored.integer(data["grade"], 0, 10, "Prøvens klassetrin"),
        date=date, term=stored.text(data["term"], "Prøvens termin"),
        half_points=data["half_points"],
        tasks=tuple(Task(stored.text(t["id"], "En opgaves nummer"), stored.text(t["area"], "En opgaves fagområde"),
                         stored.text(t["signal"], "En opgaves signalord"), stored.number(t["max"], 0.5, stored.MAX_TASK_POINTS, "En opgaves maksimum"))
                    for t in stored.items(data["tasks"], 1, stored.MAX_TASKS, "Prøvens opgaver")),
    )


def _formats(workbook) -> dict:
    border, center = BORDER, CENTER
    f = {
        "title": workbook.add_format(TITLE),
        "info": workbook.add_format(NOTE),
        "label": workbook.add_format({**border, "bold": True, "bg_color": "#D9E1F2"}),
        "head": workbook.add_format({**border, **center, "bold": True, "bg_color": "#D9E1F2", "text_wrap": True}),
        "head_area": workbook.add_format({**border, **center, "bold": True, "bg_color": "#B4C6E7", "text_wrap": True}),
        "head_rot": workbook.add_format({**border, **center, "bg_color": "#D9E1F2", "rotation": 90}),
        "head_wrap": workbook.add_format({**border, **center, "bg_color": "#D9E1F2", "text_wrap": True}),
        "max": workbook.add_format({**border, **center, "italic": True, "bg_color": "#EDEDED"}),
        "text": workbook.add_format(border),
        "input_text": workbook.add_format({**border, "locked": False}),
        "nr": workbook.add_format({**border, **center, "font_color": "#666666"}),
        "points": workbook.add_format({**border, **center, "locked": False}),
        "points_date": workbook.add_format({**border, **center, "locked": False, "num_format": "dd.mm.yyyy"}),
        "total": workbook.add_format({**border, **center, "bold": True}),
        "pct": workbook.add_format({**border, **center, "num_format": "0%"}),
        "pct_bold": workbook.add_format({**border, **center, "num_format": "0%", "bold": True}),
        "class_label": workbook.add_format({**border, "bold": True, "bg_color": "#F2F2F2"}),
        "class_pct": workbook.add_format({**border, **center, "num_format": "0%", "bold": True, "bg_color": "#F2F2F2"}),
        "trend": workbook.add_format({**border, **center, "italic": True}),
        "invalid": workbook.add_format(INVALID_INPUT),
        "up": workbook.add_format({"font_color": "#006100", "bold": True}),
        "down": workbook.add_format({"font_color": "#9C0006", "bold": True}),
        "choice": workbook.add_format({**border, "locked": False, "bold": True, "font_size": 12, "bg_color": "#FFF2CC"}),
    }
    for colour, fill in COLOURS.items():
        f[colour] = workbook.add_format({"bg_color": fill})
    return f


STUDENT_WIDTHS = [4, 11, 22]  # Nr, UNI-login, Elev on the test sheets and Over tid


def _row_heights(last_row: int, set_heights: dict[int, float]) -> list[float]:
    """The printed rows' heights in points: Excel's default 15 where none is set."""
    return [set_heights.get(row, 15) for row in range(last_row + 1)]


def _roster_ref(row: int, col: int) -> str:
    return f"{quote_sheetname(ROSTER_SHEET)}!{xl_rowcol_to_cell(ROSTER_FIRST_ROW + row, col, True, True)}"


def _student_columns(sheet, formats, students: list[Student], rows: int, first_row: int) -> None:
    """Nr, UNI-login and name pulled from the Elever sheet, row by row (with cached values)."""
    for row in range(rows):
        student = students[row] if row < len(students) else None
        r = first_row + row
        sheet.write_number(r, 0, row + 1, formats["nr"])
        for col, value in ((1, student.uni_login if student else None), (2, student.name if student else None)):
            ref = _roster_ref(row, col)
            sheet.write_formula(r, col, f'IF({ref}="","",{ref})', formats["text"], shown(value))


def _roster_sheet(workbook, formats, school, subject, class_name, students, rows) -> None:
    sheet = workbook.add_worksheet(ROSTER_SHEET)
    sheet.write_string(0, 0, f"Elever · {subject} · {class_name} · {school}", formats["title"])
    sheet.write_string(1, 0, "Skriv elevernes navne og UNI-login her; prøvearkene og elevarket henter dem herfra. "
                             "Nye elever skrives i de tomme rækker nederst.", formats["info"])
    for col, text in enumerate(("Nr", "UNI-login", "Elev", "Til elevarket")):
        sheet.write_string(ROSTER_FIRST_ROW - 1, col, text, formats["head"])
    for row in range(rows):
        student = students[row] if row < len(students) else None
        r = ROSTER_FIRST_ROW + row
        sheet.write_number(r, 0, row + 1, formats["nr"])
        _write_input(sheet, r, 1, student.uni_login if student else None, formats["input_text"])
        _write_input(sheet, r, 2, student.name if student else None, formats["input_text"])
        name_ref = xl_rowcol_to_cell(r, 2)
        name = shown(student.name) if student else ""
        sheet.write_formula(r, 3, f'IF({name_ref}="","",{xl_rowcol_to_cell(r, 0)}&" – "&{name_ref})', formats["text"],
                            choice_label(row, name) if name else "")
    sheet.set_column(0, 0, 5)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 3, 28)
    sheet.freeze_panes(ROSTER_FIRST_ROW, 0)
    protect_inputs_only(sheet)
    print_page(sheet, school, f"Elever {class_name}", (ROSTER_FIRST_ROW - 1, ROSTER_FIRST_ROW - 1), landscape=False)


def _merge(sheet, row: int, first: int, last: int, text: str, fmt) -> None:
    if first == last:
        sheet.write_string(row, first, text, fmt)
    else:
        sheet.merge_range(row, first, row, last, text, fmt)


def _merge_runs(sheet, row: int, first_col: int, values: list[str], fmt) -> None:
    """Write values across columns, merging runs of equal neighbours (fagområde bands)."""
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if i - start > 1:
                sheet.merge_range(row, first_col + start, row, first_col + i - 1, values[start], fmt)
            else:
                sheet.write_string(row, first_col + start, values[start], fmt)
            start = i


def _test_sheet(workbook, formats, spec, layout: TestLayout, school, letter, students, rows, points, results) -> None:
    test = layout.test
    sheet = workbook.add_worksheet(layout.sheet)
    class_name = f"{test.grade}.{letter}"
    subject = "" if test.subject.lower() in test.name.lower() else f" · {test.subject}"
    sheet.write_string(0, 0, f"{test.name}{subject} · {class_name} · {test.date:%d.%m.%Y} ({test.term})",
                       formats["title"])
    t = spec.thresholds
    sheet.write_string(1, 0, f"Skriv point pr. opgave ({'hele eller halve' if test.half_points else 'hele'} point). "
                             f"Rød: under {percent(t.yellow_from)} af maks · Gul: fra {percent(t.yellow_from)} · "
                             f"Grøn: fra {percent(t.green_from)} · Grå: ugyldigt pointtal, tælles ikke med. "
                             "Tom celle = ikke registreret.", formats["info"])
    for row, text in ((AREA_ROW, "Fagområde"), (SIGNAL_ROW, "Signalord"), (MAX_ROW, MAX_LABEL)):
        sheet.merge_range(row, 0, row, 2, text, formats["label"])
    for col, text in enumerate(("Nr", "UNI-login", "Elev")):
        sheet.write_string(TASK_ROW, col, text, formats["head"])
    _merge_runs(sheet, AREA_ROW, FIRST_TASK_COL, [task.area for task in test.tasks], formats["head_area"])
    for i, task in enumerate(test.tasks):
        col = FIRST_TASK_COL + i
        sheet.write_string(SIGNAL_ROW, col, task.signal, formats["head_rot"])
        sheet.write_string(TASK_ROW, col, task.id, formats["head"])
        sheet.write_number(MAX_ROW, col, task.max, formats["max"])
    summary_cols = [(layout.total_points_col, "Point i alt"), (layout.total_share_col, "I alt")]
    summary_cols += [(layout.area_col(a), a) for a in test.areas]
    summary_cols += [(layout.signal_col(s), s) for s in test.signals]
    _merge(sheet, AREA_ROW, layout.total_points_col, layout.total_share_col, "Samlet", formats["head_area"])
    _merge(sheet, AREA_ROW, layout.area_col(test.areas[0]), layout.area_col(test.areas[-1]), "Pr. fagområde",
           formats["head_area"])
    _merge(sheet, AREA_ROW, layout.signal_col(test.signals[0]), layout.signal_col(test.signals[-1]), "Pr. signalord",
           formats["head_area"])
    for col, text in summary_cols:
        sheet.merge_range(SIGNAL_ROW, col, TASK_ROW, col, text, formats["head_rot"])
        sheet.write_blank(MAX_ROW, col, None, formats["max"])
    sheet.write_number(MAX_ROW, layout.total_points_col, test.max_total, formats["max"])

    _student_columns(sheet, formats, students, rows, FIRST_ROW)
    max_range = xl_range_abs(MAX_ROW, FIRST_TASK_COL, MAX_ROW, layout.last_task_col)
    for row in range(rows + 1):  # the spacer row under the students is part of the regions
        r = FIRST_ROW + row
        for i, task in enumerate(test.tasks):
            raw = points.get((row, layout.sheet, task.id)) if row < rows else None
            col = FIRST_TASK_COL + i
            if raw is None:
                sheet.write_blank(r, col, None, formats["points"] if row < rows else formats["text"])
            else:
                _write_typed(sheet, r, col, raw, formats)
        if row == rows:
            continue
        result = results[(layout.index, row)]
        points_range = _points_row(r, layout)
        step = test.step
        _array(sheet, r, layout.total_points_col, rules.excel_points_total_formula(points_range, max_range, step),
               formats["total"], _blank(result.total_points))
        _array(sheet, r, layout.total_share_col, rules.excel_share_formula(points_range, max_range, step=step),
               formats["pct_bold"], _blank(result.total))
        for area in test.areas:
            _array(sheet, r, layout.area_col(area),
                   rules.excel_share_formula(points_range, max_range, layout.mask("area", area), step=step),
                   formats["pct"], _blank(result.areas[area]))
        for signal in test.signals:
            _array(sheet, r, layout.signal_col(signal),
                   rules.excel_share_formula(points_range, max_range, layout.mask("signal", signal), step=step),
                   formats["pct"], _blank(result.signals[signal]))

    # The class row: per task the pooled share, per summary column the mean of the students.
    class_row = FIRST_ROW + rows + 1
    sheet.merge_range(class_row, 0, class_row, 2, "Klassen (gennemsnit)", formats["class_label"])
    last_student = FIRST_ROW + rows - 1
    for i, task in enumerate(test.tasks):
        col = FIRST_TASK_COL + i
        column = [points.get((row, layout.sheet, task.id)) for row in range(rows)]
        share = rules.share_of_max(column, [task.max] * rows, step=test.step)
        _array(sheet, class_row, col, rules.excel_share_formula(
            xl_range(FIRST_ROW, col, last_student, col), xl_rowcol_to_cell(MAX_ROW, col, True, True), step=test.step),
            formats["class_pct"], _blank(share))
    for col, _ in summary_cols[1:]:
        values = [_value_at(results[(layout.index, row)], layout, col) for row in range(rows)]
        mean = rules.mean_of_values(values)
        sheet.write_formula(class_row, col, rules.excel_mean_formula_of(xl_range(FIRST_ROW, col, last_student, col)),
                            formats["class_pct"], _blank(mean))
    sheet.write_blank(class_row, layout.total_points_col, None, formats["class_pct"])

    # Colours and checks.
    inputs = (FIRST_ROW, FIRST_TASK_COL, FIRST_ROW + rows, layout.last_task_col)
    top = xl_rowcol_to_cell(FIRST_ROW, FIRST_TASK_COL)
    top_max = xl_rowcol_to_cell(MAX_ROW, FIRST_TASK_COL, row_abs=True)
    sheet.conditional_format(*inputs, {
        "type": "formula", "format": formats["invalid"], "stop_if_true": True,
        "criteria": f'=AND({top}<>"",NOT(IF(ISNUMBER({top}),AND({top}>=0,{top}<={top_max}),FALSE)))',
    })
    for colour in (RED, YELLOW, GREEN):
        sheet.conditional_format(*inputs, {"type": "formula", "format": formats[colour],
                                           "criteria": "=" + rules.excel_points_condition(top, top_max, spec.thresholds, colour)})
    shares = (FIRST_ROW, layout.total_share_col, class_row, layout.last_col)
    _share_colours(sheet, formats, spec.thresholds, shares)
    _share_colours(sheet, formats, spec.thresholds, (class_row, FIRST_TASK_COL, class_row, layout.last_task_col))
    step = "halve" if test.half_points else "hele"
    validation = {
        "validate": "custom",
        "value": f"=AND(ISNUMBER({top}),{top}>=0,{top}<={top_max},MOD({top}*{2 if test.half_points else 1},1)=0)",
        "error_title": "Ugyldigt pointtal",
        "error_message": f"Skriv {step} point fra 0 til opgavens maks (rækken Maks point). Lad feltet stå tomt, "
                         "hvis opgaven ikke er registreret.",
    }
    sheet.data_validation(*inputs, validation)

    widths = STUDENT_WIDTHS + _task_widths(test) + [7, 7] + [9.5] * (layout.last_col - layout.total_share_col)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    heights = {SIGNAL_ROW: 120, AREA_ROW: 30}
    for row, height in heights.items():
        sheet.set_row(row, height)
    sheet.freeze_panes(FIRST_ROW, FIRST_TASK_COL)
    protect_inputs_only(sheet)
    groups = [FIRST_TASK_COL, layout.total_points_col] + ([layout.signal_col(test.signals[0])] if test.signals else [])
    print_page(sheet, school, f"{test.name} {class_name}", (AREA_ROW, MAX_ROW),
               groups=(widths, _row_heights(class_row, heights), groups, FIRST_TASK_COL))


TASK_WIDTH = 5.2
BOLD_CHAR_WIDTH = 1.15  # column width units per character of the bold header font


def _task_widths(test: TestDefinition) -> list[float]:
    """Task columns wide enough for the longest word of their fagområde's band: a word cannot
    wrap, and 'Sandsynlighed' over two tasks printed as 'Sandsynlighe d' (review)."""
    widths = []
    for area, run in itertools.groupby(task.area for task in test.tasks):
        tasks = len(list(run))
        longest = max(map(len, area.split()), default=0)
        widths += [max(TASK_WIDTH, round((longest * BOLD_CHAR_WIDTH + 1) / tasks, 1))] * tasks
    return widths


def _points_row(row: int, layout: TestLayout) -> str:
    """A student's points picked by position: INDEX of the task columns at this row.

    Written as the cells D7:T7, a teacher's cut and paste of a points row made Excel rewrite
    the reference, so one student's total showed another's result (found in review). Excel
    rewrites a range only when all of it is moved, so the whole columns stay put. ROWS, not
    ROW(): ROW() is the array {7} in an array formula, ROWS is always a number, and column A
    (Nr) is locked and rows cannot be inserted."""
    columns = f"${xl_col_to_name(FIRST_TASK_COL)}:${xl_col_to_name(layout.last_task_col)}"
    return f"INDEX({columns},ROWS($A$1:$A{row + 1}),0)"


def _array(sheet, row: int, col: int, formula: str, fmt, value) -> None:
    """A one-cell array formula: the share formulas judge each cell with IF(ISNUMBER(...))."""
    sheet.write_array_formula(row, col, row, col, "{=" + formula + "}", fmt, value)


def _write_input(sheet, row: int, col: int, raw, fmt) -> None:
    """A roster cell as typed (text, a number, a formula) or blank."""
    if raw in (None, ""):
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(raw, str):
        sheet.write_string(row, col, raw, fmt)
    else:
        _write_typed(sheet, row, col, raw, {"points": fmt, "points_date": fmt})


def _write_typed(sheet, row: int, col: int, raw, formats) -> None:
    """A value as the teacher typed it (add-test carries wrong values over unchanged)."""
    if isinstance(raw, Formula):
        cached = "" if raw.cached is None else raw.cached
        if raw.array:
            sheet.write_array_formula(row, col, row, col, "{=" + raw.text + "}", formats["points"], cached)
        else:
            sheet.write_formula(row, col, raw.text, formats["points"], cached)
    elif isinstance(raw, bool):
        sheet.write_boolean(row, col, raw, formats["points"])
    elif rules.is_number(raw):
        sheet.write_number(row, col, raw, formats["points"])
    elif isinstance(raw, (dt.datetime, dt.date)):
        sheet.write_datetime(row, col, raw, formats["points_date"])
    else:
        sheet.write_string(row, col, str(raw), formats["points"])


def _value_at(result: StudentResult, layout: TestLayout, col: int) -> float | None:
    if col == layout.total_share_col:
        return result.total
    for area in layout.test.areas:
        if col == layout.area_col(area):
            return result.areas[area]
    for signal in layout.test.signals:
        if col == layout.signal_col(signal):
            return result.signals[signal]
    return result.total_points


def _share_colours(sheet, formats, thresholds: PointsThresholds, area: tuple[int, int, int, int]) -> None:
    top = xl_rowcol_to_cell(area[0], area[1])
    for colour in (RED, YELLOW, GREEN):
        sheet.conditional_format(*area, {"type": "formula", "format": formats[colour],
                                         "criteria": "=" + rules.excel_share_condition(top, thresholds, colour)})


@dataclass(frozen=True)
class Block:
    """One group of columns on Over tid: a fagområde, a signalord or the total."""

    title: str
    kind: str  # total | area | signal
    first_col: int
    tests: list[TestLayout]  # every test, in order; the trend column follows them

    @property
    def trend_col(self) -> int:
        return self.first_col + len(self.tests)

    def value(self, result: StudentResult) -> float | None:
        if self.kind == "total":
            return result.total
        if self.kind == "area":
            return result.areas.get(self.title)
        return result.signals.get(self.title)

    def source_col(self, layout: TestLayout) -> int | None:
        if self.kind == "total":
            return layout.total_share_col
        names = layout.test.areas if self.kind == "area" else layout.test.signals
        if self.title not in names:
            return None
        return layout.area_col(self.title) if self.kind == "area" else layout.signal_col(self.title)


def _over_time_sheet(workbook, formats, spec, layouts, school, subject, class_name, students, rows, results) -> list[Block]:
    sheet = workbook.add_worksheet(OVER_TIME_SHEET)
    areas = list(dict.fromkeys(a for layout in layouts for a in layout.test.areas))
    signals = list(dict.fromkeys(s for layout in layouts for s in layout.test.signals))
    blocks, col = [], FIRST_TASK_COL
    for title, kind in [("I alt", "total")] + [(a, "area") for a in areas] + [(s, "signal") for s in signals]:
        blocks.append(Block(title, kind, col, layouts))
        col += len(layouts) + 1
    sheet.write_string(0, 0, f"Over tid · {subject} · {class_name}: andel af maks pr. prøve", formats["title"])
    sheet.write_string(1, 0, f"Udvikling sammenligner de to seneste prøver med resultat; en ændring inden for "
                             f"±{percent(spec.trend.tolerance)}-point er Stabil. Tom = området var ikke med i prøven.", formats["info"])
    for c, text in enumerate(("Nr", "UNI-login", "Elev")):
        sheet.merge_range(AREA_ROW, c, TASK_ROW, c, text, formats["head"])
    first_area = next(b for b in blocks if b.kind == "area")
    first_signal = next(b for b in blocks if b.kind == "signal")
    for block in blocks:
        fmt = formats["head_area"]
        sheet.merge_range(SIGNAL_ROW, block.first_col, SIGNAL_ROW, block.trend_col, block.title, fmt)
        for i, layout in enumerate(layouts):
            sheet.write_string(TASK_ROW, block.first_col + i, layout.test.short_name, formats["head_rot"])
            sheet.write_string(MAX_ROW, block.first_col + i, f"{layout.test.date:%d.%m.%y}", formats["max"])
        sheet.write_string(TASK_ROW, block.trend_col, "Udvikling", formats["head_rot"])
        sheet.write_blank(MAX_ROW, block.trend_col, None, formats["max"])
    class_row = FIRST_ROW + rows + 1
    widths = STUDENT_WIDTHS + [w for _ in blocks for w in [8.5] * len(layouts) + [11.5]]
    heights = {TASK_ROW: 135, SIGNAL_ROW: 30}
    groups = (widths, _row_heights(class_row, heights), [block.first_col for block in blocks], FIRST_TASK_COL)
    _, breaks = group_breaks(*groups)
    merge_by_page(sheet, AREA_ROW, first_area.first_col, first_signal.first_col - 1, "Fagområder", formats["head"], breaks)
    merge_by_page(sheet, AREA_ROW, first_signal.first_col, blocks[-1].trend_col, "Signalord", formats["head"], breaks)
    sheet.merge_range(AREA_ROW, blocks[0].first_col, AREA_ROW, blocks[0].trend_col, "Samlet", formats["head"])

    _student_columns(sheet, formats, students, rows, FIRST_ROW)
    for row in range(rows):
        r = FIRST_ROW + row
        for block in blocks:
            series = []
            for i, layout in enumerate(layouts):
                source = block.source_col(layout)
                value = block.value(results[(layout.index, row)]) if source is not None else None
                series.append(value)
                if source is None:  # the area was not in this test: text "", so lookups give "" not 0
                    sheet.write_formula(r, block.first_col + i, '""', formats["pct"], "")
                    continue
                ref = f"{quote_sheetname(layout.sheet)}!{xl_rowcol_to_cell(r, source)}"
                sheet.write_formula(r, block.first_col + i, f"{ref}", formats["pct"], _blank(value))
            area = xl_range(r, block.first_col, r, block.trend_col - 1)
            sheet.write_formula(r, block.trend_col, rules.excel_trend_formula(area, len(layouts), spec.trend),
                                formats["trend"], rules.trend(series, spec.trend) or "")
    sheet.merge_range(class_row, 0, class_row, 2, "Klassen (gennemsnit)", formats["class_label"])
    for block in blocks:
        for i, layout in enumerate(layouts):
            col = block.first_col + i
            values = [block.value(results[(layout.index, row)]) if block.source_col(layout) is not None else None
                      for row in range(rows)]
            sheet.write_formula(class_row, col, rules.excel_mean_formula_of(xl_range(FIRST_ROW, col, FIRST_ROW + rows - 1, col)),
                                formats["class_pct"], _blank(rules.mean_of_values(values)))
        means = [rules.mean_of_values([block.value(results[(layout.index, row)]) for row in range(rows)])
                 if block.source_col(layout) is not None else None for layout in layouts]
        area = xl_range(class_row, block.first_col, class_row, block.trend_col - 1)
        sheet.write_formula(class_row, block.trend_col, rules.excel_trend_formula(area, len(layouts), spec.trend),
                            formats["trend"], rules.trend(means, spec.trend) or "")
    for block in blocks:
        _share_colours(sheet, formats, spec.thresholds, (FIRST_ROW, block.first_col, class_row, block.trend_col - 1))
        trend_area = (FIRST_ROW, block.trend_col, class_row, block.trend_col)
        sheet.conditional_format(*trend_area, {"type": "cell", "criteria": "==", "value": f'"{rules.UP}"', "format": formats["up"]})
        sheet.conditional_format(*trend_area, {"type": "cell", "criteria": "==", "value": f'"{rules.DOWN}"', "format": formats["down"]})
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    for row, height in heights.items():
        sheet.set_row(row, height)
    sheet.freeze_panes(FIRST_ROW, FIRST_TASK_COL)
    protect_inputs_only(sheet)
    print_page(sheet, school, f"Over tid {class_name}", (AREA_ROW, MAX_ROW), groups=groups)
    return blocks


def series_shades(count: int) -> list[str]:
    """The bar colours of `count` tests, oldest first: blues from light to dark that stay
    apart in grey print and for red-green colour-blind readers (review: red, blue and green
    bars, the newest red under a table where red means under 50 %), however many tests."""
    steps = [i / (count - 1) if count > 1 else 1.0 for i in range(count)]
    return ["#" + "".join(f"{round(old + (new - old) * step):02X}" for old, new in zip(OLDEST_SHADE, NEWEST_SHADE))
            for step in steps]


def _student_sheet(workbook, formats, spec, layouts, blocks, school, subject, class_name, students, rows, results) -> None:
    """One student on one page: chosen in a dropdown, looked up with INDEX/MATCH."""
    sheet = workbook.add_worksheet(STUDENT_SHEET)
    chosen = choice_label(0, shown(students[0].name)) if students else ""
    sheet.write_string(0, 0, f"Elevark · {subject} · {class_name}", formats["title"])
    sheet.write_string(1, 0, "Vælg eleven i den gule celle, og print arket til skole-hjem-samtalen.", formats["info"])
    choices = f"{quote_sheetname(ROSTER_SHEET)}!{xl_range_abs(ROSTER_FIRST_ROW, 3, ROSTER_FIRST_ROW + rows - 1, 3)}"
    sheet.write_string(3, 0, "Elev:", formats["label"])
    sheet.merge_range(3, 1, 3, len(layouts) + 1, chosen, formats["choice"])
    sheet.data_validation(3, 1, 3, 1, {
        "validate": "list", "source": f"={choices}",
        "error_title": "Vælg en elev", "error_message": "Vælg en elev fra listen (navnene står på arket Elever).",
    })
    sheet.write_string(4, 0, "Nr. på elevlisten:", formats["label"])
    sheet.write_formula(4, 1, f'IFERROR(MATCH({exact_lookup("$B$4")},{choices},0),"")', formats["nr"], 1 if students else "")
    index_cell = "$B$5"
    row_of_chosen = 0
    sheet.write_string(5, 0, "UNI-login:", formats["label"])
    uni = f"{quote_sheetname(ROSTER_SHEET)}!{xl_range_abs(ROSTER_FIRST_ROW, 1, ROSTER_FIRST_ROW + rows - 1, 1)}"
    sheet.write_formula(5, 1, f'IFERROR(INDEX({uni},{index_cell})&"","")', formats["text"],
                        shown(students[0].uni_login) if students else "")

    def table(top: int, title: str, kinds: tuple[str, ...]) -> tuple[int, int]:
        chosen_blocks = [b for b in blocks if b.kind in kinds]
        sheet.write_string(top, 0, title, formats["head"])
        for i, layout in enumerate(layouts):
            sheet.write_string(top, 1 + i, layout.test.short_name, formats["head_wrap"])
        sheet.write_string(top, 1 + len(layouts), "Udvikling", formats["head_wrap"])
        for j, block in enumerate(chosen_blocks, start=1):
            r = top + j
            sheet.write_string(r, 0, block.title, formats["text"])
            for i, layout in enumerate(layouts):
                col = block.first_col + i
                source = f"{quote_sheetname(OVER_TIME_SHEET)}!{xl_range_abs(FIRST_ROW, col, FIRST_ROW + rows - 1, col)}"
                value = block.value(results[(layout.index, row_of_chosen)]) if block.source_col(layout) is not None else None
                sheet.write_formula(r, 1 + i, f'IFERROR(INDEX({source},{index_cell}),"")',
                                    formats["pct"], _blank(value) if students else "")
            trend_source = f"{quote_sheetname(OVER_TIME_SHEET)}!{xl_range_abs(FIRST_ROW, block.trend_col, FIRST_ROW + rows - 1, block.trend_col)}"
            series = [block.value(results[(layout.index, row_of_chosen)]) if block.source_col(layout) is not None else None
                      for layout in layouts]
            sheet.write_formula(r, 1 + len(layouts), f'IFERROR(INDEX({trend_source},{index_cell}),"")',
                                formats["trend"], (rules.trend(series, spec.trend) or "") if students else "")
        last = top + len(chosen_blocks)
        _share_colours(sheet, formats, spec.thresholds, (top + 1, 1, last, len(layouts)))
        return top, last

    area_top, area_last = table(7, "Fagområde", ("total", "area"))
    signal_top, signal_last = table(area_last + 2, "Signalord", ("signal",))
    last_col = max(len(layouts) + 1, 3)  # the page is at least as wide as a readable chart
    chart_width = column_pixels(STUDENT_NAME_WIDTH) + last_col * column_pixels(STUDENT_TEST_WIDTH)
    for top, last, title, anchor in ((area_top, area_last, "Fagområder", signal_last + 2),
                                     (signal_top, signal_last, "Signalord", signal_last + 19)):
        chart = workbook.add_chart({"type": "bar"})
        for i, (layout, shade) in enumerate(zip(layouts, series_shades(len(layouts)))):
            chart.add_series({
                "name": [STUDENT_SHEET, top, 1 + i],
                "categories": [STUDENT_SHEET, top + 1, 0, last, 0],
                "values": [STUDENT_SHEET, top + 1, 1 + i, last, 1 + i],
                "gap": 60,
                "fill": {"color": shade}, "border": {"color": "#404040", "width": 0.5},
                "data_labels": {"value": True, "num_format": "0%", "font": {"size": 8}},
            })
        chart.set_title({"name": f"{title}: andel af maks", "name_font": {"size": 11}})
        chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": chart_width, "height": 300})
        sheet.insert_chart(anchor, 0, chart)
    sheet.set_column(0, 0, STUDENT_NAME_WIDTH)
    sheet.set_column(1, last_col, STUDENT_TEST_WIDTH)
    sheet.set_row(7, 30)
    sheet.set_row(signal_top, 30)
    protect_inputs_only(sheet)
    sheet.print_area(0, 0, signal_last + 36, last_col)
    print_page(sheet, school, f"Elevark {subject} {class_name}", landscape=False)


# ---------------------------------------------------------------------------
# Reading a filled workbook
# ---------------------------------------------------------------------------


def read(workbook, metadata: dict, file: str) -> WorkbookData:
    """Records per student × task (with fagområde, signalord, points and max) and problems."""
    try:
        tests = stored_tests(metadata)
        school, letter = stored.text(metadata["school"], "Skolens navn"), stored.text(metadata["class_letter"], "Klassens bogstav", 20)
        limits = stored.mapping(metadata["thresholds"], "Farvegrænserne")
        thresholds = PointsThresholds(stored.number(limits["yellow_from"], 0, 1, "Grænsen for gul"),
                                      stored.number(limits["green_from"], 0, 1, "Grænsen for grøn"))
        below_level = stored.number(metadata["below_level"], 0, 1, "Grænsen for under niveau")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidWorkbook(f"Skemaets skjulte oplysninger er ugyldige ({error}). Lav skemaet igen med xlkit.") from None
    terms = [test_term(i, t) for i, t in enumerate(tests, start=1)]
    data = WorkbookData(file, KIND, school, letter, metadata, terms, measures=[t.short_name for t in tests],
                        thresholds=thresholds, below_level=below_level, tests=tests)

    def problem(code: str, message: str, action: str, region, position: int, column: int = 0,
                student: str = "", student_id: str = "") -> None:
        data.problems.append(Problem(code, message, action, file, region.sheet, region.where(position, column), student,
                                     student_id))

    class_list = _class_list(workbook, data, problem)
    for index, (test, term) in enumerate(zip(tests, terms), start=1):
        region = workbook.region(f"{NAME_PREFIX}t{index}_point")
        if region is None or any(len(r) != len(test.tasks) for r in region.rows):
            data.problems.append(Problem(
                "missing-range", f"Prøvearket '{test.short_name}' kan ikke læses (området {NAME_PREFIX}t{index}_point).",
                "Prøven er ikke læst. Brug add-test eller et nyt skema, hvis kolonner er slettet.", file, test.short_name,
            ))
            continue
        if len(region.rows) != len(class_list.students):  # the old message blamed deleted columns (found in review)
            data.problems.append(Problem(
                "rows-changed", f"Elevlisten har {len(class_list.students)} rækker, men prøvearket '{test.short_name}' har "
                f"{len(region.rows)}: der er indsat eller slettet rækker på et af arkene, så det ikke kan ses, "
                "hvilke point der hører til hvem.", "Prøven er ikke læst. Fortryd indsættelsen eller sletningen; "
                "nye elever skrives i de tomme rækker nederst på arket Elever.", file, class_list.names.sheet,
            ))
            continue
        _changed_maxima(workbook, region, test, problem)
        _columns_after_the_tasks(workbook, region, test, problem)
        owners = _point_owners(workbook, region, test, class_list, data, problem)
        if owners is not None:
            _read_points(region, test, term, owners, class_list, data, problem)
    return data


@dataclass
class ClassList:
    """The Elever sheet as read: every test sheet takes its students from it, row by row."""
    names: Region
    logins: Region
    numbers: Region | None  # the Nr column; an overbliksark made before it had one has none
    students: list[tuple[str, str]]  # (name, UNI-login) per row, "" where none is typed
    row_numbers: list  # what the Nr column shows in each row


def _class_list(workbook, data: WorkbookData, problem) -> ClassList:
    """The class list, with what is wrong in it reported."""
    names, logins = workbook.region(NAME_PREFIX + "elev"), workbook.region(NAME_PREFIX + "uni_login")
    if names is None or logins is None or len(names.rows) != len(logins.rows):
        raise InvalidWorkbook("Skemaets elevliste (arket Elever) kan ikke findes; brug et nyt skema.")
    swapped = names_and_logins_swapped(names.column(), logins.column())
    if swapped:
        names, logins = logins, names
        problem("name-login-swapped", SWAPPED_MESSAGE, SWAPPED_ACTION, logins, 0)
    students = [(read_text(names.rows[i][0], "navn", lambda *p: problem(*p, names, i)),
                 read_text(logins.rows[i][0], "UNI-login", lambda *p: problem(*p, logins, i)))
                for i in range(len(names.rows))]
    data.roster = [(name, uni, f"{ROSTER_SHEET}!{names.top + i}") for i, (name, uni) in enumerate(students) if name]
    for i, (name, uni) in enumerate(students):
        if name or uni:  # a lookup of names filled down past the class shows errors in no one's row
            for typed, what, region in ((names.rows[i][0], "navn", names), (logins.rows[i][0], "UNI-login", logins)):
                if typed.__class__ is ErrorValue:
                    problem(*error_field(typed, what), region, i)
    first_name: dict[str, str] = {}  # casefolded -> the cell it is first typed in
    first_login: dict[str, str] = {}
    for i, (name, uni) in enumerate(students):  # the figures are right, but lists name the two alike (found in review)
        if name and (first := first_name.setdefault(name.casefold(), names.where(i))) != names.where(i):
            problem("duplicate-name", f"Navnet '{name}' står også i {first}.", DUPLICATE_NAME_ACTION, names, i,
                    student=name, student_id=uni or f"{names.sheet}!{names.top + i}")
        if uni and (first := first_login.setdefault(uni.casefold(), logins.where(i))) != logins.where(i):
            problem("duplicate-uni-login", f"Samme UNI-login står også i {first}.", DUPLICATE_LOGIN_ACTION, logins, i)
        if uni:
            data.login_cells.setdefault((uni.casefold(), name.casefold()), (logins.sheet, logins.where(i)))
    numbers = workbook.region(NAME_PREFIX + "nr")
    row_numbers = numbers.column() if numbers is not None else list(range(1, len(students) + 1))
    for position, value in enumerate(row_numbers):
        read_nr(value, lambda *p: problem(*p, numbers, position))
    out_of_order = _first_out_of_order(row_numbers)
    if out_of_order is not None:
        problem("rows-reordered", "Elevlisten er sorteret om: Nr. står ikke længere i rækkefølge.", SORTED_LIST_ACTION,
                numbers, out_of_order)
    return ClassList(names, logins, numbers, students, row_numbers)


def _point_owners(workbook, region, test: TestDefinition, class_list: ClassList, data: WorkbookData,
                  problem) -> list[int] | None:
    """For each row of the test sheet, the class-list row its points belong to, by the Nr
    column beside them; None, with the reason reported, when that cannot be told safely."""
    nr_col = region.left - FIRST_TASK_COL  # the sheet's own Nr column, 1-based
    bottom = region.top + len(region.rows) - 1
    beside = workbook[region.sheet].values(region.top, nr_col, bottom, region.left - 1) if nr_col >= 1 else []
    test_numbers = [row[0] for row in beside] if beside else list(range(1, len(class_list.students) + 1))
    out_of_order = _first_out_of_order(test_numbers)
    if out_of_order is not None:
        problem("rows-reordered", "Prøvearket er sorteret om: Nr. står ikke længere i rækkefølge.", REORDERED_ACTION,
                replace(region, left=nr_col), out_of_order)
    owners = point_owners(test_numbers, class_list.row_numbers, [row[-1] for row in beside], class_list.students)
    if owners is None:
        data.problems.append(Problem(
            "rows-unmatched", f"Prøvens point er ikke medtaget: Nr. viser ikke, hvilken elev hver række i "
            f"'{test.short_name}' hører til.", "Fortryd sorteringen, og læs filen igen.", data.file, region.sheet,
        ))
        return None
    if isinstance(owners, ShownElsewhere):
        problem("rows-unmatched", f"Prøvens point er ikke medtaget: '{test.short_name}' viser et andet navn i "
                "rækken end arket Elever, så arket er sorteret uden kolonnen Nr., og det kan ikke ses sikkert, "
                "hvem pointene tilhører.", "Fortryd sorteringen (sortér altid med kolonnen Nr.), og læs filen igen.",
                region, owners.position, -1)
        return None
    if out_of_order is None and owners != list(range(len(owners))):
        _sorted_apart_from_over_time(workbook, region, [row[-1] for row in beside], problem)
    return owners


def _sorted_apart_from_over_time(workbook, region, shown: list, problem) -> None:
    """A test sheet sorted without its Nr column: its name formulas move with the points
    (absolute references), so the points are read right, but Over tid and Elevark take the
    results row by row and now show some beside other students. Names cut and pasted on the
    class list move Over tid's names alike, so there the two sheets agree."""
    if OVER_TIME_SHEET not in workbook.sheetnames:
        return
    over_time = [row[-1] for row in workbook[OVER_TIME_SHEET].values(region.top, 1, region.top + len(shown) - 1, 3)]
    for position, (here, there) in enumerate(zip(shown, over_time)):
        if here.__class__ is str and there.__class__ is str and here.strip() and " ".join(here.split()) != " ".join(there.split()):
            problem("rows-reordered", f"Prøvearket er sorteret om: rækken viser en anden elev end samme række på "
                    f"arket {OVER_TIME_SHEET}.", "Pointene er læst ud for de elever, prøvearket viser, men arkene "
                    f"{OVER_TIME_SHEET} og {STUDENT_SHEET} viser nu nogle resultater ud for andre elever. Sortér "
                    "prøvearket efter Nr. (marker hele tabellen fra kolonnen Nr.).", region, position, -1)
            return


def _read_points(region, test: TestDefinition, term: Term, owners: list[int | None], class_list: ClassList,
                 data: WorkbookData, problem) -> None:
    """One record per student and task with points; a student without any in a test others
    have taken is named (absent?), and points in a row that shows no student are reported."""
    named_with_points = 0
    missing = []
    class_name = f"{test.grade}.{data.class_letter}"
    for position, values in enumerate(region.rows):
        owner = owners[position]  # the class-list row of the student the points belong to
        if owner is None:
            typed = next((column for column, raw in enumerate(values) if raw not in (None, "")), None)
            if typed is not None:
                problem("points-without-student", "Rækken har point, men viser ingen elev: elevens navn er "
                        "slettet eller skrevet over på arket Elever.", "Pointene er ikke medtaget. Er eleven gået ud "
                        "af klassen, så slet pointene; ellers skriv eleven på arket Elever igen.", region, position, typed)
            continue
        name, uni = class_list.students[owner]
        row_records = []
        for column, (task, raw) in enumerate(zip(test.tasks, values)):
            reading = read_points(raw, task.max, test.half_points)
            if reading is None:
                continue
            if reading.code:
                problem(reading.code, reading.message, reading.action, region, position, column)
            if reading.value is not None:
                row_records.append((task, column, reading))
        if not name and not row_records:
            continue
        if name and not row_records:
            missing.append((position, name, uni or f"{ROSTER_SHEET}!{class_list.names.top + owner}"))
            continue
        named_with_points += bool(name)
        if not name:
            name = f"Elev uden navn (række {region.top + position})"
            problem("missing-name", "Rækken har point, men ingen elev på arket Elever.",
                    f"Pointene er medtaget som '{name}'. Skriv elevens navn på arket Elever.", region, position)
        student_key = f"{ROSTER_SHEET}!{class_list.names.top + owner}"
        student_nr = whole_number(class_list.row_numbers[owner])
        if student_nr is None:
            student_nr = owner + 1
        for task, column, reading in row_records:
            data.records.append(Record(
                file=data.file, sheet=region.sheet, cell=region.where(position, column), school=data.school,
                class_name=class_name, student_key=student_key,
                student_nr=student_nr, student=name, uni_login=uni,
                measure=task.id, term=term, value=reading.value, max_value=task.max,
                from_text=reading.code == "text-as-number", test=test.short_name, area=task.area,
                signal=task.signal,
            ))
    if named_with_points:  # a test nobody has points in yet is simply not taken yet
        for position, name, student_id in missing:
            problem("missing-student", f"{name} har ingen point i prøven '{test.short_name}'.",
                    "Eleven er ikke med i prøvens tal (fraværende?). Skriv point, hvis prøven er taget.",
                    region, position, 0, name, student_id)


MAX_LABEL, MAX_LABEL_SEARCH = "Maks point", 10
TOTAL_LABEL, MAX_INSERTED_COLUMNS = "Point i alt", 20


def _columns_after_the_tasks(workbook, region, test, problem) -> None:
    """Columns inserted after the last task (protection lifted) lie outside the named points
    area, which does not grow there: points typed in them counted nowhere, not even in the
    sheet's own totals, unseen (found in review). Found as the columns before "Point i alt"."""
    first = region.left + len(test.tasks)
    last = min(first + MAX_INSERTED_COLUMNS, MAX_COLUMNS)
    top = max(1, region.top - MAX_LABEL_SEARCH)
    if first > last or region.top <= 1:
        return
    lines = workbook[region.sheet].values(top, first, region.top + len(region.rows) - 1, last)
    headers = list(zip(*lines[:region.top - top]))
    total = next((col for col, cells in enumerate(headers) if TOTAL_LABEL in cells), 0)
    for position, line in enumerate(lines[region.top - top:]):
        typed = next((col for col, value in enumerate(line[:total]) if value not in (None, "")), None)
        if typed is not None:
            problem("column-after-tasks", "Kolonnen er sat ind efter prøvens sidste opgave og er ikke læst.",
                    "Tallene i kolonnen tæller hverken i arkets egne summer eller i oversigten. Skal opgaven med, så "
                    "føj den til prøvebeskrivelsen, og lav skemaet igen med add-test; ellers slet kolonnen.",
                    region, position, len(test.tasks) + typed)
            return


def _changed_maxima(workbook, region, test, problem) -> None:
    """A Maks cell changed on the sheet (protection lifted): the sheet's own colours and
    shares then use the new maximum, xlkit the test's own; it said nothing (found in review)."""
    label_col, first = region.left - FIRST_TASK_COL, max(1, region.top - MAX_LABEL_SEARCH)
    if label_col < 1 or region.top <= 1:
        return
    labels = [row[0] for row in workbook[region.sheet].values(first, label_col, region.top - 1, label_col)]
    if MAX_LABEL not in labels:  # found by its label: a row inserted above the first student moves it (review)
        return
    maxima_row = first + len(labels) - 1 - labels[::-1].index(MAX_LABEL)
    [shown] = workbook[region.sheet].values(maxima_row, region.left, maxima_row, region.left + len(test.tasks) - 1)
    for column, (task, value) in enumerate(zip(test.tasks, shown)):
        if not (rules.is_number(value) and float(value) == float(task.max)):
            if looks_like_cpr(value):  # a number, too: it was copied with thousands dots (review)
                now = "noget, der ligner et CPR-nummer (ikke kopieret)"
            elif rules.is_number(value):
                now = danish_number(value)
            elif value.__class__ is ErrorValue:  # read only from an .ods: the row is no input area
                now = value.shown
            elif value is None or not str(value).strip():  # in an .xlsx, also a cell showing an error
                now = "en tom celle"
            else:
                now = f"'{without_cpr(str(value or ''))[:20]}'"
            problem("max-changed", f"Maks for opgave {task.id} er ændret i arket fra {danish_number(task.max)} til "
                    f"{now}.", f"xlkit regner med prøvens maks ({danish_number(task.max)}), arkets egne farver og "
                    "procenter med det nye. Sæt maks tilbage; eller behold det nye: når den næste prøve føjes til "
                    "med add-test, tager den nye fil arkets maks med, og så regner xlkit også med det.",
                    region, maxima_row - region.top, column)


REORDERED_ACTION = ("Pointene er knyttet til eleverne efter Nr., men skemaets egne ark i Excel viser nu nogle "
                    "point ud for andre elever. Fortryd sorteringen, eller sortér efter Nr.")
SORTED_LIST_ACTION = ("Pointene er læst ud for de elever, prøvearkene viser. Prøvearkene viser eleverne i elevlistens "
                      "rækkefølge, så var der skrevet point, før listen blev sorteret, står de nu ud for andre elever: "
                      "sortér i så fald arket Elever efter Nr. igen, og send skemaet igen.")


def _first_out_of_order(numbers: list) -> int | None:
    """Where the Nr column, written 1, 2, 3 …, first goes backwards: the list or sheet has
    been sorted. Test sheets take their students from the class list row by row, so a
    sort of either after points are typed puts points next to other students."""
    previous = None
    for position, value in enumerate(numbers):
        if rules.is_number(value):
            if previous is not None and value <= previous:
                return position
            previous = value
    return None


@dataclass(frozen=True)
class ShownElsewhere:
    """A test sheet whose rows cannot be given to students: at `position` it shows a name that
    neither the Nr nor the row gives (sorted without its Nr column)."""
    position: int


def point_owners(test_numbers: list, roster_numbers: list, shown: list, students: list[tuple]
                 ) -> list[int | None] | ShownElsewhere | None:
    """For each test-sheet row, the class-list row of the student its points belong to (None
    for a row showing no student whose own row another shows); None when the Nr columns
    cannot tell, ShownElsewhere when the names shown contradict them.

    A test sheet sorted with its Nr column: by Nr, which moved with the points. Otherwise the
    points belong to the student the sheet shows beside them, as the teacher sees them and as
    the workbook's own sheets count them: names cut and pasted up the class list (a student
    who left) take the test sheets' references along, and a class list sorted before points
    are typed shows each student where the points are then typed (found in review: both lost
    or gave points to other students). Without saved names, row by row."""
    if _first_out_of_order(test_numbers) is not None:
        owners = _owners(test_numbers, roster_numbers)
    else:
        owners = _shown_owners(shown, students) or list(range(len(test_numbers)))
    if owners is None:
        return None
    elsewhere = first_shown_elsewhere(shown, owners, students)
    return owners if elsewhere is None else ShownElsewhere(elsewhere)


def _shown_owners(shown: list, students: list[tuple]) -> list[int | None] | None:
    """The class-list row of the name each test-sheet row shows, when every name shown is one
    student's of the list and none is shown twice; a row showing no name (an error after its
    name was pasted over) keeps its own row unless another shows that student. None when
    the names cannot tell: none saved, or a name two students share."""
    rows_of: dict[str, list[int]] = {}
    for row, texts in enumerate(students):  # (name, UNI-login), as first_shown_elsewhere compares them
        for text in {" ".join(str(text).split()) for text in texts if text}:
            rows_of.setdefault(text, []).append(row)
    named: dict[int, int] = {}
    for position, value in enumerate(shown):
        if value.__class__ is str and value.strip() and not looks_like_cpr(value):
            found = rows_of.get(" ".join(value.split()), [])
            if len(found) != 1 or found[0] in named.values():
                return None
            named[position] = found[0]
    if not named:
        return None
    taken = set(named.values())
    return [named.get(position, None if position in taken else position) for position in range(len(shown))]


def first_shown_elsewhere(shown: list, owners: list[int], students: list[tuple]) -> int | None:
    """Where a test sheet's name column (the names its formulas show, as the spreadsheet
    saved them) names neither the student the points go to nor the one in the same class-list
    row: the sheet was sorted without its Nr column, which Nr cannot tell (found in review:
    234 points went to other students unseen). A class list sorted with its Nr shows the
    row's new student; a test sheet sorted with its Nr, the owner. Cells without a saved
    name say nothing, nor do cells showing an error (a name the class list lacks)."""
    for position, value in enumerate(shown):
        if value.__class__ is str and value.strip() and not looks_like_cpr(value):
            name = " ".join(value.split())
            if name not in students[owners[position]] and name not in students[position]:
                return position
    return None


def _owners(test_numbers: list, roster_numbers: list) -> list[int] | None:
    """For each test-sheet row, the class-list row with the same Nr (both columns move with
    their rows when sorted; a row without Nr in both, like the spare row under the list,
    stays where it is); None when the Nr columns cannot tell."""
    by_number = {}
    for position, value in enumerate(map(whole_number, roster_numbers)):
        if value is not None:
            if value in by_number:
                return None
            by_number[value] = position
    owners = [by_number.get(value) if value is not None else
              position if position < len(roster_numbers) and whole_number(roster_numbers[position]) is None else None
              for position, value in enumerate(map(whole_number, test_numbers))]
    return owners if None not in owners and len(set(owners)) == len(owners) else None


@dataclass(frozen=True)
class Formula:
    """A formula a teacher typed into an input cell, carried over as a formula."""

    text: str  # without the leading "="
    cached: object = field(compare=False)  # the last calculated value, if the file has one
    array: bool = False  # entered as an array formula (Ctrl+Shift+Enter, or Excel 365 saving one that takes ranges)


def shown(value) -> str:
    """How a typed value reads in a cell (for cached values of the sheets that refer to it)."""
    if isinstance(value, Formula):
        value = value.cached
    if value is None:
        return ""
    if rules.is_number(value) and float(value).is_integer():
        return str(int(value))
    return str(value)

"""The leaders' view of overbliksark: per class, test, fagområde and signalord, the class
mean of the students' shares of the maximum; the school's weakest signalord and
fagområder; and per class the students below a chosen level in most fagområder.

All figures are computed in Python from the points (never from cached formula values),
with the same rules as the workbook's own formulas.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

from xlkit import rules
from xlkit.records import WorkbookData
from xlkit.rules import GREEN, RED, YELLOW, PointsThresholds, percent
from xlkit.templates.overblik import SEASONS, school_term, student_result
from xlkit.terms import parse_term_label
from xlkit.workbook import CONFIDENTIAL, SUMMARY_HEADER, fit_row, print_wide, write_text_or_blank


MAX_HEAT_COLUMNS = 200  # fagområder or signalord side by side; a real subject's tests have 5–20
MAX_NAME_HEIGHT = 170  # points: the header row of upright names; a longer name wraps


@dataclass
class TestSummary:
    """One class's results in one test."""

    data: WorkbookData
    test: object  # TestDefinition
    class_name: str  # the class at its latest test summarised (the workbook knows no start year), e.g. 9.A
    students: int  # students with points
    total: float | None
    areas: dict[str, float | None]
    signals: dict[str, float | None]
    student_areas: dict[str, dict[str, float | None]]  # student key -> area -> share
    names: dict[str, str]  # student key -> name
    latest: bool = False
    student_totals: dict[str, float | None] = field(default_factory=dict)  # student key -> share of the maximum
    logins: dict[str, str] = field(default_factory=dict)  # student key -> UNI-login: to find the ratings, never written
    ratings: dict[str, str] = field(default_factory=dict)  # student key -> the teacher's ratings in words (consolidate)


@dataclass
class Weakest:
    subject: str
    kind: str  # "fagområde" | "signalord"
    ranking: list[tuple[str, float, int]] = field(default_factory=list)  # (name, mean share, classes), weakest first


def summarise(data: WorkbookData, term_label: str | None = None) -> list[TestSummary]:
    """Each test's class figures. With `term_label` ('forår 2026') only the tests taken in
    that term or before it count, and the class has the name it had then: the summary shows
    the school as it was (review: the latest test, months after the chosen term, and
    today's class names stood next to that term's ratings)."""
    tests = [test for test in data.tests if not term_label or _not_after(test, term_label)]
    summaries = []
    for test in tests:
        records = [r for r in data.records if r.test == test.short_name]
        if not records:
            continue
        by_student: dict[str, dict[str, float]] = {}
        names: dict[str, str] = {}
        logins: dict[str, str] = {}
        for record in records:
            by_student.setdefault(record.student_key, {})[record.measure] = record.value
            names[record.student_key] = record.student
            logins[record.student_key] = record.uni_login
        shares = {key: student_result(test, [points.get(task.id) for task in test.tasks])
                  for key, points in by_student.items()}
        summaries.append(TestSummary(
            data=data, test=test, class_name=f"{tests[-1].grade}.{data.class_letter}", students=len(shares),
            total=rules.mean_of_values([v.total for v in shares.values()]),
            areas={a: rules.mean_of_values([v.areas[a] for v in shares.values()]) for a in test.areas},
            signals={s: rules.mean_of_values([v.signals[s] for v in shares.values()]) for s in test.signals},
            student_areas={k: v.areas for k, v in shares.items()}, names=names,
            student_totals={k: v.total for k, v in shares.items()}, logins=logins,
        ))
    if summaries:
        summaries[-1].latest = True
    for earlier in summaries[:-1]:  # per student only the latest test is shown: the rest need not be sent back
        earlier.student_areas, earlier.names, earlier.student_totals, earlier.logins = {}, {}, {}, {}
    return summaries


def _not_after(test, term_label: str) -> bool:
    """Whether the test was taken in the chosen term or before it (an unknown term: every test)."""
    wanted = parse_term_label(term_label, list(SEASONS.values()))
    if wanted is None:
        return True
    season = next(s for s in SEASONS.values() if s.id == wanted[0])
    taken = school_term(test.date)
    return (taken.school_year, taken.season.year_offset) <= (wanted[1] - season.year_offset, season.year_offset)


def weakest(summaries: list[TestSummary]) -> list[Weakest]:
    """Per subject, fagområder and signalord ranked by the mean of the classes' latest test."""
    result = []
    for subject in sorted({s.test.subject for s in summaries}):
        latest = [s for s in summaries if s.latest and s.test.subject == subject]
        for kind, attribute in (("fagområde", "areas"), ("signalord", "signals")):
            values: dict[str, list[float]] = {}
            for summary in latest:
                for name, share in getattr(summary, attribute).items():
                    if share is not None:
                        values.setdefault(name, []).append(share)
            ranking = sorted(((name, rules.mean_of_values(v), len(v)) for name, v in values.items()), key=lambda item: item[1])
            result.append(Weakest(subject, kind, ranking))
    return result


def below_level(summary: TestSummary, level: float) -> list[tuple[str, str, list[str], int]]:
    """Students below `level` in more than half of the fagområder they have results in, those
    below in the most first (the ones to talk about first)."""
    students = []
    for key, areas in summary.student_areas.items():
        measured = {a: v for a, v in areas.items() if v is not None}
        low = [a for a, v in measured.items() if v < level]
        if measured and len(low) * 2 > len(measured):
            students.append((key, summary.names[key], low, len(measured)))
    return sorted(students, key=lambda student: (-len(student[2]), -len(student[2]) / student[3], student[1]))


# ---------------------------------------------------------------------------
# Sheets
# ---------------------------------------------------------------------------


def write_sheets(workbook, summaries: list[TestSummary], formats: dict) -> None:
    if not summaries:
        return
    colours = {RED: workbook.add_format({"bg_color": "#F4A6A0"}), YELLOW: workbook.add_format({"bg_color": "#FFE699"}),
               GREEN: workbook.add_format({"bg_color": "#A9D59C"})}
    for title, attribute in (("Prøver – fagområder", "areas"), ("Prøver – signalord", "signals")):
        _heat_sheet(workbook, title, attribute, summaries, formats, colours)
    _weakest_sheet(workbook, summaries, formats)
    _below_sheet(workbook, summaries, formats)


def thresholds_of(summary: TestSummary) -> PointsThresholds:
    """The colour limits the class's own workbook uses (a school's spec may set its own)."""
    return summary.data.thresholds or PointsThresholds()


def colour_note(summaries: list[TestSummary]) -> str:
    """The colour limits in words; each workbook's own, when the schools' specs differ."""
    subjects: dict[PointsThresholds, set[str]] = {}
    for summary in summaries:
        subjects.setdefault(thresholds_of(summary), set()).add(summary.test.subject)
    def limits(t: PointsThresholds) -> str:
        return f"rød under {percent(t.yellow_from)}, gul fra {percent(t.yellow_from)}, grøn fra {percent(t.green_from)}"
    if len(subjects) == 1:
        return limits(next(iter(subjects))).capitalize() + "."
    return "Farverne følger hvert skemas egne grænser: " + "; ".join(
        f"{limits(t)} ({', '.join(sorted(names))})" for t, names in subjects.items()) + "."


def _heat_sheet(workbook, title, attribute, summaries, formats, colours) -> None:
    sheet = workbook.add_worksheet(title)
    names, left_out = heat_columns(summaries, attribute)
    what = "fagområde" if attribute == "areas" else "signalord"
    whats = "fagområder" if attribute == "areas" else "signalord"
    sheet.write_string(0, 0, f"Prøveresultater pr. klasse og {what}", formats["title"])
    sheet.write_string(1, 0, f"Klasse: klassens navn ved dens seneste prøve; Klassetrin: klassetrinnet ved prøven. "
                             f"Klassens gennemsnitlige andel af maks. {colour_note(summaries)} "
                             "Tom: ikke med i prøven." + (
                                 f" {left_out} {what if left_out == 1 else whats} fra enkelte prøver er ikke vist "
                                 f"(højst {MAX_HEAT_COLUMNS} kolonner)." if left_out else ""),
                       formats["note"])
    headers = ["Klasse", "Fag", "Prøve", "Dato", "Klassetrin", "Elever med point", "Samlet andel"] + names
    # before the rows below (the summary is written row by row, constant memory); the names stand upright,
    # so a column is as narrow as its percentages (review: 23 columns printed at 5 pt, "Læseforståe lse")
    sheet.set_row(3, min(MAX_NAME_HEIGHT, 7 * max(map(len, names), default=0) + 12) if names else 32)
    for col, header in enumerate(headers):
        sheet.write_string(3, col, header, formats["header_up" if col >= 7 else "header"])
    ordered = sorted(summaries, key=lambda s: (s.test.subject, s.class_name, s.test.date))
    for row, summary in enumerate(ordered, start=4):
        sheet.write_string(row, 0, summary.class_name, formats["text"])
        sheet.write_string(row, 1, summary.test.subject, formats["text"])
        sheet.write_string(row, 2, summary.test.name, formats["text"])
        sheet.write_string(row, 3, f"{summary.test.date:%d.%m.%Y}", formats["text"])
        sheet.write_string(row, 4, f"{summary.test.grade}. klasse", formats["text"])
        sheet.write_number(row, 5, summary.students, formats["int"])
        _share(sheet, row, 6, summary.total, formats)
        values = getattr(summary, attribute)
        for i, name in enumerate(names):
            _share(sheet, row, 7 + i, values.get(name), formats)
    last = 3 + len(ordered)
    # each run of rows with the same limits is coloured by them: a class is coloured as in its own workbook
    for limits, run in itertools.groupby(enumerate(ordered, start=4), key=lambda item: thresholds_of(item[1])):
        rows = [row for row, _ in run]
        for colour in (RED, YELLOW, GREEN):
            sheet.conditional_format(rows[0], 6, rows[-1], 6 + len(names), {
                "type": "formula", "format": colours[colour],
                "criteria": "=" + rules.excel_share_condition(f"G{rows[0] + 1}", limits, colour)})
    sheet.set_column(0, 1, 10)
    sheet.set_column(2, 2, 26)
    sheet.set_column(3, 5, 10)
    sheet.set_column(6, 6, 9)
    sheet.set_column(7, 6 + len(names), 6.5)
    sheet.freeze_panes(4, 3)
    sheet.autofilter(3, 0, last, len(headers) - 1)
    print_wide(sheet, 3, SUMMARY_HEADER, CONFIDENTIAL)


def heat_columns(summaries: list[TestSummary], attribute: str) -> tuple[list[str], int]:
    """The fagområder or signalord shown side by side, in the order met, and how many are
    left out: past MAX_HEAT_COLUMNS only those in the most tests are kept (found in review:
    one forged test with 600 names of its own widened every class's row by 600 columns, and
    past 16,384 the writer drops cells unseen)."""
    used = Counter(name for summary in summaries for name in getattr(summary, attribute))
    if len(used) <= MAX_HEAT_COLUMNS:
        return list(used), 0
    kept = {name for name, _ in used.most_common(MAX_HEAT_COLUMNS)}
    return [name for name in used if name in kept], len(used) - len(kept)


def _share(sheet, row, col, value, formats) -> None:
    if value is None:
        sheet.write_blank(row, col, None, formats["pct"])
    else:
        sheet.write_number(row, col, value, formats["pct"])


def _weakest_sheet(workbook, summaries, formats) -> None:
    sheet = workbook.add_worksheet("Svageste områder")
    sheet.write_string(0, 0, "Skolens svageste signalord og fagområder", formats["title"])
    sheet.write_string(1, 0, "Gennemsnit af klassernes seneste prøve i faget; laveste først. Klasser: hvor mange "
                             "klassers prøve tallet bygger på.", formats["note"])
    row = 3
    for item in weakest(summaries):
        sheet.write_string(row, 0, f"{item.subject}: {item.kind}", formats["header"])
        sheet.write_string(row, 1, "Andel af maks", formats["header"])
        sheet.write_string(row, 2, "Klasser", formats["header"])
        for name, share, classes in item.ranking:
            row += 1
            sheet.write_string(row, 0, name, formats["text"])
            sheet.write_number(row, 1, share, formats["pct"])
            sheet.write_number(row, 2, classes, formats["int"])
        row += 2
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 2, 14)
    print_wide(sheet, None, SUMMARY_HEADER, CONFIDENTIAL)


def level_of(summary: TestSummary) -> float:
    """The share of max under which a student counts as under niveau: the school's own limit, stored in
    the workbook from its spec (`below_level`), or 50 %."""
    return summary.data.below_level or 0.5


def _below_sheet(workbook, summaries, formats) -> None:
    sheet = workbook.add_worksheet("Elever under niveau")
    levels = sorted({level_of(s) for s in summaries})
    shown = percent(levels[0]) if len(levels) == 1 else f"skemaets egen grænse ({', '.join(map(percent, levels))})"
    sheet.write_string(0, 0, f"Elever under {shown} af maks i de fleste fagområder", formats["title"])
    sheet.write_string(1, 0, f"Seneste prøve pr. klasse og fag: elever under {shown} af maks i mere end halvdelen "
                             "af fagområderne, de fleste fagområder først. Fortroligt: del kun med dem, der skal bruge "
                             "det.", formats["note"])
    headers = ["Klasse", "Fag", "Prøve", "Elev", f"Fagområder under {shown if len(levels) == 1 else 'grænsen'}"]
    with_ratings = any(text for summary in summaries for text in summary.ratings.values())
    headers += ["Lærerens vurdering (elevvurdering)"] * with_ratings
    widths = [10, 10, 26, 24, 70 - 22 * with_ratings, 44]
    for col, header in enumerate(headers):
        sheet.write_string(3, col, header, formats["header"])
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    fit_row(sheet, 3, zip(headers, widths))
    row = 3
    for summary in sorted((s for s in summaries if s.latest), key=lambda s: (s.test.subject, s.class_name)):
        level = f" under {percent(level_of(summary))}" if len(levels) > 1 else ""
        for key, name, low, measured in below_level(summary, level_of(summary)):
            row += 1
            cells = [summary.class_name, summary.test.subject, summary.test.name, name,
                     f"{len(low)} af {measured}{level}: {', '.join(low)}"] + [summary.ratings.get(key, "")] * with_ratings
            fit_row(sheet, row, list(zip(cells, widths))[4:])
            for col, value in enumerate(cells):
                write_text_or_blank(sheet, row, col, value, formats["wrap"] if col >= 4 else formats["text"])
    if row == 3:
        sheet.write_string(4, 0, "Ingen elever under niveau i de fleste fagområder.", formats["note"])
    sheet.freeze_panes(4, 0)
    print_wide(sheet, 3, SUMMARY_HEADER, CONFIDENTIAL)

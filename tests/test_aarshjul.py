"""Årshjul: school weeks across the new year, the checks (Python and native Tjek sheet),
suggestions that never break a rule, and calendars that real iCalendar readers accept."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import icalendar
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import file_hash
from tests.teacher import with_metadata
from xlkit.cli import main
from xlkit.errors import InvalidWorkbook, XlkitError
from xlkit.ics import write_calendars
from xlkit.plan import FREE_WEEK, MONTHS, check_plan, holiday_weeks_not_in_year, in_window, school_weeks, suggest
from xlkit.spec import Activity, Assignment, HolidayWeeks, load_plan
from xlkit.reader import read_workbook
from xlkit.templates import aarshjul


@pytest.fixture(scope="module")
def spec():
    return load_plan()


BEFORE_THE_YEAR = dt.date(2026, 8, 1)  # before the shipped spec's school year 2026/27 begins


@pytest.fixture(autouse=True)
def on_a_fixed_day(monkeypatch):
    """plan check and plan suggest count from today; here they count from a fixed day, so the
    suggestions do not depend on the clock. A test that needs another day sets it itself."""
    monkeypatch.setattr("xlkit.cli.today", lambda: BEFORE_THE_YEAR)


def test_school_weeks_cross_the_new_year(spec):
    weeks = school_weeks(spec)
    numbers = [w.week for w in weeks]
    assert numbers[0] == 33 and numbers[-1] == 25 and len(weeks) == 46
    i = numbers.index(52)
    assert numbers[i:i + 3] == [52, 53, 1]  # 2026 has an ISO week 53
    assert weeks[i + 1].monday == dt.date(2026, 12, 28) and weeks[i + 2].monday == dt.date(2027, 1, 4)
    assert weeks[i + 2].iso_year == 2027
    holidays = {w.week: w.holiday for w in weeks if w.holiday}
    assert holidays == {42: "Efterårsferie", 52: "Juleferie", 53: "Juleferie", 7: "Vinterferie", 12: "Påskeferie"}
    days_off = {w.week: [n for _, n in w.days_off] for w in weeks if w.days_off}
    assert days_off[18] == ["Kristi himmelfartsdag"] and days_off[13] == ["Anden påskedag"]


def test_a_year_without_week_53():
    spec = dataclasses.replace(load_plan(), school_year=2027, holiday_weeks=(HolidayWeeks("Juleferie", (52, 1)),))
    numbers = [w.week for w in school_weeks(spec)]
    assert 53 not in numbers and numbers[numbers.index(52) + 1] == 1


@pytest.mark.parametrize(("week", "window", "inside"), [
    (36, (34, 44), True), (34, (34, 44), True), (44, (34, 44), True), (45, (34, 44), False),
    (50, (48, 5), True), (53, (48, 5), True), (1, (48, 5), True), (5, (48, 5), True), (6, (48, 5), False),
    (47, (48, 5), False),
])
def test_windows_that_span_the_new_year(week, window, inside):
    assert in_window(week, window) is inside


def test_grundlovsdag_is_a_day_off():
    """The holiday library leaves grundlovsdag out; 5 June 2030, a Wednesday, was a plain
    school day in the Uger sheet and the Årsplan (found by the red team)."""
    spec = dataclasses.replace(load_plan(), school_year=2029)
    days = dict(d for w in school_weeks(spec) for d in w.days_off)
    assert days[dt.date(2030, 6, 5)] == "Grundlovsdag" and days[dt.date(2030, 6, 10)] == "Anden pinsedag"


def test_a_holiday_week_the_school_year_does_not_have_is_named(tmp_path):
    """Juleferie [52, 53] is right for 2026/27; moved to 2027/28, which has no week 53, part of
    the Christmas holiday stayed a school week without a word (found by the red team)."""
    assert holiday_weeks_not_in_year(load_plan()) == []
    spec = dataclasses.replace(load_plan(), school_year=2027, plan=())
    assert holiday_weeks_not_in_year(spec) == [
        "Juleferie har uge 53, som ikke er med i skoleåret 2027/28 (uge 33–25; 2027 har ingen uge 53). "
        "Ret ferieugerne i årshjulets beskrivelse (--spec), og lav årshjulet igen."]
    built = aarshjul.build(spec, tmp_path / "a.xlsx")
    output = CliRunner().invoke(main, ["plan", "check", str(built)]).output
    assert "Bemærk: Juleferie har uge 53, som ikke er med i skoleåret 2027/28" in output


def test_holiday_weeks_are_shaded_in_the_grid(tmp_path, spec):
    path = aarshjul.build(spec, tmp_path / "a.xlsx")
    ws = openpyxl.load_workbook(path)["Årsplan"]
    header = {ws.cell(4, c).value: c for c in range(2, 60) if ws.cell(4, c).value}
    assert ws.cell(7, header[42]).fill.fgColor.rgb.endswith("D9D9D9")
    assert not ws.cell(7, header[41]).fill.fgColor.rgb.endswith("D9D9D9")
    assert ws.cell(6, header[42]).value == "Efterårsferie"


# --- each check: a plan that triggers it and one that does not ------------------------------

def _a(activity, class_name, week, row=None):
    return Assignment(activity, class_name, week, row=row)


NFT_L, NFT_M, LAES = "Nationale færdighedstest, læsning", "Nationale færdighedstest, matematik", "Læseprøve (ST-prøve)"


def codes(spec, plan, check):
    return [(f.class_name, f.where) for f in check_plan(spec, plan) if f.check == check]


def complete(spec):
    return suggest(spec).plan


def test_too_many_tests_in_a_week(spec):
    plan = complete(spec)
    assert codes(spec, plan, "too-many-in-week") == []
    moved = [dataclasses.replace(a, week=44) if a.class_name == "4.A" and a.activity in (NFT_L, NFT_M, LAES) else a
             for a in plan]
    assert codes(spec, moved, "too-many-in-week") == [("4.A", "44")]


def test_too_many_tests_in_a_month(spec):
    plan = complete(spec)
    assert codes(spec, plan, "too-many-in-month") == []
    extra = [_a("Ordblindetesten", "5.A", w) for w in (9, 10, 11)] + [_a("MAT-prøve", "5.A", 9), _a(LAES, "5.A", 10)]
    crowded = [a for a in plan if not (a.class_name == "5.A" and a.activity == "MAT-prøve")] + extra
    assert codes(spec, crowded, "too-many-in-month") == [("5.A", "marts")]


def test_missing_compulsory(spec):
    plan = complete(spec)
    assert codes(spec, plan, "missing-compulsory") == []
    gap = [a for a in plan if not (a.class_name == "6.B" and a.activity == NFT_M)]
    assert codes(spec, gap, "missing-compulsory") == [("6.B", NFT_M)]


def test_outside_window_and_holiday_week(spec):
    plan = complete(spec)
    assert codes(spec, plan, "outside-window") == [] and codes(spec, plan, "holiday-week") == []
    bad = plan + [_a("Ordblindetesten", "5.A", 42, row=300)]
    assert codes(spec, bad, "outside-window") == [("5.A", "42")]
    assert codes(spec, bad, "holiday-week") == [("5.A", "42")]


def test_no_tests_in_a_term(spec):
    plan = complete(spec)
    assert ("7.A", "forår") not in codes(spec, plan, "no-tests-in-term")
    without = [a for a in plan if not (a.class_name == "7.A" and a.week < 30)]
    assert ("7.A", "forår") in codes(spec, without, "no-tests-in-term")


def test_unknown_activity_class_and_week(spec):
    plan = [_a("Ukendt", "4.A", 40), _a(NFT_L, "4.Q", 40), _a(NFT_L, "4.A", 30), _a(NFT_L, "5.A", 40)]
    found = [(f.check, f.class_name) for f in check_plan(spec, plan) if f.check in aarshjul.ROW_CHECK_LABELS]
    assert found == [("unknown-activity", "4.A"), ("unknown-class", "4.Q"), ("not-a-school-week", "4.A"),
                     ("wrong-grade", "5.A")]


# --- the CLI and the native Tjek sheet agree -----------------------------------------------------

def native_findings(path, spec) -> set:
    wb = openpyxl.load_workbook(path, data_only=True)
    weeks = school_weeks(spec)
    layout = aarshjul.check_layout(spec, weeks)
    found = set()
    plan_sheet = wb["Plan"]
    labels = {v: k for k, v in aarshjul.ROW_CHECK_LABELS.items()}
    for r in range(aarshjul.PLAN_HEADER + 2, aarshjul.PLAN_HEADER + 2 + aarshjul.PLAN_ROWS):
        text = plan_sheet.cell(r, 7).value
        for label in (text or "").split("; "):
            if label:
                found.add((labels[label], r))
    tjek = wb["Tjek"]
    first, _ = layout["week_rows"]
    for i, class_name in enumerate(spec.classes):
        for j, week in enumerate(weeks):
            if (tjek.cell(first + 1 + i, 2 + j).value or 0) > spec.max_tests_per_week:
                found.add(("too-many-in-week", class_name, str(week.week)))
        for j, month in enumerate(layout["months"]):
            if (tjek.cell(layout["month_rows"][0] + 1 + i, 2 + j).value or 0) > spec.max_tests_per_month:
                found.add(("too-many-in-month", class_name, MONTHS[month - 1]))
        compulsory = [a for a in spec.activities if a.compulsory]
        for j, activity in enumerate(compulsory):
            if tjek.cell(layout["compulsory_rows"][0] + 1 + i, 2 + j).value == aarshjul.MISSING:
                found.add(("missing-compulsory", class_name, activity.name))
        for j, term in enumerate(("efterår", "forår")):
            if tjek.cell(layout["term_rows"][0] + 1 + i, 2 + j).value == 0:
                found.add(("no-tests-in-term", class_name, term))
    return found


def python_findings(spec, plan) -> set:
    found = set()
    for f in check_plan(spec, plan):
        found.add((f.check, f.row) if f.check in aarshjul.ROW_CHECK_LABELS else (f.check, f.class_name, f.where))
    return found


@pytest.mark.libreoffice
def test_cli_and_native_tjek_report_the_same(tmp_path, spec, libreoffice):
    plan = complete(spec)
    plan = [dataclasses.replace(a, week=44) if a.class_name == "4.A" and a.activity in (NFT_L, NFT_M, LAES) else a
            for a in plan]
    plan = [a for a in plan if not (a.class_name == "6.B" and a.activity == NFT_M)]
    plan = [a for a in plan if not (a.class_name == "7.A" and a.week < 30)]
    plan += [_a("Ordblindetesten", "5.A", w) for w in (9, 10, 11)] + [_a(LAES, "5.A", 10)]
    plan += [_a("Ordblindetesten", "5.B", 42), _a("Ukendt prøve", "3.A", 40), _a(NFT_L, "3.Q", 40),
             _a(NFT_L, "3.B", 30), _a(NFT_L, "5.B", 40)]
    plan += [_a(NFT_L, "4.a", 38), _a("MAT-PRØVE", "5.A", 9), _a(NFT_L + " ", "6.A", 37), _a(NFT_M, "3.A ", 37)]
    plan += [_a("ordblindetesten", "5.b", 42), _a(NFT_M, "8.A", 39)]  # twice in a week, in other case and as "39"
    plan += [_a(LAES, "8.A", 39)]  # three tests in week 39 only with the one typed as "39" (LibreOffice missed it)
    built = aarshjul.build(spec, tmp_path / "plan0.xlsx", plan)
    wb = openpyxl.load_workbook(built)
    sheet = wb["Plan"]
    first_free = aarshjul.PLAN_HEADER + 2 + len(plan)
    for offset, (activity, klass, week) in enumerate([(None, "2.B", 40), (NFT_L, "8.B", None), (NFT_M, "8.A", "39")]):
        row = first_free + offset
        sheet.cell(row, 1, activity), sheet.cell(row, 2, klass), sheet.cell(row, 3, week)
    path = tmp_path / "plan.xlsx"
    wb.save(path)  # edited as a teacher would, pasted values included
    data = read_workbook(path)  # the CLI's view: rows as read back from the sheet
    expected = python_findings(spec, data.plan)
    assert {f[0] for f in expected} >= {"too-many-in-week", "too-many-in-month", "missing-compulsory", "outside-window",
                                        "holiday-week", "no-tests-in-term", "unknown-activity", "unknown-class",
                                        "not-a-school-week", "wrong-grade", "duplicate-row"}
    [lo] = libreoffice.recalculate([path, built], tmp_path / "lo")[:1]
    assert native_findings(lo, spec) == expected
    assert native_findings(built, spec) == python_findings(spec, read_workbook(built).plan)  # cached = computed
    totals = openpyxl.load_workbook(lo, data_only=True)["Tjek"]  # one total a row, its label readable
    found = [f for f in check_plan(spec, data.plan)]
    assert [(totals.cell(r, 1).value, totals.cell(r, aarshjul.TOTAL_COL + 1).value) for r in (5, 7)] == [
        ("Uger med for mange prøver", sum(f.check == "too-many-in-week" for f in found)),
        ("Manglende obligatoriske aktiviteter", sum(f.check == "missing-compulsory" for f in found))]
    grid = openpyxl.load_workbook(lo, data_only=True)["Årsplan"]  # the grid shows the same clash
    row_4a = 7 + list(spec.classes).index("4.A")
    column_44 = next(c for c in range(2, 60) if grid.cell(4, c).value == 44)
    assert grid.cell(row_4a, column_44).value == aarshjul.grid_text(spec, data.plan, "4.A", 44)
    assert grid.cell(row_4a, column_44).value.endswith("+2")
    assert ("too-many-in-week", "8.A", "39") in expected
    assert grid.cell(7 + list(spec.classes).index("8.A"), column_44 - 5).value == aarshjul.grid_text(spec, data.plan, "8.A", 39)


@pytest.mark.libreoffice
def test_wildcard_characters_in_names_are_matched_exactly(tmp_path, spec, libreoffice):
    """* ? ~ in an activity name were wildcards to MATCH and COUNTIFS (found in review: a
    compulsory 'Matematik*' counted as planned when any row began with Matematik, and a
    planned 'Læsetest (uge ~40)' counted as missing)."""
    renamed = {NFT_M: "Matematik*", LAES: "Læsetest (uge ~40)", NFT_L: "<Læsning>"}  # < > = made a comparison
    spec = dataclasses.replace(spec, activities=tuple(dataclasses.replace(a, name=renamed.get(a.name, a.name))
                                                      for a in spec.activities))
    plan = [a for a in complete(spec) if not (a.class_name == "4.A" and a.activity in ("Matematik*", "<Læsning>"))]
    plan += [_a("Matematik?", "5.A", 40), _a("Matematik, skriftlig", "4.A", 41), _a("Læsetest*", "6.B", 43),
             _a("Matematik*", "2.?", 40)]  # a class typed with a wildcard
    built = aarshjul.build(spec, tmp_path / "plan.xlsx", plan)
    data = read_workbook(built)
    expected = python_findings(spec, data.plan)
    assert {("missing-compulsory", "4.A", "Matematik*"), ("missing-compulsory", "4.A", "<Læsning>")} <= expected
    assert not [f for f in expected if f[0] == "missing-compulsory" and f[2] == "Læsetest (uge ~40)"]
    [lo] = libreoffice.recalculate([built], tmp_path / "lo")
    assert native_findings(lo, spec) == expected
    grid = openpyxl.load_workbook(lo, data_only=True)["Årsplan"]  # the grid names only known activities
    row_6b = 7 + list(spec.classes).index("6.B")
    column_43 = next(c for c in range(2, 60) if grid.cell(4, c).value == 43)
    assert (grid.cell(row_6b, column_43).value or "") == aarshjul.grid_text(spec, data.plan, "6.B", 43)


def _typed_weeks(tmp_path, spec, weeks) -> Path:
    """An årshjul whose Plan has weeks as pasted (text with spaces, leading zeros ...)."""
    built = aarshjul.build(spec, tmp_path / "plan0.xlsx", [])
    wb = openpyxl.load_workbook(built)
    first = aarshjul.PLAN_HEADER + 2
    for offset, (activity, klass, week) in enumerate(weeks):
        for col, value in enumerate((activity, klass, week), start=1):
            wb["Plan"].cell(first + offset, col, value)
    wb.save(tmp_path / "plan.xlsx")
    return tmp_path / "plan.xlsx"


PASTED_WEEKS = [(NFT_L, "8.A", 39), (NFT_M, "8.A", " 39"), (LAES, "8.A", "39 "), ("MAT-prøve", "5.A", "0039"),
                (NFT_L, "6.A", "٣٩"), (NFT_M, "6.A", "+40"), (NFT_L, "4.A", "²"), (NFT_M, "4.A", "40")]


def test_a_week_pasted_with_a_space_or_odd_digits_is_text(tmp_path, spec):
    """" 39" counted as week 39 for plan check, which the sheets' COUNTIFS never count (three
    tests for 8.A in plan check, one on the Tjek sheet), and "²" stopped plan check with
    "Skemaet er beskadiget" (found by the red team). Only a number's own digits are a week;
    other text is named with its cell, and plan suggest writes it as the number it shows."""
    data = read_workbook(_typed_weeks(tmp_path, spec, PASTED_WEEKS))
    assert [(a.week, a.typed_week) for a in data.plan] == [
        (39, None), (0, " 39"), (0, "39 "), (0, "0039"), (0, "٣٩"), (0, "+40"), (0, "²"), (40, None)]
    messages = {f.row: f.message for f in check_plan(spec, data.plan) if f.check == "not-a-school-week"}
    first = aarshjul.PLAN_HEADER + 2
    assert messages[first + 1] == "Ugen ' 39' er skrevet som tekst; skriv ugenummeret (39) i stedet (xlkit plan suggest gør det)"
    assert messages[first + 6] == "Ugen '²' er ikke et ugenummer; skriv et tal fra 1 til 53 (xlkit plan suggest kan foreslå en)"
    assert [a.week for a in suggest(spec, data.plan).plan[1:4]] == [39, 39, 39]


def test_a_class_typed_as_other_systems_write_it_is_named_and_written_as_listed(tmp_path, spec):
    """"7 A" or "7a" was an unknown class without a hint, and plan suggest added a second
    MAT-prøve for 7.A beside the row planned for "7 A" (found by the red team)."""
    plan = [_a("MAT-prøve", "7 A", 5, row=5), _a(NFT_M, "7a", 37, row=6), _a(NFT_M, "7.B ", 37, row=7),
            _a(NFT_M, "7", 38, row=8)]
    messages = [f.message for f in check_plan(spec, plan) if f.check == "unknown-class"]
    assert messages[0] == ("Klassen '7 A' findes ikke på årshjulets liste over klasser (arket Katalog); skriv 7.A "
                           "(xlkit plan suggest gør det)")
    assert [m.endswith("(arket Katalog)") for m in messages] == [False, False, False, True]  # "7" means no one class
    result = suggest(spec, plan)
    assert [a.class_name for a in result.plan[:4]] == ["7.A", "7.A", "7.B", "7"]
    assert not [a for a in result.added if a.class_name == "7.A" and a.activity in ("MAT-prøve", NFT_M)]
    built = aarshjul.build(spec, tmp_path / "plan.xlsx", [_a("MAT-prøve", "7 A", 5)])
    output = CliRunner().invoke(main, ["plan", "suggest", str(built)]).output
    assert f"Klasse skrevet som på listen: MAT-prøve: '7 A' er nu 7.A i Plan, celle B{aarshjul.PLAN_HEADER + 2}" in output


@pytest.mark.libreoffice
def test_a_pasted_week_is_counted_alike_by_the_sheets_and_plan_check(tmp_path, spec, libreoffice):
    path = _typed_weeks(tmp_path, spec, PASTED_WEEKS)
    [lo] = libreoffice.recalculate([path], tmp_path / "lo")
    assert native_findings(lo, spec) == python_findings(spec, read_workbook(path).plan)


# --- suggest never breaks a rule ------------------------------------------------------------

@st.composite
def catalogues(draw):
    base = load_plan()
    activities = []
    for i in range(draw(st.integers(1, 5))):
        start, end = draw(st.sampled_from([33, 36, 40, 46, 48, 50, 2, 5, 10, 14, 20])), draw(
            st.sampled_from([35, 39, 44, 49, 51, 1, 3, 8, 12, 16, 25]))
        grades = tuple(sorted(draw(st.sets(st.integers(0, 9), min_size=1, max_size=4))))
        activities.append(Activity(f"a{i}", f"Aktivitet {i}", f"A{i}", draw(st.sampled_from(["prøve", "prøve", "samtale"])),
                                   "", grades, (start, end), 1, draw(st.sampled_from(["Læsevejleder", "Ledelsen"])),
                                   draw(st.booleans()) or i == 0))
    holiday_weeks = (HolidayWeeks("Ferie", tuple(draw(st.sets(st.sampled_from([42, 52, 53, 1, 7, 8, 44]), max_size=4)))),)
    spec = dataclasses.replace(base, activities=tuple(activities), holiday_weeks=holiday_weeks,
                               max_tests_per_week=draw(st.integers(1, 2)), max_tests_per_month=draw(st.integers(1, 4)),
                               classes=("2.A", "4.A", "6.B", "8.A"), plan=())
    weeks = [w.week for w in school_weeks(spec)]
    plan = [Assignment(draw(st.sampled_from(activities)).name, draw(st.sampled_from(spec.classes)),
                       draw(st.sampled_from(weeks + [0]))) for _ in range(draw(st.integers(0, 12)))]  # 0: no week yet
    return spec, plan


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues())
def test_suggest_never_violates_a_window_holiday_or_limit(case):
    spec, plan = case
    result = suggest(spec, plan)
    weeks = {w.week: w for w in school_weeks(spec)}
    changed = result.added + result.dated + [after for _, after in result.moved]
    for a in result.plan:  # every row without a week got one, or is named as impossible
        if a.week == 0 and a.class_name in spec.classes:
            assert any(m.startswith(f"{a.activity} for {a.class_name}: ingen uge") for m in result.impossible)
    for a in changed:
        activity = spec.activity(a.activity)
        assert in_window(a.week, activity.window) and not weeks[a.week].holiday
    for a in changed:
        if not spec.activity(a.activity).is_test:
            continue
        same_week = [b for b in result.plan if b.class_name == a.class_name and b.week == a.week
                     and spec.activity(b.activity).is_test]
        same_month = [b for b in result.plan if b.class_name == a.class_name and b.week in weeks
                      and weeks[b.week].month == weeks[a.week].month and spec.activity(b.activity).is_test]
        assert len(same_week) <= spec.max_tests_per_week
        assert len(same_month) <= spec.max_tests_per_month
    still_missing = {(f.class_name, f.where) for f in check_plan(spec, result.plan) if f.check == "missing-compulsory"}
    unplaced = [a for a in result.plan if a.week == 0 and a.class_name in spec.classes]
    assert len(still_missing) + len(unplaced) == sum("ingen uge i vinduet" in m for m in result.impossible)


def test_a_row_without_a_week_that_cannot_get_one_is_named_once(spec):
    """Found by the property test above (in a review): a row without a week that no week
    fits is named, but it is not a missing compulsory activity, since the class is not in
    the activity's grades and the activity is planned for it already."""
    only = Activity("a0", "Aktivitet 0", "A0", "prøve", "", (0,), (33, 35), 1, "Læsevejleder", True)
    spec = dataclasses.replace(spec, activities=(only,), holiday_weeks=(), max_tests_per_week=1, max_tests_per_month=1,
                               classes=("2.A",), plan=())
    result = suggest(spec, [Assignment("Aktivitet 0", "2.A", 33), Assignment("Aktivitet 0", "2.A", 0)])
    assert result.impossible == [f"Aktivitet 0 for 2.A: ingen uge i vinduet uge 33–35 {FREE_WEEK}"]
    assert not [f for f in check_plan(spec, result.plan) if f.check == "missing-compulsory"]


def test_suggest_moves_what_is_in_a_holiday_first_then_the_least_constrained(spec):
    """7.B had five tests in March (limit four), one in the påskeferie: suggest moved the first,
    valid MAT-prøve and left the test in the holiday; a test in a holiday week within the limits
    was never moved at all (found by the red team)."""
    def checks(plan):
        return {f.check for f in check_plan(spec, plan)} & {"holiday-week", "too-many-in-month", "too-many-in-week"}

    easter = [_a("MAT-prøve", "7.B", 9)] + [_a("Ordblindetesten", "7.B", w) for w in (10, 11, 12, 13)]
    result = suggest(spec, easter + [_a(NFT_L, "4.A", 42)])  # 42: efterårsferie, no limit exceeded
    assert [(b.activity, b.class_name, b.week) for b, _ in result.moved] == [
        ("Ordblindetesten", "7.B", 12), (NFT_L, "4.A", 42)]
    assert [after.note for _, after in result.moved] == ["Flyttet af xlkit fra uge 12 (påskeferie)",
                                                          "Flyttet af xlkit fra uge 42 (efterårsferie)"]
    assert not checks(result.plan)
    march = [_a("MAT-prøve", "7.B", 9), _a("MAT-prøve", "7.B", 10)] + [_a("Ordblindetesten", "7.B", w) for w in (10, 11, 13)]
    result = suggest(spec, march)  # MAT-prøve may go in weeks 3–11, Ordblindetesten in weeks 10–25
    assert [(b.activity, b.week) for b, _ in result.moved] == [("Ordblindetesten", 10)] and not checks(result.plan)


def test_suggest_says_plainly_when_no_week_is_valid(spec):
    only_holidays = dataclasses.replace(
        spec, activities=(Activity("x", "Juleprøve", "Jul", "prøve", "", (4,), (52, 53), 1, "Læsevejleder", True),),
        classes=("4.A",), plan=())
    result = suggest(only_holidays)
    assert result.added == [] and result.impossible == [
        "Juleprøve for 4.A: ingen uge i vinduet uge 52–53 er fri for ferie og under grænserne for prøver pr. uge og måned"]


def test_suggest_keeps_what_was_typed_and_gives_a_week_to_a_row_without_one(tmp_path, spec):
    """A blank or text week came back as week 0 in the suggested årshjul, and a moved row
    lost its note (found in review). Now a row without a week gets one, a week typed as
    text is written as its number, and xlkit's note goes before the row's own."""
    plan = [Assignment(NFT_L, "2.A", 0, "", "uge aftales med Hanne"), Assignment(NFT_M, "2.A", 0, typed_week="uge 40"),
            Assignment(LAES, "4.A", 44), Assignment(NFT_L, "4.A", 44, "", "husk lokale")]  # NFT_L has more weeks free
    built = aarshjul.build(dataclasses.replace(spec, max_tests_per_week=1), tmp_path / "plan.xlsx", plan)
    result = CliRunner().invoke(main, ["plan", "suggest", str(built)])
    assert result.exit_code == 0, result.output
    assert "Uge foreslået: Nationale færdighedstest, læsning for 2.A i uge" in result.output
    rows = [[c.value for c in row[:5]] for row in openpyxl.load_workbook(tmp_path / "plan_forslag.xlsx")["Plan"].iter_rows(
        min_row=aarshjul.PLAN_HEADER + 2, max_row=aarshjul.PLAN_HEADER + 5)]
    laes = spec.activity(NFT_L)
    assert in_window(rows[0][2], laes.window) and rows[0][4] == "Uge foreslået af xlkit; uge aftales med Hanne"
    assert rows[1][2:5] == [40, None, None]
    assert rows[3][2] != 44 and rows[3][4] == "Flyttet af xlkit fra uge 44; husk lokale"
    assert rows[2][2:5] == [44, None, None]


def test_suggest_reads_a_week_in_words_and_dates_a_row_whose_week_is_text(tmp_path, spec):
    """A row whose week said "uge 10" or "aftales" was neither given a week by plan suggest nor
    mentioned, and, being planned, did not count as missing either (found by the red team).
    "uge 10", "Uge 10" and "u10" are written as 10; other text is a row without a week: it gets
    one like a blank week, what was typed stays in the note, and the output names the cell."""
    plan = [Assignment("MAT-prøve", "5.A", 0, typed_week="aftales"), Assignment("MAT-prøve", "5.B", 0, typed_week="Uge 10"),
            Assignment("MAT-prøve", "6.A", 0, typed_week="u10"), Assignment("MAT-prøve", "6.B", 0, typed_week="?", note="Hanne")]
    built = aarshjul.build(spec, tmp_path / "plan.xlsx", plan)
    first = aarshjul.PLAN_HEADER + 2
    output = CliRunner().invoke(main, ["plan", "suggest", str(built)]).output
    assert re.search(rf"Uge foreslået: MAT-prøve for 5\.A i uge \d+ \(der stod 'aftales' i Plan, celle C{first}\)", output)
    assert f"Uge skrevet som tal: MAT-prøve for 5.B: 'Uge 10' er nu uge 10 i Plan, celle C{first + 1}" in output
    assert f"Uge skrevet som tal: MAT-prøve for 6.A: 'u10' er nu uge 10 i Plan, celle C{first + 2}" in output
    assert f"(der stod '?' i Plan, celle C{first + 3})" in output
    rows = read_workbook(tmp_path / "plan_forslag.xlsx").plan[:4]
    assert [a.week for a in rows[1:3]] == [10, 10] and all(3 <= a.week <= 11 for a in rows)
    assert [a.note for a in (rows[0], rows[3])] == ["Uge foreslået af xlkit (der stod 'aftales')",
                                                    "Uge foreslået af xlkit (der stod '?'); Hanne"]
    assert suggest(spec, [Assignment("MAT-prøve", "5.A", 0, typed_week="uge 99")]).dated  # not a week: like "aftales"


def test_a_week_that_is_not_a_number_is_named_as_it_was_typed(spec):
    """Found in review: a week typed as "uge 53" or as a date was called "Uge 0"."""
    plan = [Assignment(NFT_L, "2.A", 0, typed_week="uge 53"), Assignment(NFT_L, "4.A", 0, typed_week=dt.datetime(2026, 12, 28)),
            Assignment(NFT_L, "6.B", 0), Assignment(NFT_L, "8.A", 27), Assignment(NFT_L, "3.A", 0, typed_week="aftales")]
    messages = [f.message for f in check_plan(spec, plan) if f.check == "not-a-school-week"]
    assert messages == ["Ugen 'uge 53' er skrevet som tekst; skriv ugenummeret (53) i stedet (xlkit plan suggest gør det)",
                        "Ugen er skrevet som en dato (28.12.2026); skriv ugenummeret (53) i stedet",
                        "Rækken har ingen uge endnu (xlkit plan suggest kan foreslå en)",
                        "Uge 27 er ikke en skoleuge i 2026/27",
                        "Ugen 'aftales' er ikke et ugenummer; skriv et tal fra 1 til 53 (xlkit plan suggest kan foreslå en)"]


def test_plan_check_names_the_sheet_and_cell_of_each_row_finding(tmp_path, spec):
    """plan check said "række 11: ..." without the sheet or the cell, where the reader's own
    remarks say "Plan, celle C19" (found by the red team)."""
    holiday = next(w.week for w in school_weeks(spec) if w.holiday)
    plan = [_a("Ukendt", "4.A", 40), _a(NFT_L, "4.Q", 40), _a(NFT_L, "4.A", 27), _a(NFT_L, "4.A", holiday),
            _a(NFT_L, "5.A", 40)]
    built = aarshjul.build(spec, tmp_path / "plan.xlsx", plan)
    first = aarshjul.PLAN_HEADER + 2
    output = CliRunner().invoke(main, ["plan", "check", str(built)]).output
    assert f"FEJL  Plan, celle A{first}: Aktiviteten 'Ukendt' findes ikke i kataloget" in output
    assert f"FEJL  Plan, celle B{first + 1}: Klassen '4.Q' findes ikke" in output
    assert f"FEJL  Plan, celle C{first + 2}: Uge 27 er ikke en skoleuge i 2026/27" in output
    assert f"FEJL  Plan, celle C{first + 3}: {NFT_L} ligger i en ferieuge" in output
    assert f"OBS  Plan, celle B{first + 4}: {NFT_L} er ikke for 5. klasse" in output
    assert "række" not in output.replace("rækker tjekket", "")


def test_plan_check_names_an_activity_typed_twice_for_a_class_in_one_week(spec):
    """A row copied or typed twice was counted as two tests and named nowhere (found by the
    red team). It is a remark on both rows, naming the other; other weeks are not duplicates."""
    plan = [_a(NFT_L, "4.A", 40, row=5), _a(LAES, "4.A", 40, row=6), _a(NFT_L.upper(), "4.a", 40, row=7),
            _a(NFT_L, "4.A", 41, row=8)]
    found = [(f.row, f.message, f.blocking) for f in check_plan(spec, plan) if f.check == "duplicate-row"]
    assert found == [(row, f"{NFT_L} for 4.A står 2 gange i uge 40 (rækkerne 5 og 7)", False) for row in (5, 7)]


def test_suggest_proposes_only_weeks_that_have_not_begun(tmp_path, spec, monkeypatch):
    """plan suggest proposed weeks that were already over, and plan check at once called them
    not done (found by the red team). Only weeks after today are suggested; an activity whose
    window is over is said to be so, not placed in the past."""
    today = dt.date(2026, 11, 25)  # a Wednesday in week 48
    plan = [_a(LAES, "4.A", 49), _a(NFT_L, "4.A", 49), _a(NFT_M, "4.A", 49)]  # one too many in week 49
    crowded = dataclasses.replace(spec, classes=("4.A",), plan=())
    result = suggest(crowded, plan, today=today)
    changed = result.added + result.dated + [after for _, after in result.moved]
    mondays = {w.week: w.monday for w in school_weeks(spec)}
    assert changed and all(mondays[a.week] > today for a in changed)
    assert [(before.week, after.week > 48) for before, after in result.moved] == [(49, True)]
    talk = "Læringssamtale efterår"  # compulsory, window 44–48, not planned
    assert result.impossible == [f"{talk} for 4.A: alle uger i vinduet uge 44–48 er begyndt eller forbi (i dag er 25.11.2026)"]
    assert [a.week <= 48 for a in suggest(crowded, plan).added if a.activity == talk] == [True]  # without a day: any week
    monkeypatch.setattr("xlkit.cli.today", lambda: today)
    built = aarshjul.build(crowded, tmp_path / "plan.xlsx", plan)
    output = CliRunner().invoke(main, ["plan", "suggest", str(built)]).output
    assert f"Ingen gyldig uge: {talk} for 4.A: alle uger i vinduet uge 44–48 er begyndt eller forbi" in output
    for week in map(int, re.findall(r"(?:Tilføjet|Flyttet).* (?:i|til) uge (\d+)", output)):
        assert mondays[week] > today, output
    checked = CliRunner().invoke(main, ["plan", "check", str(tmp_path / "plan_forslag.xlsx")]).output
    assert "ikke markeret som gennemført" not in checked


def test_suggest_names_the_sheets_and_cells_its_new_arshjul_lacks(tmp_path, spec):
    """plan suggest makes the new årshjul afresh: a sheet the læsevejleder added and text typed
    beside or below the table were dropped without a word (found by the red team). They are
    named, so she can copy them over; an årshjul with nothing of her own says nothing."""
    built = aarshjul.build(spec, tmp_path / "plan.xlsx", [_a(LAES, "4.A", 45)])
    quiet = CliRunner().invoke(main, ["plan", "suggest", str(built), "-o", str(tmp_path / "ny.xlsx")])
    assert quiet.exit_code == 0 and "kommer ikke med" not in quiet.output, quiet.output
    wb = openpyxl.load_workbook(built)
    wb["Plan"]["J11"] = "Lokale: aula"
    wb["Plan"].cell(aarshjul.PLAN_HEADER + aarshjul.PLAN_ROWS + 3, 7).value = "Husk at bestille lokaler"
    wb.create_sheet("Mine noter")["A1"] = "Aftaler med lærerne"
    wb.save(tmp_path / "egne.xlsx")
    result = CliRunner().invoke(main, ["plan", "suggest", str(tmp_path / "egne.xlsx")])
    assert result.exit_code == 0, result.output
    below = f"G{aarshjul.PLAN_HEADER + aarshjul.PLAN_ROWS + 3}"
    assert (f"OBS: Det nye årshjul er lavet forfra, så dette kommer ikke med: arket 'Mine noter'; Plan, cellerne "
            f"J11, {below} (uden for planens tabel). Kopiér det selv fra {tmp_path / 'egne.xlsx'}.") in result.output


def test_suggest_stops_at_once_when_the_plan_would_outgrow_the_sheet(tmp_path, spec):
    """A spec with thousands of classes or activities (it fits in one cell) kept `plan
    suggest` busy for half a minute before the workbook writer refused the plan; now it
    stops at the limit. Here every activity four times over, all compulsory."""
    activities = tuple(dataclasses.replace(a, id=f"{a.id}{k}", name=f"{a.name} {k}", short=f"{a.short}{k}", compulsory=True)
                       for k in range(4) for a in spec.activities)
    many = dataclasses.replace(spec, activities=activities, plan=())
    missing = [f for f in check_plan(many) if f.check == "missing-compulsory"]
    assert len(missing) > aarshjul.PLAN_ROWS
    assert len(suggest(many).added) > aarshjul.PLAN_ROWS  # without a limit every week is still found
    path = aarshjul.build(many, tmp_path / "mange.xlsx")
    result = CliRunner().invoke(main, ["plan", "suggest", str(path)])
    assert result.exit_code == 1 and f"plads til {aarshjul.PLAN_ROWS}" in result.output, result.output
    assert "Del planen op i flere årshjul" in result.output and not (tmp_path / "mange_forslag.xlsx").exists()


# --- calendars ------------------------------------------------------------------------------

def test_ics_files_parse_and_have_the_right_dates(tmp_path, spec):
    plan = [Assignment(NFT_L.lower(), "2.A", 36, "", "Husk høretelefoner"), Assignment("Terminsprøve 8. klasse", "8.A", 3),
            Assignment(NFT_M, "2.a", 53), Assignment(NFT_M, "2.A", 0, row=9, typed_week="uge 50"),
            Assignment("Ukendt aktivitet", "2.A", 40, row=10)]
    # names in other letter case are the same rows, as on the Tjek sheet: they went into no file,
    # or into a file of their own (found in review); rows that cannot go in are returned
    files, left_out = write_calendars(spec, plan, tmp_path)
    assert [a.row for a in left_out] == [9, 10]
    names = sorted(p.name for p in files)
    assert names == ["ansvarlig_Afdelingsleder.ics", "ansvarlig_Læsevejleder.ics", "ansvarlig_Matematikvejleder.ics",
                     "klasse_2_A.ics", "klasse_8_A.ics"]
    calendar = icalendar.Calendar.from_ical((tmp_path / "klasse_2_A.ics").read_bytes())
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert [(str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend")) for e in events] == [
        ("Nationale færdighedstest, læsning (2.A)", dt.date(2026, 8, 31), dt.date(2026, 9, 5)),
        ("Nationale færdighedstest, matematik (2.A)", dt.date(2026, 12, 28), dt.date(2027, 1, 2)),
    ]
    assert "Husk høretelefoner" in str(events[0]["description"])
    assert {str(e["transp"]) for e in events} == {"TRANSPARENT"}  # the teachers are not busy all week
    with pytest.raises(XlkitError, match="klasse_2_A.ics findes allerede"):  # nothing is overwritten
        write_calendars(spec, plan, tmp_path)


def test_one_responsible_person_typed_two_ways_gets_one_calendar(tmp_path, spec):
    """"Åse" pasted from a Mac (A and a combining ring) or with a double space made a second
    calendar beside hers (found by the red team)."""
    plan = [Assignment(NFT_L, "2.A", 36, "Åse Holm"), Assignment(NFT_M, "2.A", 40, "A\u030ase  Holm")]
    files, _ = write_calendars(spec, plan, tmp_path)
    assert [p.name for p in files if p.name.startswith("ansvarlig")] == ["ansvarlig_Åse_Holm.ics"]
    events = icalendar.Calendar.from_ical((tmp_path / "ansvarlig_Åse_Holm.ics").read_bytes()).walk("VEVENT")
    assert len(events) == 2 and all("Ansvarlig: Åse Holm" == str(e["description"]) for e in events)


def uids(folder) -> dict:
    """Each event's UID by its summary and start, over the class calendars in the folder."""
    events = [e for path in folder.glob("klasse_*.ics")
              for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")]
    return {(str(e["summary"]), e.decoded("dtstart")): str(e["uid"]) for e in events}


def test_an_event_keeps_its_uid_when_its_week_or_row_changes(tmp_path, spec):
    """The UID hashed the week and the sheet row: a test moved a week, or a row deleted above
    it, made a new event, and a calendar imported again showed the test twice (found by the
    red team). The UID is now the activity, the class and which of the pair's rows it is."""
    before = [_a(NFT_L, "4.A", 36, row=5), _a(LAES, "4.A", 45, row=6), _a(LAES, "4.A", 48, row=7),
              _a(NFT_L, "6.B", 37, row=8)]
    after = [_a(LAES, "4.A", 46, row=5), _a(LAES, "4.A", 49, row=6), _a(NFT_L, "6.B", 38, row=7)]  # first row deleted
    write_calendars(spec, before, tmp_path / "before")
    write_calendars(spec, after, tmp_path / "after")
    old, new = uids(tmp_path / "before"), uids(tmp_path / "after")
    assert len(set(old.values())) == 4  # the two Læseprøver of 4.A are two events
    laes = f"{LAES} (4.A)"
    assert new[(laes, dt.date(2026, 11, 9))] == old[(laes, dt.date(2026, 11, 2))]
    assert new[(laes, dt.date(2026, 11, 30))] == old[(laes, dt.date(2026, 11, 23))]
    assert new[(f"{NFT_L} (6.B)", dt.date(2026, 9, 14))] == old[(f"{NFT_L} (6.B)", dt.date(2026, 9, 7))]


def test_two_schools_get_different_uids_and_one_school_the_same(tmp_path, spec):
    """Two årshjul made from the same spec gave identical UIDs, so a person importing both
    schools' calendars lost one school's events (found by the red team). Each årshjul has an
    identity of its own, kept by plan suggest; the same plan exported twice is the same."""
    runner = CliRunner()
    for name in ("skole_a", "skole_b"):
        assert runner.invoke(main, ["new", "aarshjul", "-o", str(tmp_path / f"{name}.xlsx")]).exit_code == 0
    suggested = runner.invoke(main, ["plan", "suggest", str(tmp_path / "skole_a.xlsx")])
    assert suggested.exit_code == 0, suggested.output
    for name in ("skole_a", "skole_b", "skole_a_forslag"):
        for run in ("1", "2"):
            result = runner.invoke(main, ["plan", "ics", str(tmp_path / f"{name}.xlsx"), "-o", str(tmp_path / name / run)])
            assert result.exit_code == 0, result.output
    school_a, school_b = uids(tmp_path / "skole_a" / "1"), uids(tmp_path / "skole_b" / "1")
    assert school_a and school_a == uids(tmp_path / "skole_a" / "2")
    assert not set(school_a.values()) & set(school_b.values())
    kept = uids(tmp_path / "skole_a_forslag" / "1")
    assert {k: kept.get(k) for k in school_a} == school_a  # the planned rows keep their events after suggest
    other_year = dataclasses.replace(spec, school_year=2027)  # an older årshjul without its own identity
    files = [write_calendars(s, [_a(NFT_L, "4.A", 36)], tmp_path / str(s.school_year))[0] for s in (spec, other_year)]
    assert len({str(e["uid"]) for f in files for e in icalendar.Calendar.from_ical(
        next(p for p in f if p.name == "klasse_4_A.ics").read_bytes()).walk("VEVENT")}) == 2


def test_calendars_made_from_a_plan_with_errors_say_so(tmp_path, spec):
    """Found in review: a test in a holiday week went into the calendars without a word."""
    holiday = next(w.week for w in school_weeks(spec) if w.holiday)
    plan = [Assignment(NFT_L, "2.A", holiday), Assignment(NFT_L, "4.A", 36), Assignment(NFT_L, "6.B", 0, typed_week="uge 41")]
    path = aarshjul.build(spec, tmp_path / "plan.xlsx", plan)
    result = CliRunner().invoke(main, ["plan", "ics", str(path), "-o", str(tmp_path / "kalender")])
    assert result.exit_code == 0, result.output
    first = aarshjul.PLAN_HEADER + 2
    assert f"1 række kom ikke med, fordi aktiviteten eller klassen er ukendt eller ugen ikke er en skoleuge (arket Plan, række {first + 2})" \
        in result.output  # and it is not said to be in the calendars (review)
    assert f"OBS: 1 række i kalenderne har fejl (arket Plan, række {first})" in result.output


@pytest.mark.parametrize("person", ["Hanne\nJensen", "Hanne\rBEGIN:VEVENT", "Hanne\r\nJensen\x0b"])
def test_a_line_break_in_a_name_stays_inside_its_calendar_line(tmp_path, spec, person):
    """Found in review: a responsible person typed with Alt+Enter stopped the export with a
    Python error, and a lone CR went into the calendar's name line."""
    files, _ = write_calendars(spec, [Assignment(NFT_L, "2.A", 36, person)], tmp_path)
    text = next(path for path in files if path.name.startswith("ansvarlig")).read_bytes()
    assert not any(b"\r" in line or b"\n" in line for line in text.split(b"\r\n"))  # no line of its own
    calendar = icalendar.Calendar.from_ical(text)
    assert len(calendar.walk("VEVENT")) == 1
    assert str(calendar["x-wr-calname"]).endswith(" ".join(person.replace("\r", " ").split()))


def test_the_calendar_name_is_escaped_as_text(tmp_path, spec):
    """The calendar's name went out raw: a comma, semicolon or backslash in a responsible
    person's name broke RFC 5545's text rules, which X- properties follow (found in review)."""
    person = "Hanne Jensen, læsevejleder; lokale 2\\3"
    files, _ = write_calendars(spec, [Assignment(NFT_L, "2.A", 36, person)], tmp_path)
    text = next(path for path in files if path.name.startswith("ansvarlig")).read_bytes().decode()
    unfolded = text.replace("\r\n ", "")  # lines are folded at 75 octets
    assert "X-WR-CALNAME:Årshjul 2026/27: ansvarlig Hanne Jensen\\, læsevejleder\\; lokale 2\\\\3\r\n" in unfolded


# --- the commands ---------------------------------------------------------------------------------

def test_plan_commands_on_the_demo_plan(tmp_path):
    from xlkit.demo import build_aarshjul_demo

    path = build_aarshjul_demo(tmp_path / "aarshjul.xlsx")
    before = file_hash(path)
    runner = CliRunner()
    check = runner.invoke(main, ["plan", "check", str(path)])
    assert check.exit_code == 1
    assert "FEJL  4.A har 3 prøver i uge 44 (højst 2)" in check.output
    assert "FEJL  6.B mangler Nationale færdighedstest, matematik (obligatorisk)" in check.output
    out = tmp_path / "forslag.xlsx"
    suggested = runner.invoke(main, ["plan", "suggest", str(path), "-o", str(out)])
    assert suggested.exit_code == 0, suggested.output
    assert "Tilføjet: Nationale færdighedstest, matematik for 6.B i uge" in suggested.output
    assert "Flyttet: " in suggested.output
    again = runner.invoke(main, ["plan", "check", str(out)])
    assert again.exit_code == 0 and "0 fejl" in again.output
    ics = runner.invoke(main, ["plan", "ics", str(out), "-o", str(tmp_path / "kalender")])
    assert ics.exit_code == 0 and "kalenderfiler er gemt" in ics.output and "OBS" not in ics.output
    assert file_hash(path) == before
    not_a_plan = runner.invoke(main, ["plan", "check", str(tmp_path / "forslag.xlsx"), "--help"])
    assert not_a_plan.exit_code == 0


def test_a_cpr_number_typed_in_the_plan_goes_no_further(tmp_path):
    """plan check, plan suggest and the calendars repeat the plan's texts in files of their
    own; a CPR number typed in a note is reported with its cell and cut out of all of them."""
    from openpyxl.utils import range_boundaries

    from tests.teacher import open_for_filling
    from xlkit.demo import build_aarshjul_demo

    path = build_aarshjul_demo(tmp_path / "aarshjul.xlsx")
    wb = open_for_filling(path)
    sheet, area = wb.defined_names["xlkit_plan"].attr_text.split("!")
    first_col, first_row, *_ = range_boundaries(area.replace("$", ""))
    note = wb[sheet.strip("'")].cell(first_row, first_col + 4)
    note.value = "Ring til Bos mor, 010203-1234"
    wb.save(tmp_path / "cpr.xlsx")
    data = read_workbook(tmp_path / "cpr.xlsx")
    assert [(p.code, p.cell) for p in data.problems] == [("cpr-number", note.coordinate)]
    assert data.plan[0].note == "Ring til Bos mor, [CPR-nummer]"
    runner = CliRunner()
    check = runner.invoke(main, ["plan", "check", str(tmp_path / "cpr.xlsx")])
    assert f"OBS  Plan, celle {note.coordinate}: Cellen indeholder noget, der ligner et CPR-nummer" in check.output
    assert "Slet det" in check.output  # what to do, not only what was found (language review)
    assert runner.invoke(main, ["plan", "suggest", str(tmp_path / "cpr.xlsx"), "-o", str(tmp_path / "ny.xlsx")]).exit_code == 0
    assert runner.invoke(main, ["plan", "ics", str(tmp_path / "cpr.xlsx"), "-o", str(tmp_path / "ics")]).exit_code == 0
    written = [tmp_path / "ny.xlsx", *(tmp_path / "ics").iterdir()]
    for made in written:
        raw = made.read_bytes()
        if made.suffix == ".xlsx":
            with zipfile.ZipFile(made) as archive:
                raw = b" ".join(archive.read(n) for n in archive.namelist())
        assert b"010203" not in raw, made
    assert any(b"Ring til Bos mor" in (p.read_bytes()) for p in written if p.suffix == ".ics")
    # the same in the hidden copy of the plan description (a responsible person, say) stops the file
    forged = with_metadata(path, tmp_path / "skjult.xlsx", "plan_spec",
                           lambda spec: {**spec, "activities": [{**spec["activities"][0], "responsible": "Bo 0102031234"},
                                                                *spec["activities"][1:]]})
    with pytest.raises(InvalidWorkbook, match="om årshjulets beskrivelse .* indeholder noget, der ligner et CPR-nummer"):
        read_workbook(forged)


@pytest.mark.parametrize(("change", "fault"), [
    (lambda d: d.update(last_week=53), "last_week: 2027 har ingen uge 53"),
    (lambda d: d.update(school_year=2027, first_week=53), "first_week: 2027 har ingen uge 53"),
    (lambda d: d.update(first_week=20, last_week=30), "first_week: skal være en uge i efteråret, efter last_week"),
    (lambda d: d["activities"][0].update(grades=[4, 4]), "activities[0].grades: skal være en liste med forskellige"),
    (lambda d: d["holiday_weeks"][0].update(weeks=[42, 42]), "holiday_weeks[0].weeks: ugen '42' står der mere end én gang"),
    (lambda d: d["plan"].append({"activity": ["x"], "class": "4.A", "week": 40}), "plan["),  # was a TypeError
    (lambda d: d["activities"][0].update(name="A" * 101), "activities[0].name: må højst være 100 tegn"),  # COUNTIFS
])
def test_plan_spec_faults_are_found(tmp_path, change, fault):
    import yaml

    from tests.conftest import ROOT
    from xlkit.errors import SpecError

    data = yaml.safe_load((ROOT / "workbook_templates" / "aarshjul.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "aarshjul.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_plan(path)
    assert any(f.startswith(fault) for f in caught.value.faults), caught.value.faults


def test_the_stored_spec_reads_back_as_built(spec):
    """The copy an årshjul keeps goes through the YAML's own checks; a built spec passes them
    unchanged, also without holiday weeks or with an activity that has no subject."""
    bare = dataclasses.replace(spec, holiday_weeks=(),
                               activities=(dataclasses.replace(spec.activities[0], subject=""), *spec.activities[1:]))
    big = dataclasses.replace(spec, holiday_weeks=tuple(HolidayWeeks(f"Fri {i}", (i % 53 + 1,)) for i in range(61)),
                              classes=tuple(f"{g}.{a}{b}" for g in range(10) for a in "AB" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    for original in (spec, bare, big):  # big: more holiday entries and classes than any school, as the YAML allows
        stored = json.loads(json.dumps(aarshjul.spec_json(original)))
        assert aarshjul.spec_from_json(stored, original.path) == dataclasses.replace(original, plan=())


def test_the_stored_spec_is_bounded_like_a_cell_and_keeps_only_its_own_keys(spec, tmp_path):
    stored = aarshjul.spec_json(spec)
    with pytest.raises(ValueError, match="fylder over 32.767 tegn"):
        aarshjul.spec_from_json({**stored, "title": "x" * 40_000})
    forged = {**stored, "plan": [{"activity": ["not", "an", "id"], "class": "4.A", "week": 40}]}  # never written
    assert aarshjul.spec_from_json(forged, spec.path) == dataclasses.replace(spec, plan=())


def test_calendars_of_a_long_responsible_name_get_short_distinct_file_names(tmp_path, spec):
    """A whole sentence typed as the responsible person made a file name the file system
    refused (a raw OSError)."""
    long = "Læsevejlederen i samarbejde med klasselæreren og matematikvejlederen, " * 4
    plan = [dataclasses.replace(_a(spec.activities[0].name, "4.A", 40), responsible=long),
            dataclasses.replace(_a(spec.activities[0].name, "4.B", 40), responsible=long + "og AKT")]
    files, _ = write_calendars(spec, plan, tmp_path / "kalender")
    names = [f.name for f in files if f.name.startswith("ansvarlig_")]
    assert len(names) == 2 and all(len(n.encode()) < 200 for n in names)
    # and a folder that cannot be made is a plain Danish message, not a traceback
    path = aarshjul.build(spec, tmp_path / "aarshjul.xlsx")
    result = CliRunner().invoke(main, ["plan", "ics", str(path), "-o", str(path / "kalender")])
    assert result.exit_code == 1 and "En fil kunne ikke læses eller gemmes" in result.output, result.output


FORGED_PLAN_SPECS = {  # each once reached the week arithmetic or the workbook writer unchecked
    "a school year of a billion weeks": lambda s: {**s, "last_week": 10**9},
    "a week written as text": lambda s: {**s, "first_week": "33"},
    "six hundred classes": lambda s: {**s, "classes": [f"{i % 10}.A" for i in range(600)]},
    "an activity that is a list": lambda s: {**s, "activities": [[1, 2]]},
    "a window of three weeks": lambda s: {**s, "activities": [{**s["activities"][0], "window": [1, 2, 3]}]},
    "a title with a lone surrogate": lambda s: {**s, "title": "Plan \ud800"},
    "a list instead of the spec": lambda s: [s],
}


@pytest.mark.parametrize("case", sorted(FORGED_PLAN_SPECS))
def test_a_forged_stored_spec_is_one_clear_problem(tmp_path, spec, case):
    forged = with_metadata(aarshjul.build(spec, tmp_path / "aarshjul.xlsx"), tmp_path / "forged.xlsx",
                           "plan_spec", FORGED_PLAN_SPECS[case])
    with pytest.raises(InvalidWorkbook, match="Årshjulets skjulte oplysninger er ugyldige"):
        read_workbook(forged)
    result = CliRunner().invoke(main, ["plan", "check", str(forged)])
    assert result.exit_code == 1 and "Lav årshjulet igen med xlkit" in result.output, result.output


def test_a_password_protected_plan_is_read_with_password(tmp_path):
    from xlkit.demo import build_aarshjul_demo
    from xlkit.privacy import encrypt_to

    plain = build_aarshjul_demo(tmp_path / "aarshjul.xlsx")
    protected = encrypt_to(plain.read_bytes(), "Årshjul 2026", tmp_path / "beskyttet.xlsx")
    runner = CliRunner()
    expected = runner.invoke(main, ["plan", "check", str(plain)]).output
    asked = runner.invoke(main, ["plan", "check", str(protected), "--password"], input="Årshjul 2026\n")
    assert asked.output.endswith(expected) and asked.exit_code == 1  # the demo plan has errors to fix
    given = runner.invoke(main, ["plan", "ics", str(protected), "--password", "Årshjul 2026", "-o", str(tmp_path / "k")])
    assert given.exit_code == 0, given.output
    # a calendar file cannot be protected: the notes stay in the årshjul (found by the red team)
    assert "Noterne er ikke med i kalenderfilerne" in given.output
    notes = [a.note for a in read_workbook(plain).plan if a.note]
    calendars = "".join(path.read_text(encoding="utf-8") for path in (tmp_path / "k").iterdir()).replace("\r\n ", "")
    assert notes and not any(note.splitlines()[0][:20] in calendars for note in notes)
    assert "Ansvarlig:" in calendars
    without = runner.invoke(main, ["plan", "check", str(protected)])
    assert "Kør igen med --password" in without.output and without.exit_code == 1


def test_a_suggestion_from_a_protected_plan_keeps_the_password(tmp_path):
    """plan suggest writes a new årshjul: from a protected one, it is protected the same
    way and never on disk without the password; from an .ods, it is an .xlsx by name too."""
    from xlkit.demo import build_aarshjul_demo
    from xlkit.privacy import encrypt_to, is_encrypted

    plain = build_aarshjul_demo(tmp_path / "aarshjul.xlsx")
    protected = encrypt_to(plain.read_bytes(), "Årshjul 2026", tmp_path / "beskyttet.xlsx")
    runner = CliRunner()
    result = runner.invoke(main, ["plan", "suggest", str(protected), "--password"], input="Årshjul 2026\n")
    suggestion = tmp_path / "beskyttet_forslag.xlsx"
    assert result.exit_code == 0, result.output
    assert "med samme adgangskode" in result.output and is_encrypted(suggestion)
    assert read_workbook(suggestion, passwords=("Årshjul 2026",)).plan
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aarshjul.xlsx", "beskyttet.xlsx", "beskyttet_forslag.xlsx"]
    ods = tmp_path / "plan.ods"
    ods.write_bytes(plain.read_bytes())  # the suffix alone decides the default name
    assert runner.invoke(main, ["plan", "suggest", str(ods)]).exit_code == 0
    assert (tmp_path / "plan_forslag.xlsx").exists()


def test_a_suggestion_that_cannot_be_written_leaves_no_half_file(tmp_path, spec, monkeypatch):
    """A full disk left a truncated årshjul that then blocked the next attempt ("findes
    allerede"); the file is now written beside and moved into place when complete."""
    import errno

    built = aarshjul.build(spec, tmp_path / "plan.xlsx", [Assignment(NFT_L, "2.A", 36)])
    real = aarshjul.build

    def full_disk(plan_spec, target, plan, calendar_id):
        real(plan_spec, target, plan, calendar_id)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(aarshjul, "build", full_disk)
    result = CliRunner().invoke(main, ["plan", "suggest", str(built)])
    assert result.exit_code == 1 and "der er ikke mere plads på disken" in result.output, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_the_plan_offers_filtering_but_not_a_sort_excel_would_refuse(tmp_path, spec):
    """Excel will not sort a range holding locked cells on a protected sheet, whatever the
    protection allows (review); the Type and Tjek columns are locked formulas."""
    path = aarshjul.build(spec, tmp_path / "plan.xlsx")
    with zipfile.ZipFile(path) as archive:
        plan_part = next(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet1"))
        protection = re.search(r"<sheetProtection[^>]*>", archive.read(plan_part).decode()).group(0)
    assert 'autoFilter="0"' in protection and 'sort="0"' not in protection
    assert "Fjern arkbeskyttelse" in openpyxl.load_workbook(path)["Plan"]["A2"].value


def test_the_katalog_shows_grades_as_a_list(tmp_path, spec):
    """Review: the Katalog showed its lookup form ",2,3,4,6,8,"; that now sits in a hidden column."""
    katalog = openpyxl.load_workbook(aarshjul.build(spec, tmp_path / "plan.xlsx"))["Katalog"]
    row = next(r for r in range(5, 40) if katalog.cell(r, 1).value == NFT_L)
    assert katalog.cell(row, 4).value == "2, 3, 4, 6, 8" and katalog.cell(row, aarshjul.GRADES_LOOKUP_COL + 1).value == ",2,3,4,6,8,"
    assert katalog.column_dimensions["K"].hidden


def test_done_activities_are_kept_never_moved_and_the_forgotten_ones_named(tmp_path, spec, monkeypatch):
    """The årshjul is to make sure the tests are taken (seed 000): a Gennemført column, read
    back, kept by plan suggest, never moved by it; plan check names the activities whose week
    is over and that are not marked done (an older årshjul without the column reads as none done)."""
    plan = [Assignment(LAES, "4.A", 44, done=True), Assignment(NFT_L, "4.A", 44), Assignment(NFT_M, "4.A", 46)]
    built = aarshjul.build(dataclasses.replace(spec, max_tests_per_week=1), tmp_path / "plan.xlsx", plan)
    sheet = openpyxl.load_workbook(built)["Plan"]
    assert sheet.cell(aarshjul.PLAN_HEADER + 1, aarshjul.DONE_COL + 1).value == "Gennemført"
    read = read_workbook(built).plan
    assert [a.done for a in read] == [True, False, False]
    found = [(f.check, f.row) for f in check_plan(spec, read, today=dt.date(2026, 11, 9)) if f.check == "not-done"]
    assert found == [("not-done", read[1].row)]  # week 44 is over, week 46 has not begun; the done one is not named
    assert not [f for f in check_plan(spec, read) if f.check == "not-done"]  # without a day: the sheet's own checks
    result = CliRunner().invoke(main, ["plan", "suggest", str(built)])
    assert result.exit_code == 0, result.output
    suggested = read_workbook(tmp_path / "plan_forslag.xlsx").plan
    assert (suggested[0].week, suggested[0].done) == (44, True) and suggested[1].week != 44  # the undone one moves
    monkeypatch.setattr("xlkit.cli.today", lambda: dt.date(2026, 11, 9))  # after week 44 of 2026
    checked = CliRunner().invoke(main, ["plan", "check", str(built)])
    assert "Nationale færdighedstest, læsning for 4.A i uge 44 er ikke markeret som gennemført" in checked.output
    assert "Læseprøve (ST-prøve) for 4.A i uge 44 er ikke" not in checked.output
    typed = openpyxl.load_workbook(built)  # pasted past the list: said with its cell, and not done
    typed["Plan"].cell(read[2].row, aarshjul.DONE_COL + 1).value = "x"
    typed.save(tmp_path / "x.xlsx")
    data = read_workbook(tmp_path / "x.xlsx")
    assert [a.done for a in data.plan] == [True, False, False]
    assert [(p.code, p.cell) for p in data.problems] == [("unknown-done", f"H{read[2].row}")]
    older = openpyxl.load_workbook(built)  # made before the column: no name for it, so nothing is done
    del older.defined_names["xlkit_plan_done"]
    older.save(tmp_path / "gammel.xlsx")
    assert [a.done for a in read_workbook(tmp_path / "gammel.xlsx").plan] == [False, False, False]


@pytest.mark.libreoffice
def test_the_plan_colours_the_rows_plan_check_calls_not_done(tmp_path, spec, libreoffice):
    """The Gennemført cell turns yellow (conditional formatting with TODAY(), so no cell
    formula changes on opening) for exactly the rows plan check names as not done: the
    rule, copied into cells and recalculated, agrees with check_plan for today."""
    from openpyxl.formula.translate import Translator

    weeks = [w.week for w in school_weeks(spec)]
    plan = [Assignment(LAES if i % 2 else NFT_L, "4.A", week, done=i % 3 == 0) for i, week in enumerate(weeks[::3])]
    plan += [_a("Ukendt prøve", "4.A", weeks[0]), _a(LAES, "4.A", None), _a(LAES, "4.A", FREE_WEEK)]
    built = aarshjul.build(spec, tmp_path / "plan0.xlsx", plan)
    wb = openpyxl.load_workbook(built)
    sheet = wb["Plan"]
    [rule] = [r for cf in sheet.conditional_formatting for r in cf.rules if r.formula and "TODAY()" in r.formula[0]]
    first = aarshjul.PLAN_HEADER + 2
    typed = first + len(plan)  # as teachers type and paste: the week as text, a cross, a 'ja' with spaces
    for row, (week, done) in enumerate([("%d" % weeks[0], None), (weeks[1], "x"), (weeks[1], " ja ")], start=typed):
        sheet.cell(row, 1, LAES), sheet.cell(row, 2, "5.A"), sheet.cell(row, 3, week), sheet.cell(row, 8, done)
    probe = aarshjul.DONE_COL + 3
    for row in range(first, typed + 3):
        sheet.cell(row, probe).value = Translator("=" + rule.formula[0], origin=f"H{first}").translate_formula(
            f"{openpyxl.utils.get_column_letter(probe)}{row}")
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    [lo] = libreoffice.recalculate([path], tmp_path / "lo")
    coloured = {row for row in range(first, typed + 3)
                if openpyxl.load_workbook(lo, data_only=True)["Plan"].cell(row, probe).value is True}
    named = {f.row for f in check_plan(spec, read_workbook(path).plan, today=dt.date.today()) if f.check == "not-done"}
    assert coloured == named
    if dt.date.today() > dt.date.fromisocalendar(2026, weeks[1], 5):  # the school year of the spec has begun
        assert {typed, typed + 1} <= named and typed + 2 not in named


def test_plan_cells_showing_an_error_are_reported_not_read_as_text(tmp_path, libreoffice):
    """A formula that fails in the plan (a class looked up in a list that lacks it) read as
    the text "#N/A": `plan check` named an activity "#N/A" and `plan ics` wrote klasse_N_A.ics
    (found in review). Errors in rows no one uses, below the plan, say nothing."""
    from openpyxl.utils import range_boundaries

    from tests.teacher import open_for_filling
    from xlkit.demo import build_aarshjul_demo

    path = build_aarshjul_demo(tmp_path / "aarshjul.xlsx")
    first = read_workbook(path).plan[:3]
    wb = open_for_filling(path)
    sheet_name, area = wb.defined_names["xlkit_plan"].attr_text.split("!")
    column, top, *_ = range_boundaries(area.replace("$", ""))
    sheet = wb[sheet_name.strip("'")]
    assert [a.row for a in first] == [top, top + 1, top + 2]
    sheet.cell(top, column + 1).value = "=NA()"  # the first row's class
    sheet.cell(top + 1, column).value = "=1/0"  # the second row's activity
    sheet.cell(top + 2, column + aarshjul.DONE_COL).value = "=NA()"  # the third row's Gennemført
    sheet.cell(top + 400, column).value = "=NA()"  # far below the plan: a row no one uses
    wb.save(tmp_path / "fejl.xlsx")
    for saved in libreoffice.convert([tmp_path / "fejl.xlsx"], tmp_path / "xlsx", "xlsx") + \
            libreoffice.convert([tmp_path / "fejl.xlsx"], tmp_path / "ods", "ods"):
        data = read_workbook(saved)
        assert [(p.code, p.cell, p.message) for p in data.problems] == [  # the Gennemført column is read first
            ("error-value", f"H{top + 2}", "Gennemført-feltet viser fejlen #I/T (#N/A)."),
            ("error-value", f"B{top}", "Feltet med klassen viser fejlen #I/T (#N/A)."),
            ("error-value", f"A{top + 1}", "Feltet med aktiviteten viser fejlen #DIVISION/0! (#DIV/0!)."),
        ], saved
        plan = data.plan[:3]
        assert [(a.activity, a.class_name, a.week, a.done) for a in plan] == [
            (first[0].activity, "", first[0].week, first[0].done), ("", first[1].class_name, first[1].week, first[1].done),
            (first[2].activity, first[2].class_name, first[2].week, False)], saved
        check = CliRunner().invoke(main, ["plan", "check", str(saved)]).output
        assert f"FEJL  Plan, celle B{top}: Rækken mangler en klasse fra listen" in check
        assert f"FEJL  Plan, celle A{top + 1}: Rækken mangler en aktivitet fra kataloget" in check
        suggested = CliRunner().invoke(main, ["plan", "suggest", str(saved), "-o", str(tmp_path / f"ny{saved.suffix}.xlsx")])
        assert f"OBS  Plan, celle A{top + 1}: Feltet med aktiviteten viser fejlen" in suggested.output  # left empty there
        result = CliRunner().invoke(main, ["plan", "ics", str(saved), "-o", str(tmp_path / saved.suffix[1:])])
        assert result.exit_code == 0, result.output
        assert f"OBS  Plan, celle B{top}: Feltet med klassen viser fejlen" in result.output
        assert f"kom ikke med, fordi aktiviteten eller klassen er ukendt eller ugen ikke er en skoleuge (arket Plan, " \
            f"række {top}, {top + 1})" in result.output  # a calendar of their own (klasse_.ics) helped no one
        classes = sorted(p.name for p in (tmp_path / saved.suffix[1:]).iterdir() if p.name.startswith("klasse_"))
        assert classes == sorted(f"klasse_{c.replace('.', '_')}.ics" for c in data.plan_spec.classes
                                 if any(a.class_name == c for a in data.plan)), saved


@pytest.mark.libreoffice
def test_rows_typed_under_the_plan_table_are_named(tmp_path, spec, libreoffice):
    """Excel grows the table when a row is typed just under it, but not the name xlkit reads
    the plan by: such rows were left out of every check without a word (found in review)."""
    built = aarshjul.build(spec, tmp_path / "plan.xlsx", [Assignment(LAES, "4.A", 44)])
    below = aarshjul.PLAN_HEADER + aarshjul.PLAN_ROWS + 2  # the first row under the table (1-based)
    typed = openpyxl.load_workbook(built)
    typed["Plan"].cell(below, 1).value = NFT_L
    typed["Plan"].cell(below, 2).value = "4.A"
    typed["Plan"].cell(below + 5, 4).value = "Hanne"  # only a responsible person, further down
    typed.save(tmp_path / "under.xlsx")
    for path in [tmp_path / "under.xlsx", *libreoffice.convert([tmp_path / "under.xlsx"], tmp_path / "ods", "ods")]:
        data = read_workbook(path)
        assert [(p.code, p.cell) for p in data.problems] == [
            ("rows-below-plan", f"A{below}"), ("rows-below-plan", f"D{below + 5}")], path
        assert [a.activity for a in data.plan] == [LAES], path
    checked = CliRunner().invoke(main, ["plan", "check", str(tmp_path / "under.xlsx")])
    assert f"Rækken står under årshjulets tabel (efter række {below - 1}) og er ikke læst." in checked.output
    typed.create_sheet("Plan (2)")["A5"] = NFT_M  # a copied plan sheet: said in the årshjul's words, not the oversigt's
    typed.save(tmp_path / "kopi.xlsx")
    checked = CliRunner().invoke(main, ["plan", "check", str(tmp_path / "kopi.xlsx")])
    assert "Står der aktiviteter i arket, er de ikke med i tjek, forslag og kalendere." in checked.output
    assert "oversigten" not in checked.output

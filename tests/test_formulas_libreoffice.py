"""The native formulas agree with the rules module.

Workbooks with random ratings (and messy values) are recalculated by LibreOffice headless
with forced recalculation; every summary cell, the fokus column and the current-term
header must equal what Python computes from the rules module, and equal the cached values
xlkit wrote (so previews that never recalculate show the same)."""

from __future__ import annotations

import dataclasses
import random

import openpyxl
import pytest

from tests.conftest import ROOT
from tests.teacher import cut_and_paste_like_excel, open_for_filling
from xlkit import rules
from xlkit.roster import Student
from xlkit.spec import load_spec
from xlkit.templates import elevvurdering
from xlkit.templates.elevvurdering import Layout
from xlkit.terms import class_terms

pytestmark = pytest.mark.libreoffice

MESSY = ["4", "gul", 2.5, 7, 0, 4.0, -1, " 3 ", "x", 5.0]


def random_ratings(rng: random.Random, spec, rows: int, terms: int, filled_terms: int) -> dict:
    ratings = {}
    for row in range(rows):
        for term in range(1, filled_terms + 1):
            for subject in spec.subjects:
                roll = rng.random()
                if roll < 0.15:
                    continue
                ratings[(row, term, subject.id)] = rng.choice(MESSY) if roll < 0.25 else rng.randint(1, 5)
    return ratings


def expected(spec, terms, ratings, rows, letter="A"):
    """What the formulas must show, computed straight from the rules module."""
    def raw(row, term, i):
        return ratings.get((row, term, spec.subjects[i].id))

    counts = {
        (t.index, i): spec.scale.distribution([raw(r, t.index, i) for r in range(rows)])
        for t in terms for i in range(len(spec.subjects))
    }
    current = max((t.index for t in terms if any(sum(counts[(t.index, i)].values()) for i in range(len(spec.subjects)))), default=0)
    focus = []
    for r in range(rows):
        ratings_now = [
            (s.label, raw(r, current, i) if current else None, raw(r, current - 1, i) if current > 1 else None)
            for i, s in enumerate(spec.subjects)
        ]
        focus.append(rules.focus_text(rules.focus_reasons(spec.scale, spec.focus, ratings_now)) if current else "")
    if current:
        t = terms[current - 1]
        header = f"Fokus · {t.class_name(letter)} {t.season.label.lower()} {t.calendar_year}"
    else:
        header = "Fokus (ingen vurderinger endnu)"
    return counts, focus, header


def cases(tmp_path):
    default = load_spec(ROOT / "workbook_templates" / "elevvurdering.yaml")
    strict = dataclasses.replace(default, focus=rules.FocusRule(at_or_below=3, drop_steps=1))
    lenient = dataclasses.replace(default, focus=rules.FocusRule(at_or_below=1, drop_steps=3))
    indskoling = load_spec(ROOT / "workbook_templates" / "elevvurdering_indskoling.yaml")
    specs = [default] * 6 + [strict, lenient, indskoling]
    built = []
    for seed, spec in enumerate(specs):
        rng = random.Random(seed)
        terms = class_terms(spec.grades, spec.seasons, spec.grades[0], 2024)
        filled = [len(terms), 1, 0, 3][seed] if seed < 4 else rng.randint(1, len(terms))
        ratings = random_ratings(rng, spec, spec.max_students, len(terms), filled)
        students = [Student(f"Elev {i}") for i in range(spec.max_students)]
        path = elevvurdering.build(spec, tmp_path / f"case{seed}.xlsx", "Skole", "A", 2024,
                                   students=students, ratings=ratings)
        built.append((path, spec, terms, ratings))
    return built


def _text(value) -> str:
    return "" if value is None else value


def _compare(sheet, spec, terms, ratings) -> int:
    layout = Layout(spec, terms, spec.max_students)
    counts, focus, header = expected(spec, terms, ratings, spec.max_students)
    checked = 0
    assert sheet.cell(3, 4).value == header
    for row in range(spec.max_students):
        assert _text(sheet.cell(6 + row, 4).value) == focus[row], f"fokus row {6 + row}"
        checked += 1
    for t in terms:
        for i in range(len(spec.subjects)):
            col = layout.col(t, i) + 1
            dist = counts[(t.index, i)]
            for level in spec.scale.levels:
                assert sheet.cell(layout.count_rows[level.value] + 1, col).value == dist[level.value]
            assert sheet.cell(layout.total_row + 1, col).value == sum(dist.values())
            mean = rules.mean_of(dist)
            got = sheet.cell(layout.mean_row + 1, col).value
            assert (got in ("", None)) if mean is None else got == pytest.approx(mean, abs=1e-12)
            checked += len(spec.scale.levels) + 2
    assert sheet.cell(layout.focus_count_row + 1, 4).value == sum(1 for f in focus if f)
    return checked + 2


def test_native_formulas_equal_the_rules_module(tmp_path, libreoffice):
    built = cases(tmp_path)
    recalculated = libreoffice.recalculate([path for path, *_ in built], tmp_path / "lo")
    checked = 0
    for (path, spec, terms, ratings), lo_path in zip(built, recalculated):
        lo_sheet = openpyxl.load_workbook(lo_path, data_only=True)["Elevvurdering"]
        checked += _compare(lo_sheet, spec, terms, ratings)
        cached_sheet = openpyxl.load_workbook(path, data_only=True)["Elevvurdering"]
        _compare(cached_sheet, spec, terms, ratings)
    assert checked > 1000


def test_teacher_filled_workbook_is_recalculated(tmp_path, libreoffice, spec):
    """openpyxl (like many tools) saves formulas without cached values; LibreOffice must
    compute them, which also proves forced recalculation is on."""
    template = elevvurdering.build(spec, tmp_path / "t.xlsx", "S", "A", 2024,
                                   students=[Student(f"Elev {i}") for i in range(30)])
    wb = open_for_filling(template)
    ws = wb["Elevvurdering"]
    ratings = {(0, 1, "dansk"): 4, (0, 2, "dansk"): 2, (1, 2, "soc"): 1, (2, 1, "mat"): 5, (2, 2, "mat"): 3}
    for (row, term, subject), value in ratings.items():
        col = 5 + (term - 1) * 3 + [s.id for s in spec.subjects].index(subject)
        ws.cell(6 + row, col, value)
    wb.save(tmp_path / "filled.xlsx")
    assert openpyxl.load_workbook(tmp_path / "filled.xlsx", data_only=True)["Elevvurdering"]["D6"].value is None
    [lo_path] = libreoffice.recalculate([tmp_path / "filled.xlsx"], tmp_path / "lo")
    sheet = openpyxl.load_workbook(lo_path, data_only=True)["Elevvurdering"]
    terms = class_terms(spec.grades, spec.seasons, 7, 2024)
    _compare(sheet, spec, terms, ratings)
    assert sheet["D6"].value == "DANSK 2 (Orange), DANSK faldet fra 4 til 2"


def test_error_values_in_rating_cells_do_not_break_the_sheet(tmp_path, libreoffice, spec):
    """A pasted #N/A or #DIV/0! fails only its own cell, as in Python (no value)."""
    template = elevvurdering.build(spec, tmp_path / "t.xlsx", "S", "A", 2024,
                                   students=[Student(f"Elev {i}") for i in range(30)])
    wb = open_for_filling(template)
    ws = wb["Elevvurdering"]
    ratings = {(0, 1, "dansk"): 4, (0, 2, "dansk"): 2, (1, 2, "soc"): 1, (2, 2, "mat"): 3}
    for (row, term, subject), value in ratings.items():
        ws.cell(6 + row, 5 + (term - 1) * 3 + [s.id for s in spec.subjects].index(subject), value)
    ws["I6"], ws["H8"], ws["E9"] = "=NA()", "=1/0", "=NA()"
    wb.save(tmp_path / "errors.xlsx")
    [lo_path] = libreoffice.recalculate([tmp_path / "errors.xlsx"], tmp_path / "lo")
    sheet = openpyxl.load_workbook(lo_path, data_only=True)["Elevvurdering"]
    assert sheet["I6"].value == "#N/A"  # the error really is in the sheet
    _compare(sheet, spec, class_terms(spec.grades, spec.seasons, 7, 2024), ratings)


def test_ratings_moved_with_cut_and_paste_are_judged_in_their_new_row(tmp_path, libreoffice, spec):
    """A teacher types a student's ratings one row too low, moves them up with cut and paste,
    and types the next student's own. Excel rewrites every formula that referred to the moved
    cells: the focus formulas took the ratings as the cells E6, H6, …, so the sheet judged one
    student by the other's ratings and the other by none (found in review)."""
    template = elevvurdering.build(spec, tmp_path / "t.xlsx", "S", "A", 2024,
                                   students=[Student(f"Elev {i}") for i in range(30)])
    wb = open_for_filling(template)
    ws = wb["Elevvurdering"]
    for row in (6, 7):
        for col in (5, 6, 7):  # efterår 7. klasse: 4 in every subject
            ws.cell(row, col, 4)
    for col in (8, 9, 10):  # Elev 0's forår ratings, typed in Elev 1's row
        ws.cell(7, col, 2)
    cut_and_paste_like_excel(wb, "Elevvurdering", "H7:J7", "H6")
    for col in (8, 9, 10):  # Elev 1's own
        ws.cell(7, col, 5)
    wb.save(tmp_path / "flyttet.xlsx")
    [lo_path] = libreoffice.recalculate([tmp_path / "flyttet.xlsx"], tmp_path / "lo")
    sheet = openpyxl.load_workbook(lo_path, data_only=True)["Elevvurdering"]
    ids = [s.id for s in spec.subjects]
    ratings = {(row, 1, subject): 4 for row in (0, 1) for subject in ids}
    ratings |= {(0, 2, subject): 2 for subject in ids} | {(1, 2, subject): 5 for subject in ids}
    _compare(sheet, spec, class_terms(spec.grades, spec.seasons, 7, 2024), ratings)
    assert sheet["D6"].value.startswith("DANSK 2 (Orange), DANSK faldet fra 4 til 2") and sheet["D7"].value in ("", None)

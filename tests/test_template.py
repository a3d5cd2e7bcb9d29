"""The generated elevvurderingsskema, inspected with openpyxl as Excel would see it."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from xlkit import rules
from xlkit.templates import elevvurdering
from xlkit.templates.elevvurdering import cached_values
from xlkit.terms import class_terms, school_year_label, school_year_of


@pytest.fixture
def template(tmp_path, spec, students):
    return elevvurdering.build(spec, tmp_path / "7A.xlsx", "Dagnæsskolen", "A", 2024, students=students)


def test_layout_follows_the_seed_figure(template):
    ws = openpyxl.load_workbook(template)["Elevvurdering"]
    assert [ws.cell(3, c).value for c in range(1, 4)] == ["Nr", "Elev", "UNI-login"]
    assert ws["D3"].value.startswith('=IF(xlkit_current_term=0,"Fokus (ingen vurderinger endnu)"')
    assert ws["E3"].value == "7.A · 2024/25" and ws["K3"].value == "8.A · 2025/26" and ws["Q3"].value == "9.A · 2026/27"
    assert ws["E4"].value == "Efterår · 1. termin" and ws["H4"].value == "Forår · 2. termin"
    assert [ws.cell(5, c).value for c in range(5, 11)] == ["DANSK", "MAT", "SOC"] * 2
    assert ws["B6"].value == "Peter Hansen" and ws["C6"].value == "pete4821" and ws["A35"].value == 30
    assert ws.freeze_panes == "E6"
    legend = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(40, 60) if ws.cell(r, 1).value in (1, 2, 3, 4, 5)}
    assert legend["Rød"].startswith("Elevens faglige niveau/sociale trivsel er MEGET bekymrende")
    assert legend["Meget grøn"] == "Eleven ligger fagligt/socialt over niveau."
    # the grey of an unusable value is explained under the scale, and printed with it (review)
    [grey] = [r for r in range(40, 60) if ws.cell(r, 2).value == "Grå: ugyldig"]
    assert ws.cell(grey, 3).value == "Værdien er ikke et helt tal fra 1 til 5 og tælles ikke med. Ret den."
    assert ws.cell(grey, 2).fill.fgColor.rgb[-6:] == "BFBFBF" and ws.print_area.endswith(f"$V${grey}")


def test_inputs_are_validated_coloured_and_the_rest_locked(template):
    ws = openpyxl.load_workbook(template)["Elevvurdering"]
    [validation] = ws.data_validations.dataValidation
    assert str(validation.sqref) == "E6:V36"
    assert (validation.type, validation.formula1, validation.formula2) == ("whole", "1", "5")
    assert validation.operator in (None, "between")  # between is the OOXML default
    assert validation.showErrorMessage and validation.errorTitle == "Ugyldig vurdering"
    assert "Skriv et helt tal fra 1 til 5" in validation.error and "5 = Meget grøn" in validation.error
    cf = {str(rng.sqref): rng.rules for rng in ws.conditional_formatting}
    level_rules = [r for r in cf["E6:V36"] if r.type == "cellIs"]
    assert sorted(r.formula[0] for r in level_rules) == ["1", "2", "3", "4", "5"]
    fills = {r.formula[0]: r.dxf.fill.bgColor.rgb[-6:] for r in level_rules}
    assert fills == {"1": "E8453C", "2": "F79A3E", "3": "FFE066", "4": "8CCB7E", "5": "2E8B57"}
    assert any(r.type == "expression" for r in cf["E6:V36"])  # invalid entries stand out
    assert ws.protection.sheet and not ws.protection.password
    assert not ws.protection.insertRows  # teachers may insert rows
    assert ws["E6"].protection.locked is False and ws["B6"].protection.locked is False
    assert ws["D6"].protection.locked is True and ws["E37"].protection.locked is True
    assert ws["D6"].value.startswith("=MID(")


def test_identity_and_names_let_a_reader_find_the_data(template, spec):
    wb = openpyxl.load_workbook(template)
    meta_sheet = wb["xlkit"]
    assert meta_sheet.sheet_state == "veryHidden" and meta_sheet.protection.sheet
    meta = {row[0]: json.loads(row[1]) for row in meta_sheet.iter_rows(max_col=2, values_only=True) if row[1]}
    assert meta["kind"] == "elevvurdering" and meta["spec_id"] == "dagnaes-udskoling" and meta["spec_version"] == 1
    assert meta["school"] == "Dagnæsskolen" and meta["class_letter"] == "A" and meta["xlkit_version"]
    assert [(t["grade"], t["season"]["id"]) for t in meta["terms"]][:3] == [(7, "efteraar"), (7, "foraar"), (8, "efteraar")]
    names = wb.defined_names
    assert names["xlkit_elev"].attr_text == "Elevvurdering!$B$6:$B$36"
    assert names["xlkit_v_9_foraar_soc"].attr_text == "Elevvurdering!$V$6:$V$36"
    assert names["xlkit_current_term"].attr_text == "xlkit!$D$1"
    assert len([n for n in names if n.startswith("xlkit_v_")]) == 6 * 3
    assert wb.custom_doc_props["xlkit_kind"].value == "elevvurdering"


def test_print_setup(template):
    ws = openpyxl.load_workbook(template)["Elevvurdering"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 is the default
    assert ws.print_title_rows == "$3:$5"
    assert "Dagnæsskolen" in ws.oddHeader.left.text and "&D" in ws.oddHeader.right.text
    assert "Elevvurderingsskema 7.A–9.A" in ws.oddHeader.center.text


def test_cached_values_are_right_without_recalculation(tmp_path, spec, students):
    ratings = {(0, 1, "dansk"): 4, (0, 2, "dansk"): 2, (1, 1, "mat"): 5, (1, 2, "mat"): 3, (2, 2, "soc"): "gul"}
    path = elevvurdering.build(spec, tmp_path / "x.xlsx", "S", "A", 2024, students=students, ratings=ratings)
    ws = openpyxl.load_workbook(path, data_only=True)["Elevvurdering"]
    assert ws["D3"].value == "Fokus · 7.A forår 2025"
    assert ws["D6"].value == "DANSK 2 (Orange), DANSK faldet fra 4 til 2"
    assert ws["D7"].value == "MAT faldet fra 5 til 3"
    # rows 37-41: count of 1..5, 42: rated, 43: mean, 44: students in focus
    assert ws["H38"].value == 1 and ws["I39"].value == 1 and ws["H42"].value == 1 and ws["H43"].value == 2
    assert ws["E43"].value == 4 and ws["K42"].value == 0 and ws["K43"].value in ("", None)
    assert ws["J42"].value == 0  # 'gul' typed as text is not counted by the native formulas
    assert ws["D44"].value == 2


def test_empty_template_caches_zero_counts_and_blank_means(template):
    ws = openpyxl.load_workbook(template, data_only=True)["Elevvurdering"]
    assert all(ws.cell(r, c).value == 0 for r in range(37, 43) for c in range(5, 23))
    assert all(ws.cell(43, c).value in ("", None) for c in range(5, 23))
    assert all(ws.cell(r, 4).value in ("", None) for r in range(6, 36))


def test_cached_values_follow_the_rules(spec):
    terms = class_terms(spec.grades, spec.seasons, 7, 2024)
    grid = [[[None] * 3 for _ in terms] for _ in range(3)]
    grid[0][0] = [5, 4, 4]
    grid[0][1] = [3, 4, 1]
    grid[1][1] = ["4", 2.5, 2]
    cached = cached_values(spec, terms, grid)
    assert cached.current == 2
    assert cached.focus == ["DANSK faldet fra 5 til 3, SOC 1 (Rød), SOC faldet fra 4 til 1", "SOC 2 (Orange)", ""]
    assert cached.counts[(2, 0)] == {1: 0, 2: 0, 3: 1, 4: 0, 5: 0}
    assert rules.mean_of(cached.counts[(1, 1)]) == 4


def test_roster_larger_than_the_spec_allows(tmp_path, spec):
    from xlkit.errors import RosterError
    from xlkit.roster import Student

    with pytest.raises(RosterError, match="plads til 30"):
        elevvurdering.build(spec, tmp_path / "x.xlsx", "S", "A", 2024, students=[Student(f"E{i}") for i in range(31)])


def test_indskoling_spec_builds_four_grades(tmp_path):
    from tests.conftest import ROOT
    from xlkit.spec import load_spec

    spec = load_spec(ROOT / "workbook_templates" / "elevvurdering_indskoling.yaml")
    path = elevvurdering.build(spec, tmp_path / "0A.xlsx", "S", "A", 2026)
    ws = openpyxl.load_workbook(path)["Elevvurdering"]
    assert ws["E3"].value == "0.A · 2026/27" and ws.cell(5, 5 + 8 * 3 - 1).value == "SOC"
    # four years do not fit one page at a readable size (review: ~5 pt): pages break between years
    # (review: not inside one), each with the names
    assert not ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_cols == "$A:$B"
    year_starts = [ws.cell(3, c).column - 1 for c in range(5, 29) if ws.cell(3, c).value]  # 0-based first columns
    assert [b.id for b in ws.col_breaks.brk] and {b.id for b in ws.col_breaks.brk} <= set(year_starts)
    assert 50 <= ws.page_setup.scale <= 100


@pytest.mark.parametrize("day, year, label", [
    ("2026-08-01", 2026, "2026/27"), ("2026-12-31", 2026, "2026/27"), ("2027-01-04", 2026, "2026/27"),
    ("2027-07-31", 2026, "2026/27"), ("2099-09-01", 2099, "2099/00"),
])
def test_the_school_year_starts_in_august(day, year, label):
    assert school_year_of(dt.date.fromisoformat(day)) == year
    assert school_year_label(year) == label


def test_formulas_are_written_as_xlsxwriter_would_write_them(tmp_path, monkeypatch):
    """xlkit skips XlsxWriter's 30 regular expressions for formulas that use only old
    functions (they were most of a template's writing time); the sheets must come out the
    same, and a newer function must still get Excel's _xlfn. prefix."""
    import io
    import zipfile

    from xlkit.roster import Student
    from xlkit.spec import load_spec
    from xlkit.templates import overblik
    from xlkit.testdef import load_test
    from xlkit.workbook import TextWorksheet, new_workbook
    from tests.conftest import ROOT

    tests = [load_test(ROOT / "workbook_templates" / "prover" / "matematik_8_terminsprove.yaml")]
    students = [Student(f"Elev {i}") for i in range(5)]

    def sheets(tag: str) -> dict[str, bytes]:
        paths = [elevvurdering.build(load_spec(), tmp_path / f"e{tag}.xlsx", "S", "A", 2026, 7, students),
                 overblik.build(load_spec(kind="overblik"), tmp_path / f"o{tag}.xlsx", "S", "A", tests, students)]
        found = {}
        for path in paths:
            with zipfile.ZipFile(path) as archive:
                found |= {f"{path.name[0]}:{name}": archive.read(name) for name in archive.namelist()
                          if name.startswith("xl/worksheets/") or name == "xl/workbook.xml"}
        return found

    fast = sheets("1")
    assert b"<f>" in fast["e:xl/worksheets/sheet1.xml"] and b"INDEX(" in fast["o:xl/worksheets/sheet2.xml"]
    monkeypatch.delattr(TextWorksheet, "_prepare_formula")
    assert sheets("2") == fast
    monkeypatch.undo()
    sheet = new_workbook(io.BytesIO()).add_worksheet()
    assert sheet._prepare_formula("{=SUM(XLOOKUP(A1,B:B,C:C))}") == "SUM(_xlfn.XLOOKUP(A1,B:B,C:C))"
    assert sheet._prepare_formula("=IF(ISNUMBER(A1),A1,\"\")") == "IF(ISNUMBER(A1),A1,\"\")"

"""Consolidation figures on a small hand-computed example, and copies of one class merged."""

from __future__ import annotations

import os

import openpyxl
import pytest

from tests.teacher import open_for_filling
from xlkit.consolidate import consolidate
from xlkit.summary import write_summary
from xlkit.roster import Student
from xlkit.templates import elevvurdering

NAMES = ["Anna", "Bo", "Cai", "Dina"]


def fill(path, cells: dict[str, object]):
    wb = open_for_filling(path)
    for ref, value in cells.items():
        wb["Elevvurdering"][ref] = value
    wb.save(path)


@pytest.fixture
def school(tmp_path, spec):
    """7.A (two terms) and 8.B (one term), values chosen so every figure is easy to check."""
    folder = tmp_path / "skole"
    folder.mkdir()
    a = elevvurdering.build(spec, folder / "7A.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES])
    # term 1 (E,F,G) and term 2 (H,I,J): DANSK, MAT, SOC; rows 6-9 = Anna, Bo, Cai, Dina
    fill(a, {"E6": 4, "E7": 3, "E8": 5, "E9": 2,
             "H6": 2, "H7": 3, "H8": 5, "H9": 4, "I6": 4, "J6": 4})
    b = elevvurdering.build(spec, folder / "8B.xlsx", "S", "B", 2026, 8, [Student(n) for n in NAMES[:2]])
    fill(b, {"E6": 1, "F6": 5, "E7": 5})
    return folder


def test_hand_computed_figures(school, tmp_path):
    result = consolidate(school)
    a, b = result.classes
    assert (a.data.class_name(a.term), a.term.label, a.previous.label) == ("7.A", "Forår 2027", "Efterår 2026")
    assert a.counts["DANSK"] == {1: 0, 2: 1, 3: 1, 4: 1, 5: 1}
    assert a.previous_counts["DANSK"] == {1: 0, 2: 1, 3: 1, 4: 1, 5: 1}
    assert a.counts["MAT"] == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}
    # Anna fell from 4 to 2 (focus twice); Dina rose from 2 to 4 (no longer in focus).
    assert [(f["student"], f["reasons"]) for f in a.focus] == [
        ("Anna", "DANSK 2 (Orange), DANSK faldet fra 4 til 2")]
    assert (b.term.label, b.previous) == ("Efterår 2026", None)
    assert [(f["student"], f["reasons"]) for f in b.focus] == [("Anna", "DANSK 1 (Rød)")]

    out = write_summary(result, tmp_path / "o.xlsx")
    rows = {(r[0], r[1]): r for r in openpyxl.load_workbook(out)["Oversigt"].iter_rows(min_row=5, values_only=True) if r[0]}
    dansk = rows[("7.A", "DANSK")]
    assert dansk[2:10] == ("Forår 2027", 4, 0, 0, 1, 1, 1, 1)  # rated, not rated, then 1-5
    assert dansk[10:15] == (0, 0.25, 0.25, 0.25, 0.25)
    # mean, share 1-2, the term before, then the four rated in both terms and how they moved
    assert dansk[15:24] == (3.5, 0.25, "Efterår 2026", 3.5, 0.25, 4, 0, 0, 1)
    mat = rows[("7.A", "MAT")]
    assert mat[3:5] == (1, 3) and mat[20:23] == (0, None, None)  # Anna's MAT 4 has no term before it
    assert rows[("8.B", "DANSK")][15] == 3 and rows[("8.B", "DANSK")][17] in ("", None)
    assert rows[("8.B", "DANSK")][20] is None  # a first term has nothing to compare with
    # all classes together: what the leaders added up by hand (review)
    everyone = rows[("Alle klasser", "DANSK")]
    assert everyone[2:10] == ("Flere terminer", 6, 0, 1, 1, 1, 1, 2)
    # the term before stays blank: 8.B has none, so it would compare other students (review)
    assert everyone[15] == pytest.approx(20 / 6) and everyone[17:24] == (None, None, None, 4, 0, 0, 2)
    assert list(rows)[-3:] == [("Alle klasser", "DANSK"), ("Alle klasser", "MAT"), ("Alle klasser", "SOC")]


def test_changes_are_counted_for_the_same_students(tmp_path, spec):
    """Dina (2 in DANSK, so in focus) is left blank a term later: comparing everyone rated
    then with everyone rated now shows the class better than it is (seed 003), and Dina would
    drop off the focus list without a word (found in review)."""
    folder = tmp_path / "skole"
    folder.mkdir()
    path = elevvurdering.build(spec, folder / "7A.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES])
    fill(path, {"E6": 4, "E7": 3, "E8": 5, "E9": 2, "H6": 2, "H7": 3, "H8": 5})
    result = consolidate(folder)
    [summary] = result.classes
    change = summary.changes["DANSK"]
    assert (change.students, round(change.mean_change(), 4), round(change.share_change((1, 2)), 4)) == (3, -0.6667, 0.3333)
    assert summary.not_rated["DANSK"] == 1
    [problem] = [p for p in result.problems if p.code == "focus-not-rated"]
    assert (problem.sheet, problem.cell, problem.student) == ("Elevvurdering", "H9", "Dina")
    assert problem.message == ("Dina var i fokus i efterår 2026 med DANSK 2 (Orange), men har ingen vurdering i "
                               "DANSK i forår 2027.")
    row = next(r for r in openpyxl.load_workbook(write_summary(result, tmp_path / "o.xlsx"))["Oversigt"]
               .iter_rows(min_row=5, values_only=True) if r[1] == "DANSK")
    assert row[3:5] == (3, 1) and row[15] == pytest.approx(10 / 3) and row[18] == 3.5  # all rated, each term
    assert row[20:23] == (3, pytest.approx(-2 / 3), pytest.approx(1 / 3))


def test_text_in_the_term_before_is_pointed_out_as_counted_only_here(tmp_path, spec):
    """'5' typed as text last term puts Anna (3 now) in focus here, not on the class's sheet,
    whose formulas skip text: the note said nothing, as it counted this term only (found in review)."""
    folder = tmp_path / "skole"
    folder.mkdir()
    path = elevvurdering.build(spec, folder / "7A.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES])
    fill(path, {"E6": "5", "E7": 3, "H6": 3, "H7": 3})
    result = consolidate(folder)
    [summary] = result.classes
    assert summary.from_text == 1 and summary.focus[0]["reasons"] == "DANSK faldet fra 5 til 3"
    note = openpyxl.load_workbook(write_summary(result, tmp_path / "o.xlsx"))["Oversigt"]["A3"].value
    assert note.startswith("Bemærk: 1 vurdering skrevet som tekst (i 7.A, denne eller forrige termin) er talt med her")


def test_the_share_change_uses_the_columns_focus_levels(tmp_path, spec):
    """A class from a spec that puts 3 in focus: its "Ændring andel 1–2" was the change of
    its share at 1–3, and "Alle klasser" pooled the two (review). 8.B: 3, 4 then 3, 3."""
    import dataclasses

    from xlkit.rules import FocusRule

    folder = tmp_path / "skole"
    folder.mkdir()
    fill(elevvurdering.build(spec, folder / "7A.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES]),
         {"E6": 4, "E7": 2, "H6": 2, "H7": 2, "H8": 1})  # Cai: first rated now
    yellow = dataclasses.replace(spec, focus=FocusRule(3, 2))
    fill(elevvurdering.build(yellow, folder / "8B.xlsx", "S", "B", 2026, 8, [Student(n) for n in NAMES[:2]]),
         {"E6": 3, "E7": 4, "H6": 3, "H7": 3})
    result = consolidate(folder)
    # the term before: Anna was not in focus, Bo was, Cai was not rated (review: "Nej" for him too)
    assert {f["student"]: f["before"] for f in result.classes[0].focus} == {
        "Anna": "Nej", "Bo": "DANSK 2 (Orange)", "Cai": "Ikke vurderet"}
    sheet = openpyxl.load_workbook(write_summary(result, tmp_path / "o.xlsx"))["Oversigt"]
    rows = {(r[0], r[1]): r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]}
    assert sheet.cell(4, 23).value == "Ændring andel 1–2, samme elever"
    assert rows[("8.B", "DANSK")][20:23] == (2, -0.5, 0)  # at 1–3 it would be +50 %
    assert rows[("Alle klasser", "DANSK")][20:23] == (4, pytest.approx(-0.75), pytest.approx(0.25))


def test_a_stray_rating_in_the_next_term_is_pointed_out(tmp_path, spec):
    """One 4 typed a column too far (Tab once too often) lands in the next term, which then
    becomes the class's latest term with data: the summary shows the class by one student.
    The rule stays the sheet's own (its formulas pick the same term); the file says so."""
    folder = tmp_path / "ind"
    folder.mkdir()
    path = elevvurdering.build(spec, folder / "7A.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES])
    fill(path, {"E6": 4, "E7": 3, "E8": 5, "E9": 2, "F6": 3, "F7": 3, "H7": 4})
    result = consolidate(folder)
    assert result.classes[0].term.label == "Forår 2027"
    [warning] = [p for p in result.problems if p.code == "few-ratings-in-term"]
    assert (warning.sheet, warning.cell) == ("Elevvurdering", "H7")
    assert warning.message == ("Klassen er opgjort for forår 2027, men i den termin er færre end halvt så mange "
                               "elever vurderet i DANSK (1 mod 4) og MAT (0 mod 2) som i efterår 2026. Elever i "
                               "fokus i de fag kan derfor mangle i oversigten.")
    chosen = consolidate(folder, "efterår 2026")  # the leader's way round it; SOC was never rated: said too
    assert chosen.classes[0].term.label == "Efterår 2026"
    assert [p.message.split(", men ")[1] for p in chosen.problems if p.code == "few-ratings-in-term"] == [
        "i den termin er under halvdelen af klassens elever vurderet i SOC (0 af 4). Elever i fokus i de fag kan "
        "derfor mangle i oversigten."]
    fill(path, {"H6": 2, "H8": 4, "I6": 3})  # the new term is under way in DANSK and MAT: nothing to say
    assert not [p for p in consolidate(folder).problems if p.code == "few-ratings-in-term"]


def test_copies_of_one_class_are_merged(tmp_path, spec):
    folder = tmp_path / "ind"
    folder.mkdir()
    dansk = elevvurdering.build(spec, folder / "7A_dansk.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES])
    mat = elevvurdering.build(spec, folder / "7A_mat.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES])
    fill(dansk, {"E6": 2, "E7": 4, "F8": 3})
    fill(mat, {"F6": 5, "F7": 1, "F8": 4})  # F8 disagrees with the dansk teacher's copy
    for path, saved in ((dansk, "2026-11-20T08:00:00Z"), (mat, "2026-11-24T10:00:00Z")):
        _saved(path, tmp_path / "kopi.xlsx", saved)  # saved in the same second, the file name decided (review)
        (tmp_path / "kopi.xlsx").replace(path)
    result = consolidate(folder)
    [summary] = result.classes
    assert summary.counts["DANSK"][2] == 1 and summary.counts["DANSK"][4] == 1
    assert summary.counts["MAT"] == {1: 1, 2: 0, 3: 0, 4: 1, 5: 1}  # the newer copy's 4 won
    assert sorted(f["student"] for f in summary.focus) == ["Anna", "Bo"]
    codes = [(p.code, p.file, p.cell) for p in result.problems]
    assert ("copies-disagree", "7A_dansk.xlsx", "F8") in codes
    assert [p.code for p in result.problems].count("duplicate-class") == 1
    [added] = [p for p in result.problems if p.code == "copies-added"]  # deleted values would come back: said
    assert (added.file, added.cell, added.message) == (
        "7A_dansk.xlsx", "E6", "2 værdier i denne kopi mangler i 7A_mat.xlsx (gemt senest) og er taget med, fx i E6.")
    assert {f.file: f.read for f in result.files} == {"7A_dansk.xlsx": True, "7A_mat.xlsx": True}
    assert result.record_count("elevvurdering") == 5  # E6 E7 from the older copy, F6 F7 F8 from the newest
    out = write_summary(result, tmp_path / "o.xlsx")
    files = {row[0]: row for row in openpyxl.load_workbook(out)["Filer"].iter_rows(min_row=4, values_only=True)}
    assert files["7A_dansk.xlsx"][2:4] + files["7A_dansk.xlsx"][6:7] == ("elevvurderingsskema", "S", 3)  # its own values
    assert files["7A_mat.xlsx"][6] == 5 and "alle kopierne af klassen samlet" in files["7A_mat.xlsx"][8]
    # when each copy was saved: the leaders' deadline is four working days before the samtale (seed 000)
    assert files["7A_mat.xlsx"][7] == f"{result.files[1].data.saved_at:%d.%m.%Y}"


def test_only_copies_are_read_again_and_a_copy_that_fails_then_is_reported(tmp_path, spec, monkeypatch):
    """Reading processes send back summaries; the copies of a class are read a second time
    with their records. A copy that cannot be read the second time is skipped and listed."""
    import xlkit.consolidate
    from xlkit.errors import InvalidWorkbook

    folder = tmp_path / "ind"
    folder.mkdir()
    for name, cells in (("7A_dansk.xlsx", {"E6": 2}), ("7A_mat.xlsx", {"F6": 5}), ("7A_soc.xlsx", {"G6": 1})):
        fill(elevvurdering.build(spec, folder / name, "S", "A", 2026, 7, [Student(n) for n in NAMES]), cells)
    fill(elevvurdering.build(spec, folder / "7B.xlsx", "S", "B", 2026, 7, [Student(n) for n in NAMES]), {"E6": 4})
    reads = []
    real = xlkit.consolidate.read_workbook

    def reading(path, label, passwords=()):
        reads.append(label)
        if label == "7A_soc.xlsx" and reads.count(label) == 2:
            raise InvalidWorkbook("Filen er ændret undervejs.")
        return real(path, label, passwords)

    monkeypatch.setattr(xlkit.consolidate, "read_workbook", reading)
    result = consolidate(folder, workers=0)
    assert sorted(reads) == ["7A_dansk.xlsx", "7A_dansk.xlsx", "7A_mat.xlsx", "7A_mat.xlsx",
                             "7A_soc.xlsx", "7A_soc.xlsx", "7B.xlsx"]
    a, b = sorted(result.classes, key=lambda c: c.data.class_letter)
    assert a.counts["DANSK"][2] == 1 and a.counts["MAT"][5] == 1 and a.counts["SOC"][1] == 0
    assert b.counts["DANSK"][4] == 1
    assert {f.file: f.read for f in result.files}["7A_soc.xlsx"] is False
    assert ("unreadable-file", "7A_soc.xlsx") in {(p.code, p.file) for p in result.problems}


def test_a_municipality_names_each_class_with_its_school(tmp_path, spec):
    """Fifty schools' 7.A were one name on every sheet (review)."""
    folder = tmp_path / "kommune"
    folder.mkdir()
    for school in ("Ahorn", "Birk"):
        fill(elevvurdering.build(spec, folder / f"{school}_7A.xlsx", school, "A", 2026, 7, [Student(n) for n in NAMES]),
             {"E6": 2, "E7": 4})
    wb = openpyxl.load_workbook(write_summary(consolidate(folder), tmp_path / "o.xlsx"))
    assert {r[0] for r in wb["Oversigt"].iter_rows(min_row=5, max_col=1, values_only=True) if r[0]} == {
        "Ahorn 7.A", "Birk 7.A", "Alle klasser"}
    assert [r[0] for r in wb["Elever i fokus"].iter_rows(min_row=5, values_only=True)] == ["Ahorn 7.A", "Birk 7.A"]
    assert wb["Elever i fokus"]["A3"].value == "2 elever i fokus (hver elev én gang). 2 klasser på 2 skoler."
    assert {r[0] for r in wb["Udvikling"].iter_rows(min_row=5, values_only=True)} == {"Ahorn 7.A", "Birk 7.A"}


def test_one_school_spelt_two_ways_is_one_school_on_the_sheets(tmp_path, spec):
    """Consolidate takes "Ahorn Skole" and "ahorn skole " for one school; the sheets named two
    schools and put one of them before every class (found by the red team)."""
    folder = tmp_path / "skole"
    folder.mkdir()
    for school, letter in (("Ahorn Skole", "A"), ("ahorn  skole ", "B")):
        fill(elevvurdering.build(spec, folder / f"7{letter}.xlsx", school, letter, 2026, 7, [Student(n) for n in NAMES]),
             {"E6": 2, "E7": 4})
    wb = openpyxl.load_workbook(write_summary(consolidate(folder), tmp_path / "o.xlsx"))
    assert wb["Oversigt"]["A2"].value.startswith("Ahorn Skole · lavet")
    assert {r[0] for r in wb["Oversigt"].iter_rows(min_row=5, max_col=1, values_only=True) if r[0]} == {
        "7.A", "7.B", "Alle klasser"}
    assert wb["Elever i fokus"]["A3"].value == "2 elever i fokus (hver elev én gang). 7.A: 1 af 4; 7.B: 1 af 4."


def test_the_chart_is_left_out_for_a_municipality(school, tmp_path, monkeypatch):
    """Thousands of bars help nobody; above MAX_CHART_ROWS the sheet says why there is none."""
    import xlkit.summary

    result = consolidate(school)
    write_summary(result, tmp_path / "skole.xlsx")
    assert openpyxl.load_workbook(tmp_path / "skole.xlsx")["Oversigt"]._charts
    monkeypatch.setattr(xlkit.summary, "MAX_CHART_ROWS", 1)
    write_summary(result, tmp_path / "kommune.xlsx")
    overview = openpyxl.load_workbook(tmp_path / "kommune.xlsx")["Oversigt"]
    assert not overview._charts
    assert any("Diagrammet er udeladt" in str(c.value) for row in overview.iter_rows() for c in row)


def test_the_scale_most_files_use_decides(school, spec):
    """A file with another scale that happens to sort first must not push every other class
    out of the distributions (found in review: it took its scale from the first file)."""
    from dataclasses import replace

    from xlkit.rules import Scale

    four = replace(spec, scale=Scale(spec.scale.levels[:4]))
    odd = elevvurdering.build(four, school / "0_first.xlsx", "S", "C", 2026, 7, [Student("Eva")])
    fill(odd, {"E6": 2})
    result = consolidate(school)
    assert result.scale.values == spec.scale.values
    assert sorted(c.data.class_letter for c in result.classes) == ["A", "B"]
    notes = {f.file: f.note for f in result.files}
    assert notes["0_first.xlsx"] == "Anden skala end de øvrige skemaer"
    assert "different-scale" in {p.code for p in result.problems}


def test_long_problems_get_rows_tall_enough_to_read(school, tmp_path):
    """Wrapped text keeps the height the writer gives it (Excel and LibreOffice do not fit
    rows on opening), so a long message would be cut off in the leaders' Problemer sheet."""
    from xlkit.problems import Problem

    result = consolidate(school)
    result.problems = [Problem("x", "kort", "kort", "7A.xlsx"), Problem("y", "lang besked " * 20, "kort", "7A.xlsx")]
    sheet = openpyxl.load_workbook(write_summary(result, tmp_path / "o.xlsx"))["Problemer"]
    assert sheet.row_dimensions[5].height is None  # one line: the default
    assert sheet.row_dimensions[6].height == 15 * 4  # 240 characters in a column 60 wide


def test_every_wrapped_text_in_the_summary_gets_rows_tall_enough(school, tmp_path):
    """Only the Problemer sheet fitted its rows: on Elever i fokus a student with falls in
    three subjects ran over the next student, on paper too, and the Filer headers over the
    first file (found in review)."""
    result = consolidate(school)
    first, second = (summary.focus[0] for summary in result.classes)  # 7.A's Anna on row 5, 8.B's on row 6
    first["reasons"] = "DANSK faldet fra 5 til 3, MAT faldet fra 5 til 3, SOC faldet fra 4 til 2"
    wb = openpyxl.load_workbook(write_summary(result, tmp_path / "o.xlsx"))
    focus = wb["Elever i fokus"]
    assert focus["A5"].value == "7.A" and focus["E5"].value == first["reasons"]
    assert focus.row_dimensions[5].height == 15 * 2  # 71 characters in a column 48 wide
    assert focus.row_dimensions[6].height is None  # one line: the default
    assert focus.row_dimensions[4].height is None  # the headers fit one line without "Seneste prøve, andel af maks"
    assert wb["Filer"].row_dimensions[3].height == 15 * 2  # "Opgjort for termin", "Læste værdier"


def test_the_focus_list_shows_the_ratings_also_with_an_aarshjul_first_in_the_folder(school, tmp_path):
    """The leaders keep the årshjul next to the classes; it sorts first and has no subjects,
    and the focus list used to lose its DANSK, MAT and SOC columns to it."""
    from xlkit.spec import load_plan
    from xlkit.templates import aarshjul

    aarshjul.build(load_plan(), school / "2026-27 årshjul.xlsx")  # sorts before 7A.xlsx
    sheet = openpyxl.load_workbook(write_summary(consolidate(school), tmp_path / "o.xlsx"))["Elever i fokus"]
    assert [c.value for c in sheet[4]] == ["Klasse", "Nr", "Elev", "Termin", "Begrundelse", "I fokus i terminen før",
                                           "DANSK", "MAT", "SOC"]
    assert [c.value for c in sheet[5]][:3] + [c.value for c in sheet[5]][5:] == ["7.A", 1, "Anna", "Nej", 2, 4, 4]
    assert sheet["A3"].value == "2 elever i fokus (hver elev én gang). 7.A: 1 af 4; 8.B: 1 af 2."


def test_two_students_of_the_same_name_stay_two_when_copies_are_merged(tmp_path, spec):
    """Copies are matched student by student by name; two students called Mads Bach are
    told apart by their order, not taken for one student whose copies disagree."""
    folder = tmp_path / "ind"
    folder.mkdir()
    students = [Student("Mads Bach", "mads1"), Student("Anna", "anna1"), Student("Mads Bach", "mads2")]
    older = elevvurdering.build(spec, folder / "7A_dansk.xlsx", "S", "A", 2026, 7, students)
    newer = elevvurdering.build(spec, folder / "7A_mat.xlsx", "S", "A", 2026, 7, students)
    fill(older, {"E6": 2, "E8": 5, "G6": 1})  # G6 (SOC, the first Mads Bach) only in the older copy
    fill(newer, {"E6": 2, "E8": 5, "F8": 4})
    os.utime(older, (1_700_000_000, 1_700_000_000))
    result = consolidate(folder)
    assert not [p for p in result.problems if p.code == "copies-disagree"]
    [summary] = result.classes
    assert summary.counts["DANSK"][2] == 1 and summary.counts["DANSK"][5] == 1 and summary.counts["MAT"][4] == 1
    assert [(f["student"], f["nr"]) for f in summary.focus] == [("Mads Bach", 1)], summary.focus


def test_a_name_corrected_in_the_newest_copy_is_still_one_student(tmp_path, spec):
    """Copies are matched by name, and then by UNI-login: a name corrected in the newest
    copy made two students of one, counted twice (found in review)."""
    folder = tmp_path / "ind"
    folder.mkdir()
    older = elevvurdering.build(spec, folder / "7A_dansk.xlsx", "S", "A", 2026, 7,
                                [Student("Lucas Kjr", "luca1"), Student("Bo", "bo1")])
    newer = elevvurdering.build(spec, folder / "7A_mat.xlsx", "S", "A", 2026, 7,
                                [Student("Lucas Kjær", "luca1"), Student("Bo", "bo1")])
    fill(older, {"E6": 2, "E7": 4})
    fill(newer, {"F7": 3})  # Lucas has no value in the newest copy: matched by his login on its list
    os.utime(older, (1_700_000_000, 1_700_000_000))
    result = consolidate(folder)
    [summary] = result.classes
    assert sum(summary.counts["DANSK"].values()) == 2 and sum(summary.counts["MAT"].values()) == 1
    assert [(f["student"], f["reasons"]) for f in summary.focus] == [("Lucas Kjær", "DANSK 2 (Orange)")]
    assert not [p for p in result.problems if p.code == "copies-student-added"]


def test_copies_whose_school_differs_only_in_case_are_one_class(tmp_path, spec):
    """"Bøgebakkeskolen" and "bøgebakkeskolen" counted the class twice (found in review)."""
    folder = tmp_path / "ind"
    folder.mkdir()
    fill(elevvurdering.build(spec, folder / "7A_1.xlsx", "Bøgebakkeskolen", "A", 2026, 7, [Student(n) for n in NAMES]),
         {"E6": 2})
    fill(elevvurdering.build(spec, folder / "7A_2.xlsx", "bøgebakkeskolen", "a", 2026, 7, [Student(n) for n in NAMES]),
         {"E7": 4})
    result = consolidate(folder)
    [summary] = result.classes
    assert summary.counts["DANSK"] == {1: 0, 2: 1, 3: 0, 4: 1, 5: 0}
    assert [p.code for p in result.problems].count("duplicate-class") == 1


def test_copies_whose_school_is_typed_in_decomposed_unicode_are_one_class(tmp_path, spec):
    """"Ålholm Skole" with Å as A and a ring (NFD, pasted on a Mac): the red team found the class
    summarised twice, "flere skoler" with the same name twice, and the copy skipped by --skole."""
    import unicodedata

    folder = tmp_path / "ind"
    folder.mkdir()
    for name, school, cell in (("7A_1.xlsx", "Ålholm Skole", "E6"),
                               ("7A_2.xlsx", unicodedata.normalize("NFD", "Ålholm Skole"), "E7")):
        fill(elevvurdering.build(spec, folder / name, school, "A", 2026, 7, [Student(n) for n in NAMES]), {cell: 3})
    for result in (consolidate(folder), consolidate(folder, school="ålholm skole")):
        [summary] = result.classes
        assert summary.counts["DANSK"] == {1: 0, 2: 0, 3: 2, 4: 0, 5: 0}
        assert not {"several-schools", "other-school"} & {p.code for p in result.problems}


def test_a_class_in_its_old_and_new_stage_workbook_is_summarised_once(tmp_path):
    """3.A's indskoling workbook next to the mellemtrin workbook it got in 4th grade: the
    class was summarised as 3.A and as 4.A, and a student in focus in both counted twice
    (found in review). The newest term's workbook is summarised; the other is named."""
    from tests.conftest import ROOT
    from xlkit.spec import load_spec

    folder = tmp_path / "ind"
    folder.mkdir()
    students = [Student(n, f"{n.lower()}22a") for n in NAMES]
    old = elevvurdering.build(load_spec(ROOT / "workbook_templates" / "elevvurdering_indskoling.yaml"),
                              folder / "3A_indskoling.xlsx", "S", "A", 2025, 3, students)
    fill(old, {"E6": 3, "F6": 3, "G6": 3, "H6": 4, "I6": 4, "J6": 2, "H7": 4, "I7": 4, "J7": 4})  # efterår, forår 2026
    new = elevvurdering.build(load_spec(ROOT / "workbook_templates" / "elevvurdering_mellemtrin.yaml"),
                              folder / "4A_mellemtrin.xlsx", "S", "A", 2026, 4, students)
    fill(new, {"E6": 4, "F6": 4, "G6": 2, "E7": 4, "F7": 2, "G7": 4})  # efterår 2026
    result = consolidate(folder)
    [summary] = result.classes
    assert (summary.data.class_name(summary.term), summary.term.label) == ("4.A", "Efterår 2026")
    assert result.focus_count == 2
    assert summary.means[("SOC", "Forår 2026")] == 3  # the old workbook's terms stay on Udvikling
    [problem] = [p for p in result.problems if p.code == "class-in-newer-workbook"]
    assert problem.file == "3A_indskoling.xlsx"
    assert problem.message == ("Klassen (3.A i Forår 2026) har også vurderinger i 4A_mellemtrin.xlsx "
                               "(4.A i Efterår 2026).")
    assert problem.action == ("Oversigten viser klassen én gang, fra 4A_mellemtrin.xlsx. Ændringer og fald siden "
                              "forår 2026 er regnet fra dette skema.")
    notes = {f.file: f.note for f in result.files}
    assert notes["3A_indskoling.xlsx"] == ("Klassen er opgjort fra det nyere skema 4A_mellemtrin.xlsx, sammenlignet "
                                           "med forår 2026 fra dette skema")


def _stage_workbooks(folder, old_cells: dict, new_cells: dict, new_students=None, old_start=(2025, 3)):
    """3.A's indskoling workbook (efterår 2025 in E:G, forår 2026 in H:J) and 4.A's mellemtrin
    workbook (efterår 2026 in E:G), filled with `old_cells` and `new_cells`."""
    from tests.conftest import ROOT
    from xlkit.spec import load_spec

    students = [Student(n, f"{n.lower()}22a") for n in NAMES]
    old = elevvurdering.build(load_spec(ROOT / "workbook_templates" / "elevvurdering_indskoling.yaml"),
                              folder / "3A_indskoling.xlsx", "S", "A", *old_start, students)
    fill(old, old_cells)
    new = elevvurdering.build(load_spec(ROOT / "workbook_templates" / "elevvurdering_mellemtrin.yaml"),
                              folder / "4A_mellemtrin.xlsx", "S", "A", 2026, 4, new_students or students)
    fill(new, new_cells)


@pytest.mark.parametrize("term_label", [None, "efterår 2026"])
def test_a_fall_over_the_summer_into_a_new_stage_workbook_puts_the_student_in_focus(tmp_path, term_label):
    """3.A's spring in the indskoling workbook, 4.A's autumn in the new mellemtrin workbook:
    a student who fell from 5 to 3 in DANSK over the summer was in no one's focus, and the
    Oversigt had no term before (left alone in round 20). The first term of the new workbook
    is now compared with the old workbook's last, by the same rule the sheet uses; also with
    the term named by --termin, which the old workbook does not have (red team)."""
    folder = tmp_path / "ind"
    folder.mkdir()
    # forår 2026: Anna 5 4 4, Bo 4 4 2 (in focus then), Cai 4 4 4; efterår 2026 in the new workbook
    _stage_workbooks(folder, {"H6": 5, "I6": 4, "J6": 4, "H7": 4, "I7": 4, "J7": 2, "H8": 4, "I8": 4, "J8": 4},
                     {"E6": 3, "F6": 4, "G6": 4, "E7": 4, "F7": 2, "G7": 2, "E8": 4, "F8": 4, "G8": 4})
    result = consolidate(folder, term_label)
    [summary] = result.classes
    assert summary.previous.label == "Forår 2026"
    assert summary.means[("DANSK", "Forår 2026")] == pytest.approx(13 / 3)  # on Udvikling either way
    focus = {f["student"]: (f["reasons"], f["before"]) for f in summary.focus}
    assert focus == {
        "Anna": ("DANSK faldet fra 5 til 3", "Nej"),
        "Bo": ("MAT 2 (Orange), MAT faldet fra 4 til 2, SOC 2 (Orange)", "SOC 2 (Orange)"),
    }
    assert summary.previous_counts["DANSK"] == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    change = summary.changes["DANSK"]
    assert (change.students, change.before, change.now) == (3, {1: 0, 2: 0, 3: 0, 4: 2, 5: 1},
                                                             {1: 0, 2: 0, 3: 1, 4: 2, 5: 0})
    out = write_summary(result, tmp_path / "o.xlsx")
    overview = openpyxl.load_workbook(out)["Oversigt"]
    assert "Forår 2026" in [c.value for row in overview.iter_rows() for c in row]


def test_a_student_in_focus_in_the_old_stage_workbook_and_unrated_in_the_new_one_is_named(tmp_path):
    """As within one workbook: Bo was in focus in SOC in the spring of 3.A's workbook, and
    his SOC cell in 4.A's new workbook is empty while the others are rated; he would drop off
    the focus list without a word (left alone in round 22)."""
    folder = tmp_path / "ind"
    folder.mkdir()
    _stage_workbooks(folder, {"H6": 5, "I6": 4, "J6": 4, "H7": 4, "I7": 4, "J7": 2},
                     {"E6": 5, "F6": 4, "G6": 4, "E7": 4, "F7": 4})
    result = consolidate(folder)
    [problem] = [p for p in result.problems if p.code == "focus-not-rated"]
    assert (problem.file, problem.sheet, problem.cell, problem.student) == ("4A_mellemtrin.xlsx", "Elevvurdering", "G7", "Bo")
    assert problem.message == "Bo var i fokus i forår 2026 med SOC 2 (Orange), men har ingen vurdering i SOC i efterår 2026."
    assert [f["student"] for f in result.classes[0].focus] == []


def test_a_student_in_focus_in_the_old_stage_workbook_and_wholly_unrated_in_the_new_one_is_named(tmp_path):
    """Bo, in focus in SOC in the spring, is on 4.A's new list with no rating at all in the
    autumn: he was compared with no one and named nowhere (left alone in round 23)."""
    folder = tmp_path / "ind"
    folder.mkdir()
    _stage_workbooks(folder, {"H6": 5, "I6": 4, "J6": 4, "H7": 4, "I7": 4, "J7": 2},
                     {"E6": 5, "F6": 4, "G6": 4, "E8": 4, "F8": 4, "G8": 4})
    result = consolidate(folder)
    found = [(p.sheet, p.cell, p.student, p.message) for p in result.problems if p.code == "focus-not-rated"]
    assert found == [("Elevvurdering", "G7", "Bo",
                      "Bo var i fokus i forår 2026 med SOC 2 (Orange), men har ingen vurdering i SOC i efterår 2026.")]
    assert [f["student"] for f in result.classes[0].focus] == []


def test_a_new_stage_workbook_is_compared_only_with_the_term_just_before_and_the_same_students(tmp_path):
    """Students are matched by UNI-login or name, in any row; a student new in 4.A has no
    rating before, and a login under another name matches no one (it is reported). The old
    workbook's last term a year back is not compared."""
    folder = tmp_path / "ind"
    folder.mkdir()
    moved = [Student("Eja", "eja22a"), Student("Bo", ""), Student("Anna", "anna22a"), Student("Dina N", "dina22a")]
    _stage_workbooks(folder, {"H6": 5, "H7": 4, "H9": 5}, {"E6": 1, "E7": 4, "E8": 3, "E9": 3}, new_students=moved)
    result = consolidate(folder)
    [summary] = result.classes
    assert {f["student"]: (f["reasons"], f["before"]) for f in summary.focus} == {
        "Eja": ("DANSK 1 (Rød)", "Ikke i det gamle skema"), "Anna": ("DANSK faldet fra 5 til 3", "Nej")}
    assert summary.changes["DANSK"].students == 2  # Anna and Bo
    assert [p.student for p in result.problems if p.code == "login-two-names"] == ["Dina", "Dina N"]

    folder = tmp_path / "aar"
    folder.mkdir()  # the old workbook's ratings are from forår 2025: a year and a summer before
    _stage_workbooks(folder, {"H6": 5}, {"E6": 3}, old_start=(2024, 2))
    result = consolidate(folder)
    [summary] = result.classes
    assert summary.previous is None and summary.focus == []
    [problem] = [p for p in result.problems if p.code == "class-in-newer-workbook"]
    assert problem.action.endswith("Fald og ændringer siden forår 2025 ses ikke: det er ikke terminen lige før "
                                   "efterår 2026.")


def test_a_cpr_number_pasted_over_the_nr_column_is_reported_and_not_copied(tmp_path, spec):
    """A class list whose first column is CPR, pasted over Nr (the sheet unprotected): the
    number went into Elever i fokus, with or without pseudonyms (found in review)."""
    folder = tmp_path / "ind"
    folder.mkdir()
    fill(elevvurdering.build(spec, folder / "7A.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES]),
         {"A6": 102031234, "A7": "010203 - 1234", "E6": 1, "E7": 1})
    result = consolidate(folder)
    assert [(p.code, p.cell) for p in result.problems if p.code == "cpr-number"] == [
        ("cpr-number", "A6"), ("cpr-number", "A7")]
    out = write_summary(result, tmp_path / "o.xlsx")
    cells = [str(c.value) for ws in openpyxl.load_workbook(out) for row in ws.iter_rows() for c in row if c.value]
    assert not [c for c in cells if "1234" in c]
    assert [(f["student"], f["nr"]) for f in result.classes[0].focus] == [("Anna", None), ("Bo", None)]


def test_a_copy_made_by_a_newer_xlkit_is_named_also_when_merged_into_another(tmp_path, spec):
    """Found by the red team: only the copy the others were merged into was checked."""
    source, folder = tmp_path / "kilde", tmp_path / "ind"
    source.mkdir()
    folder.mkdir()
    for name, cell, saved in (("7A_ny.xlsx", "E6", "2026-11-01T10:00:00Z"), ("7A_mat.xlsx", "F6", "2026-11-02T10:00:00Z")):
        wb = open_for_filling(elevvurdering.build(spec, source / name, "S", "A", 2026, 7, [Student(n) for n in NAMES]))
        wb["Elevvurdering"][cell] = 3
        if name == "7A_ny.xlsx":
            wb["xlkit"]["B1"] = '"9.0"'  # made by a newer xlkit, and saved before the other copy
        wb.save(source / name)
        _saved(source / name, folder / name, saved)
    result = consolidate(folder)
    assert [f.file for f in result.files if f.merged_into] == ["7A_ny.xlsx"]
    assert [(p.code, p.file) for p in result.problems if p.code == "newer-version"] == [("newer-version", "7A_ny.xlsx")]


def test_a_student_only_in_an_older_copy_is_pointed_out(tmp_path, spec):
    """Without UNI-logins a name corrected in the newest copy is two students; that cannot
    be known, but it is said (found in review)."""
    folder = tmp_path / "ind"
    folder.mkdir()
    older = elevvurdering.build(spec, folder / "7A_dansk.xlsx", "S", "A", 2026, 7,
                                [Student("Mikkel Lund"), Student("Bo"), Student("Cai")])
    newer = elevvurdering.build(spec, folder / "7A_mat.xlsx", "S", "A", 2026, 7,
                                [Student("Mikkel Lundt"), Student("Bo"), Student("Cai")])
    fill(older, {"E6": 2, "E7": 4, "E8": 3})  # Cai has no value in the newest copy yet, but is on its list
    fill(newer, {"F6": 4, "F7": 3})
    os.utime(older, (1_700_000_000, 1_700_000_000))
    result = consolidate(folder)
    assert [(p.file, p.cell, p.student) for p in result.problems if p.code == "copies-student-added"] == [
        ("7A_dansk.xlsx", "E6", "Mikkel Lund")]


def test_a_classs_workbook_from_each_year_are_two_workbooks_not_copies(tmp_path, spec):
    """7.A's workbook from 7th grade and its new one from 8th grade have the same cohort,
    but their terms are numbered from different years: merged as copies, 7th-grade ratings
    became 8th-grade ones (found in review)."""
    folder = tmp_path / "ind"
    folder.mkdir()
    fill(elevvurdering.build(spec, folder / "7A_2026.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES]), {"E6": 1})
    fill(elevvurdering.build(spec, folder / "8A_2027.xlsx", "S", "A", 2027, 8, [Student(n) for n in NAMES]), {"E7": 5})
    result = consolidate(folder)
    # summarised once, from the newest term (review: as two classes); each term keeps its own ratings
    [summary] = result.classes
    assert (summary.data.class_name(summary.term), summary.term.label) == ("8.A", "Efterår 2027")
    assert summary.counts["DANSK"] == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}
    assert summary.means[("DANSK", "Efterår 2026")] == 1
    assert [p.file for p in result.problems if p.code == "class-in-newer-workbook"] == ["7A_2026.xlsx"]
    assert not [p for p in result.problems if p.code in ("duplicate-class", "copies-disagree")]


def test_ratings_in_the_same_term_in_a_classs_old_workbook_are_named_as_left_out(tmp_path, spec):
    """The dansk teacher goes on filling 7.A's workbook in 8th grade, the maths teacher the new
    8.A workbook: the old workbook's efterår 2027 ratings vanished with "det er ikke terminen
    lige før efterår 2027", and its students at Rød were in no one's focus (red team)."""
    folder = tmp_path / "ind"
    folder.mkdir()
    fill(elevvurdering.build(spec, folder / "7A_2026.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES]),
         {"E6": 3, "K7": 1, "K8": 1})  # efterår 2026, and DANSK efterår 2027 for Bo and Cai
    fill(elevvurdering.build(spec, folder / "8A_2027.xlsx", "S", "A", 2027, 8, [Student(n) for n in NAMES]),
         {"F6": 4, "F7": 4})
    result = consolidate(folder)
    [summary] = result.classes
    assert (summary.data.file, summary.term.label) == ("8A_2027.xlsx", "Efterår 2027")
    assert summary.means[("DANSK", "Efterår 2026")] == 3 and ("DANSK", "Efterår 2027") not in summary.means
    [problem] = [p for p in result.problems if p.file == "7A_2026.xlsx" and p.code != "future-term"]
    assert (problem.code, problem.sheet, problem.cell) == ("class-term-in-two-workbooks", "Elevvurdering", "K7")
    assert problem.message == "Klassen (8.A) har vurderinger i efterår 2027 både i dette skema og i 8A_2027.xlsx."
    assert problem.action == ("Oversigten bruger kun vurderingerne fra 8A_2027.xlsx; dette skemas 2 elever vurderet "
                              "i efterår 2027 er ikke med. Skriv vurderingerne i 8A_2027.xlsx, hvis de skal med.")
    assert [f.file for f in result.left_out] == ["7A_2026.xlsx"]  # --strict fails on it


def test_the_summary_gets_the_permissions_a_plain_write_gives(tmp_path, spec):
    """Written through a temporary file: mkstemp's owner-only mode locked other leaders out
    of a shared folder (found in review). An existing summary keeps its own mode."""
    folder = tmp_path / "ind"
    folder.mkdir()
    fill(elevvurdering.build(spec, folder / "7A.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES]), {"E6": 1})
    result = consolidate(folder)
    mask = os.umask(0o022)
    try:
        new = write_summary(result, tmp_path / "ny.xlsx")
        assert new.stat().st_mode & 0o777 == 0o644
        (tmp_path / "gammel.xlsx").write_bytes(b"old")
        (tmp_path / "gammel.xlsx").chmod(0o640)
        assert write_summary(result, tmp_path / "gammel.xlsx").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(mask)


def _saved(src, dst, modified: str | None) -> None:
    """A copy of `src` saved at `modified` (UTC, in its document properties), or, with None,
    by a program that writes no document properties, so only the file's own time tells."""
    import re
    import zipfile

    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "docProps/core.xml":
                if modified is None:
                    continue
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + modified.encode(), data)
            new.writestr(item, data)


def test_merged_copies_say_when_each_was_saved_and_why_one_won(tmp_path, spec, monkeypatch):
    """Found in review: copies saved in the same second were said to be "gemt senest" although
    the file name decided; a copy without a save date had none on Filer although its file
    time decided; and a copy dated 2099 won every disagreement without a word."""
    import calendar
    import datetime as dt

    source, folder = tmp_path / "kilde", tmp_path / "ind"
    source.mkdir()
    folder.mkdir()
    for letter, rating, saved in (("a", 2, "2026-11-24T10:00:00Z"), ("b", 3, "2026-11-24T10:00:00Z"), ("c", 4, None),
                                  ("d", 5, "2099-01-01T00:00:00Z")):
        path = elevvurdering.build(spec, source / f"{letter}.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES])
        fill(path, {"F6": rating})
        _saved(path, (folder if letter != "d" else source) / f"7A_{letter}.xlsx", saved)
    stamp = calendar.timegm(dt.datetime(2026, 11, 1, 8, 0).timetuple())
    os.utime(folder / "7A_c.xlsx", (stamp, stamp))
    result = consolidate(folder)
    disagree = {p.file: p.action for p in result.problems if p.code == "copies-disagree"}
    assert disagree == {"7A_a.xlsx": "Værdien fra 7A_b.xlsx (gemt samtidig; valgt efter filnavnet) er brugt.",
                        "7A_c.xlsx": "Værdien fra 7A_b.xlsx (gemt senest) er brugt."}
    notes = {f.file: f.note for f in result.files}
    assert notes["7A_a.xlsx"] == "Slået sammen med 7A_b.xlsx, som er gemt samtidig; valgt efter filnavnet"
    [duplicate] = [p for p in result.problems if p.code == "duplicate-class"]
    assert duplicate.message == (
        "Klassen er sendt i 3 filer: 7A_b.xlsx (gemt 24.11.2026 kl. 11:00 dansk tid), 7A_a.xlsx (gemt 24.11.2026 kl. "
        "11:00 dansk tid), 7A_c.xlsx (ingen gemt dato i filen; filens tid 01.11.2026 kl. 09:00 dansk tid).")
    assert duplicate.action == "Filerne er slået sammen; ved uenighed er den senest gemte brugt."
    (source / "7A_d.xlsx").replace(folder / "7A_d.xlsx")
    result = consolidate(folder)
    [duplicate] = [p for p in result.problems if p.code == "duplicate-class"]
    assert duplicate.action.endswith("7A_d.xlsx siger, at den er gemt i fremtiden (afsenderens ur går nok forkert): "
                                     "tjek, at det er den nyeste kopi, der er brugt.")
    assert result.classes[0].counts["MAT"][5] == 1


@pytest.mark.parametrize(("zone", "mat_saved", "kept"), [
    ("America/Los_Angeles", "10:30", 5), ("Pacific/Kiritimati", "10:30", 5),
    ("Europe/Copenhagen", "09:30", 2), ("UTC", "09:30", 2),
])
def test_the_newest_copy_does_not_depend_on_the_machines_time_zone(tmp_path, spec, monkeypatch, zone, mat_saved, kept):
    """Found in review: a copy's saved time (UTC) was compared with another copy's file time
    read as local time, so which copy won depended on the time zone."""
    import calendar
    import datetime as dt
    import time

    source = tmp_path / "kilde"
    source.mkdir()
    folder = tmp_path / "ind"
    folder.mkdir()
    for name, rating in (("dansk", 2), ("mat", 5)):
        path = elevvurdering.build(spec, source / f"{name}.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES])
        fill(path, {"F6": rating})
    _saved(source / "dansk.xlsx", folder / "7A_dansk.xlsx", "2026-11-24T10:00:00Z")
    _saved(source / "mat.xlsx", folder / "7A_mat.xlsx", None)
    hour, minute = map(int, mat_saved.split(":"))
    stamp = calendar.timegm(dt.datetime(2026, 11, 24, hour, minute).timetuple())
    os.utime(folder / "7A_mat.xlsx", (stamp, stamp))
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        [summary] = consolidate(folder, workers=1).classes
    finally:
        monkeypatch.undo()
        time.tzset()
    assert summary.counts["MAT"][kept] == 1


def test_a_saved_time_with_an_offset_is_taken_in_utc():
    from xml.etree.ElementTree import Element

    from xlkit.book import document_date

    def at(text):
        element = Element("modified")
        element.text = text
        return document_date(element)

    assert at("2026-11-24T12:00:00+02:00") == at("2026-11-24T10:00:00Z") == at("2026-11-24T10:00:00")
    assert at("i går") is None


def test_ratings_in_a_term_that_has_not_begun_are_pointed_out(tmp_path, spec, monkeypatch):
    """Found in review: in November, an autumn's ratings typed one block to the right made
    the class's summary a spring's, without a word."""
    import datetime as dt

    import xlkit.consolidate

    folder = tmp_path / "ind"
    folder.mkdir()
    path = elevvurdering.build(spec, folder / "7A.xlsx", "S", "A", 2026, 7, [Student(n) for n in NAMES])
    fill(path, {"H6": 4, "H7": 3, "H8": 5, "H9": 2})  # forår 2027's column
    monkeypatch.setattr(xlkit.consolidate, "today", lambda: dt.date(2026, 11, 24))
    [warning] = [p for p in consolidate(folder).problems if p.code == "future-term"]
    assert (warning.message, warning.cell) == ("Klassen har vurderinger i forår 2027, som først begynder 01.01.2027.", "H6")
    monkeypatch.setattr(xlkit.consolidate, "today", lambda: dt.date(2027, 1, 1))
    assert not [p for p in consolidate(folder).problems if p.code == "future-term"]


def test_a_class_left_out_of_the_summary_is_named_under_problems(school, spec):
    """Found in review: with --termin, a class without ratings in that term was left out and
    only the Filer sheet said so; the command printed "0 problemer"."""
    chosen = consolidate(school, "forår 2027")
    assert [c.data.file for c in chosen.classes] == ["7A.xlsx"]
    assert [(p.code, p.file, p.message) for p in chosen.problems if p.code.startswith("no-ratings")] == [
        ("no-ratings-in-term", "8B.xlsx", "Klassen har ingen vurderinger i forår 2027.")]
    elevvurdering.build(spec, school / "9C.xlsx", "S", "C", 2026, 9, [Student(n) for n in NAMES])  # not begun
    assert [(p.code, p.file) for p in consolidate(school).problems if p.code.startswith("no-ratings")] == [
        ("no-ratings", "9C.xlsx")]
    # a workbook begun after the chosen term does not miss it (review: every newer class was flagged)
    earlier = consolidate(school, "efterår 2025")
    assert not [p for p in earlier.problems if p.code.startswith("no-ratings")]
    assert {f.note for f in earlier.files} == {"Skemaet dækker ikke den valgte termin"}


def test_a_first_term_without_names_is_compared_with_its_best_rated_subject(tmp_path, spec):
    """Review: with no names in the class list, a half-rated first term was not pointed out."""
    folder = tmp_path / "ind"
    folder.mkdir()
    path = elevvurdering.build(spec, folder / "7A.xlsx", "S", "A", 2026, 7, [])
    fill(path, {**{f"E{row}": 3 for row in range(6, 12)}, "F6": 4})
    [warning] = [p for p in consolidate(folder).problems if p.code == "few-ratings-in-term"]
    assert "vurderet i MAT (1 af 6) og SOC (0 af 6)" in warning.message

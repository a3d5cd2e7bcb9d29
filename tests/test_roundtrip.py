"""Generate → fill as a teacher would (messy values, an inserted row) → read → exactly the
expected records and problems. Reading never writes to the file."""

from __future__ import annotations

from tests.conftest import file_hash
from tests.teacher import insert_row_like_excel, open_for_filling
from xlkit.reader import read_workbook
from xlkit.templates import elevvurdering


def test_round_trip_with_messy_values_and_an_inserted_row(tmp_path, spec, students):
    template = elevvurdering.build(spec, tmp_path / "7A.xlsx", "Dagnæsskolen", "A", 2024, students=students)
    wb = open_for_filling(template)
    ws = wb["Elevvurdering"]
    # Term 1 (efterår 2024): E=DANSK, F=MAT, G=SOC; term 2 (forår 2025): H, I, J.
    ws["E6"], ws["F6"], ws["G6"] = 4, 4.0, " 4 "
    ws["H6"], ws["I6"], ws["J6"] = "4,0", "gul", 7
    ws["E7"], ws["F7"], ws["G7"] = 3, "x", 3.5
    ws["E8"] = 5  # Ælle
    ws["E10"] = 2  # a row without a name (nr. 5)
    ws["C9"] = "kwqa1190"  # Åge gets Ida's UNI-login by mistake
    insert_row_like_excel(wb, "Elevvurdering", 8)  # a new student between Ida and Ælle
    ws["B8"], ws["E8"] = "Ida Sørensen", 1  # the same name as row 7
    filled = tmp_path / "7A_udfyldt.xlsx"
    wb.save(filled)
    before = file_hash(filled)

    data = read_workbook(filled)

    assert file_hash(filled) == before
    got = [(r.student, r.measure, r.term.label, r.value, r.cell, r.class_name) for r in data.records]
    assert got == [
        ("Peter Hansen", "DANSK", "Efterår 2024", 4, "E6", "7.A"),
        ("Peter Hansen", "MAT", "Efterår 2024", 4, "F6", "7.A"),
        ("Peter Hansen", "SOC", "Efterår 2024", 4, "G6", "7.A"),
        ("Peter Hansen", "DANSK", "Forår 2025", 4, "H6", "7.A"),
        ("Peter Hansen", "MAT", "Forår 2025", 3, "I6", "7.A"),
        ("Ida Sørensen", "DANSK", "Efterår 2024", 3, "E7", "7.A"),
        ("Ida Sørensen", "DANSK", "Efterår 2024", 1, "E8", "7.A"),
        ("Ælle Østergaard", "DANSK", "Efterår 2024", 5, "E9", "7.A"),
        ("Elev uden navn (række 11)", "DANSK", "Efterår 2024", 2, "E11", "7.A"),
    ]
    nr_by_name = {(r.student, r.cell[1:]): r.student_nr for r in data.records}
    assert nr_by_name[("Ida Sørensen", "8")] is None  # the inserted row has no Nr
    assert nr_by_name[("Ælle Østergaard", "9")] == 3
    assert len({r.student_key for r in data.records}) == 5
    problems = [(p.code, p.cell) for p in data.problems]
    assert problems == [
        ("text-as-number", "G6"),
        ("text-as-number", "H6"),
        ("text-as-number", "I6"),
        ("value-out-of-range", "J6"),
        ("unknown-text", "F7"),
        ("value-not-whole", "G7"),
        ("inserted-row", "B8"),
        ("duplicate-name", "B8"),
        ("duplicate-uni-login", "C10"),
        ("missing-name", "B11"),
    ]
    assert all(p.file == "7A_udfyldt.xlsx" and p.sheet == "Elevvurdering" for p in data.problems)
    by_cell = {p.cell: p for p in data.problems}
    assert by_cell["J6"].message == "7 ligger uden for skalaen. Skriv et helt tal fra 1 til 5."
    assert by_cell["J6"].action == "Ikke medtaget."
    assert by_cell["I6"].message == "Teksten 'gul' er læst som 3 (Gul)."
    assert by_cell["B8"].message == "Navnet 'Ida Sørensen' står også i B7."
    assert by_cell["C10"].message == "Samme UNI-login står også i C7."  # the login itself is not repeated


def test_renamed_sheet_is_still_found(tmp_path, spec, students):
    template = elevvurdering.build(spec, tmp_path / "7A.xlsx", "S", "A", 2024, students=students)
    wb = open_for_filling(template)
    wb["Elevvurdering"]["E6"] = 2
    wb["Elevvurdering"].title = "Vores skema"
    for defined in wb.defined_names.values():
        defined.attr_text = defined.attr_text.replace("Elevvurdering!", "'Vores skema'!")
    wb.save(tmp_path / "omdøbt.xlsx")
    data = read_workbook(tmp_path / "omdøbt.xlsx")
    assert [(r.sheet, r.cell, r.value) for r in data.records] == [("Vores skema", "E6", 2)]


def test_cpr_number_in_a_name_cell_is_reported_and_not_read(tmp_path, spec):
    template = elevvurdering.build(spec, tmp_path / "7A.xlsx", "S", "A", 2024)
    wb = open_for_filling(template)
    wb["Elevvurdering"]["B6"] = "Bo Jensen 010203-1234"
    wb["Elevvurdering"]["E6"] = 4
    wb.save(tmp_path / "cpr.xlsx")
    data = read_workbook(tmp_path / "cpr.xlsx")
    assert [p.code for p in data.problems] == ["cpr-number", "missing-name"]
    assert all("1234" not in r.student for r in data.records)
    assert all("010203" not in p.message + p.action for p in data.problems)


def test_inserted_student_survives_consolidation(tmp_path, spec, students):
    """A row inserted by a teacher has no Nr; its student must not replace the one below."""
    from xlkit.consolidate import consolidate

    template = elevvurdering.build(spec, tmp_path / "7A.xlsx", "S", "A", 2024, students=students)
    wb = open_for_filling(template)
    ws = wb["Elevvurdering"]
    for row, value in ((6, 4), (7, 4), (8, 5)):
        ws.cell(row, 5, value)
    insert_row_like_excel(wb, "Elevvurdering", 8)
    ws["B8"], ws["E8"] = "Ny Elev", 1
    folder = tmp_path / "ind"
    folder.mkdir()
    wb.save(folder / "7A.xlsx")
    [summary] = consolidate(folder).classes
    assert summary.counts["DANSK"] == {1: 1, 2: 0, 3: 0, 4: 2, 5: 1}
    assert [(f["student"], f["nr"], f["reasons"]) for f in summary.focus] == [("Ny Elev", None, "DANSK 1 (Rød)")]


def test_a_row_inserted_above_the_first_student_is_reported(tmp_path, spec, students):
    """Inserted above the first student, a row moves every name past it: the student typed
    there was in no region, lost from the sheet's counts and the summary unseen (found in
    review). Reported now, with the cell."""
    template = elevvurdering.build(spec, tmp_path / "7A.xlsx", "S", "A", 2024, students=students)
    wb = open_for_filling(template)
    insert_row_like_excel(wb, "Elevvurdering", 6)
    ws = wb["Elevvurdering"]
    ws["B6"], ws["E6"], ws["E7"] = "Aase Andersen", 1, 4
    wb.save(tmp_path / "top.xlsx")
    data = read_workbook(tmp_path / "top.xlsx")
    assert [(r.student, r.cell) for r in data.records] == [("Peter Hansen", "E7")]
    assert [(p.code, p.cell) for p in data.problems] == [("rows-above-list", "B6")]
    wb = open_for_filling(template)
    insert_row_like_excel(wb, "Elevvurdering", 6)  # an empty inserted row is nothing to report
    wb.save(tmp_path / "tom.xlsx")
    assert read_workbook(tmp_path / "tom.xlsx").problems == []
    below = 6 + spec.max_students + 1  # the first count row, under the list's spare row
    wb = open_for_filling(template)  # inserted over the counts, a row is in no region either (found in review)
    insert_row_like_excel(wb, "Elevvurdering", below)
    wb["Elevvurdering"].cell(below, 2, "Ny Elev")
    wb["Elevvurdering"].cell(below, 5, 1)
    wb.save(tmp_path / "bund.xlsx")
    data = read_workbook(tmp_path / "bund.xlsx")
    assert [(p.code, p.cell) for p in data.problems] == [("rows-below-list", f"B{below}")]
    assert not data.records
    wb = open_for_filling(template)
    insert_row_like_excel(wb, "Elevvurdering", 2)  # above the headings: they are no student (found in review)
    wb["Elevvurdering"]["A2"], wb["Elevvurdering"]["E7"] = "Klasselærer: Hanne", 3
    wb.save(tmp_path / "titel.xlsx")
    assert read_workbook(tmp_path / "titel.xlsx").problems == []


def test_row_inserted_under_the_last_student_is_read(tmp_path, spec):
    from tests.conftest import ROOT  # noqa: F401  (spec fixture comes from conftest)
    from xlkit.roster import Student

    template = elevvurdering.build(spec, tmp_path / "7A.xlsx", "S", "A", 2024,
                                   students=[Student(f"Elev {i}") for i in range(30)])
    wb = open_for_filling(template)
    insert_row_like_excel(wb, "Elevvurdering", 36)  # right under student 30
    wb["Elevvurdering"]["B36"], wb["Elevvurdering"]["E36"] = "Nyt barn", 2
    wb.save(tmp_path / "ny.xlsx")
    data = read_workbook(tmp_path / "ny.xlsx")
    assert [(r.student, r.cell, r.value) for r in data.records] == [("Nyt barn", "E36", 2)]
    assert [(p.code, p.cell) for p in data.problems] == [("inserted-row", "B36")]


def test_ratings_dragged_onto_another_term_are_read_once(tmp_path, spec, students):
    """LibreOffice moves a dragged block's names along and leaves the other term's names
    where they were: two terms then point at the same cells, and every rating counted twice."""
    template = elevvurdering.build(spec, tmp_path / "7A.xlsx", "S", "A", 2026, students=students)
    wb = open_for_filling(template)
    wb["Elevvurdering"]["H6"], wb["Elevvurdering"]["H7"] = 4, 2
    names = wb.defined_names
    names["xlkit_v_7_efteraar_dansk"].attr_text = names["xlkit_v_7_foraar_dansk"].attr_text
    wb.save(tmp_path / "flyttet.xlsx")
    data = read_workbook(tmp_path / "flyttet.xlsx")
    assert [(r.term.label, r.cell, r.value) for r in data.records if r.measure == "DANSK"] == [
        ("Efterår 2026", "H6", 4), ("Efterår 2026", "H7", 2)]
    assert [(p.code, p.cell) for p in data.problems] == [("overlapping-range", "H6")]
    assert data.problems[0].message == ("Kolonnen DANSK for 7.A forår peger på de samme celler som DANSK for 7.A "
                                        "efterår og er ikke læst.")


def test_names_and_logins_pasted_the_other_way_round_are_read_the_right_way(tmp_path, spec):
    """The overbliksark has UNI-login before Elev; a class list copied from it into an
    elevvurderingsskema lands swapped, and the leaders' lists would show logins as names."""
    template = elevvurdering.build(spec, tmp_path / "7A.xlsx", "S", "A", 2026)
    wb = open_for_filling(template)
    for row, (login, name) in enumerate([("abcd1234", "Åse Ørum"), ("efgh5678", "Bo Ibsen"),
                                         ("ijkl9012", "Cai Lund")], start=6):
        wb["Elevvurdering"][f"B{row}"], wb["Elevvurdering"][f"C{row}"], wb["Elevvurdering"][f"E{row}"] = login, name, 3
    wb.save(tmp_path / "byttet.xlsx")
    data = read_workbook(tmp_path / "byttet.xlsx")
    assert [(r.student, r.uni_login) for r in data.records] == [
        ("Åse Ørum", "abcd1234"), ("Bo Ibsen", "efgh5678"), ("Cai Lund", "ijkl9012")]
    assert [(p.code, p.cell) for p in data.problems] == [("name-login-swapped", "B6")]


def test_a_rating_typed_as_a_percentage_is_reported_in_xlsx_and_ods(tmp_path, spec, students, libreoffice):
    """`100%` typed into a rating cell: Excel stores 1 with a percentage format (built-in
    format 9). Not counted, and reported at its cell, as openpyxl and LibreOffice save it."""
    template = elevvurdering.build(spec, tmp_path / "7A.xlsx", "Dagnæsskolen", "A", 2024, students=students)
    wb = open_for_filling(template)
    ws = wb["Elevvurdering"]
    ws["E6"], ws["F6"] = 1, 4
    ws["E6"].number_format = "0%"
    ws["G7"] = 0.03
    ws["G7"].number_format = "0.0 %"
    filled = tmp_path / "procent.xlsx"
    wb.save(filled)
    copies = [filled, *libreoffice.convert([filled], tmp_path / "lo"), *libreoffice.convert([filled], tmp_path / "ods", "ods")]
    for path in copies:
        data = read_workbook(path)
        assert [(p.code, p.cell, p.message) for p in data.problems] == [
            ("percent-typed", "E6", "Cellen er skrevet som procent (100 %), ikke som en vurdering."),
            ("percent-typed", "G7", "Cellen er skrevet som procent (3 %), ikke som en vurdering.")], path
        assert [(r.cell, r.value) for r in data.records] == [("F6", 4)], path


def test_a_copied_sheet_whose_original_was_deleted_is_read_by_its_own_names(tmp_path, spec, students):
    """Copy the sheet, work in the copy, delete the original: the workbook's names say #REF!
    and the copy has sheet-local ones (Excel and LibreOffice alike). The file was refused
    with a message about deleted columns (found in review)."""
    from openpyxl.workbook.defined_name import DefinedName

    template = elevvurdering.build(spec, tmp_path / "7A.xlsx", "S", "A", 2024, students=students)
    wb = open_for_filling(template)
    wb["Elevvurdering"]["E6"] = 2
    sheet = wb["Elevvurdering"]
    for name, defined in list(wb.defined_names.items()):
        if name.startswith("xlkit_") and defined.attr_text.startswith("Elevvurdering!"):
            sheet.defined_names[name] = DefinedName(name, attr_text=defined.attr_text)
            defined.attr_text = "#REF!"
    wb.save(tmp_path / "kopi.xlsx")
    data = read_workbook(tmp_path / "kopi.xlsx")
    assert [(r.student, r.cell, r.value) for r in data.records] == [("Peter Hansen", "E6", 2)]

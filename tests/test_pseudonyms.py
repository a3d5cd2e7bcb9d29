"""--pseudonym: one student one pseudonym on every sheet and in every run, two students never one."""

from __future__ import annotations

import openpyxl

import xlkit.pseudonyms
from tests.conftest import ROOT
from tests.test_consolidate import fill
from tests.test_overblik import TEST_2
from xlkit.consolidate import consolidate
from xlkit.privacy import pseudonym
from xlkit.roster import Student
from xlkit.spec import load_spec
from xlkit.summary import write_summary
from xlkit.templates import elevvurdering, overblik

KEY = bytes(range(32))


def _build(spec, folder, letter, start_year, students, cells):
    fill(elevvurdering.build(spec, folder / f"{letter}{start_year}.xlsx", "Skolen", letter, start_year, 7, students), cells)


def _focus(result, tmp_path) -> list[tuple]:
    wb = openpyxl.load_workbook(write_summary(result, tmp_path / "o.xlsx", pseudonym_key=KEY))
    return [row[:2] for row in wb["Elever i fokus"].iter_rows(min_row=5, values_only=True) if row[1]]


def test_namesakes_in_two_cohorts_of_one_letter_are_two_students(tmp_path, spec):
    """Josefine Lund in 7.B and in 8.B had one pseudonym: school, letter and name only (found by
    the red team). The class's cohort tells them apart, as do their UNI-logins."""
    folder = tmp_path / "ind"
    folder.mkdir()
    _build(spec, folder, "B", 2026, [Student("Josefine Lund")], {"E6": 1})
    _build(spec, folder, "B", 2025, [Student("Josefine Lund")], {"H6": 1})
    focus = _focus(consolidate(folder), tmp_path)
    assert len(focus) == 2 and focus[0][1] != focus[1][1]


def test_a_pseudonym_does_not_change_when_a_namesake_is_rated_later(tmp_path, spec):
    """Two students called Anna Hansen without UNI-logins: namesakes were found among the students
    rated in the term, so the first Anna's pseudonym changed once the second was rated (found by
    the red team). The class list decides."""
    folder = tmp_path / "ind"
    folder.mkdir()
    students = [Student("Anna Hansen"), Student("Bo"), Student("Anna Hansen")]
    _build(spec, folder, "A", 2026, students, {"E6": 1, "E7": 4})
    before = _focus(consolidate(folder), tmp_path)
    fill(folder / "A2026.xlsx", {"E8": 4})
    assert _focus(consolidate(folder), tmp_path) == before
    assert before[0][1] == pseudonym(KEY, "name", "skolen", "a", "2019", "anna hansen", "elevvurdering!6")


def test_a_problem_row_about_a_namesake_carries_that_students_pseudonym(tmp_path, spec):
    """focus-not-rated set no student id, so the row about one Anna Hansen got the pseudonym
    without a row: the one the summary could give the other (found by the red team)."""
    folder = tmp_path / "ind"
    folder.mkdir()
    students = [Student("Anna Hansen"), Student("Bo"), Student("Anna Hansen")]
    # efterår 2025: both Annas rated 1 in DANSK; forår 2026: the second Anna not in DANSK
    _build(spec, folder, "A", 2025, students, {"E6": 1, "E7": 4, "E8": 1, "H6": 4, "H7": 4, "I8": 4})
    result = consolidate(folder)
    [problem] = [p for p in result.problems if p.code == "focus-not-rated"]
    assert (problem.cell, problem.student_id) == ("H8", "Elevvurdering!8")
    wb = openpyxl.load_workbook(write_summary(result, tmp_path / "o.xlsx", pseudonym_key=KEY))
    third = pseudonym(KEY, "name", "skolen", "a", "2018", "anna hansen", "elevvurdering!8")
    rows = [row for row in wb["Problemer"].iter_rows(min_row=5, values_only=True) if row[3] and "fokus" in row[3]]
    assert len(rows) == 1 and third in rows[0][3]


def test_the_test_sheet_names_the_student_in_focus_by_the_same_pseudonym(tmp_path):
    """The demo's 8.A: two Mads Bach in the elevvurdering, one in the overbliksark. The one in
    focus had one pseudonym on Elever i fokus and another on Elever under niveau, next to his own
    focus ratings (found by the red team). Known by UNI-login, he is one student; a Mads Bach
    without a login in the overbliksark is neither of the two."""
    espec, ospec = load_spec(ROOT / "workbook_templates" / "elevvurdering.yaml"), load_spec(kind="overblik")
    folder = tmp_path / "ind"
    folder.mkdir()
    students = [Student("Karla", "karla9a"), Student("Mads Bach", "mads1"), Student("Mads Bach", "mads2")]
    fill(elevvurdering.build(espec, folder / "ev.xlsx", "Skolen", "A", 2026, 9, students), {"E6": 4, "E7": 4, "E8": 1})
    overblik.build(ospec, folder / "ob.xlsx", "Skolen", "a", [TEST_2], [Student("Mads Bach", "mads2"), Student("Karla")],
                   {(0, "Prøve 2", "1"): 0, (1, "Prøve 2", "1"): 0})
    wb = openpyxl.load_workbook(write_summary(consolidate(folder), tmp_path / "o.xlsx", pseudonym_key=KEY))
    [(_, in_focus)] = [row[:2] for row in wb["Elever i fokus"].iter_rows(min_row=5, values_only=True) if row[1]]
    below = {row[3] for row in wb["Elever under niveau"].iter_rows(min_row=5, values_only=True) if row[3]}
    assert in_focus == pseudonym(KEY, "login", "mads2")
    assert below == {in_focus, pseudonym(KEY, "login", "karla9a")}  # Karla's login from the elevvurdering


def test_two_students_never_share_a_pseudonym(monkeypatch):
    """48 bits make it rare; when two identities still share the short form, both get the long one."""
    def short_alike(key, *identity, digits=12):
        return "Elev SAMME" if digits == 12 else pseudonym(key, *identity, digits=digits)

    monkeypatch.setattr(xlkit.pseudonyms, "pseudonym", short_alike)
    found = xlkit.pseudonyms._pseudonyms(KEY, [("login", "a"), ("login", "b"), ("login", "a")])
    assert len(set(found.values())) == 2 and all(len(alias) == 29 for alias in found.values())


def test_the_key_is_named_when_made_and_when_used_and_the_summary_says_it_holds_pseudonyms(tmp_path, spec, monkeypatch):
    """A first run, or a mistyped key path, made a new key without a word, and the summary did not
    say it held pseudonyms (found by the red team). The key file was also written readable by
    all and only then made private."""
    from pathlib import Path

    from click.testing import CliRunner

    from xlkit.cli import main
    from xlkit.privacy import key_fingerprint

    folder, out, key_file = tmp_path / "ind", tmp_path / "ud" / "o.xlsx", tmp_path / "nøgle" / "k.key"
    folder.mkdir()
    out.parent.mkdir()
    _build(spec, folder, "A", 2026, [Student("Anna")], {"E6": 1})
    monkeypatch.setattr(Path, "chmod", lambda *_: (_ for _ in ()).throw(AssertionError("chmod after writing")))
    first = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(out), "--pseudonym", str(key_file)])
    assert first.exit_code == 0, first.output
    fingerprint = key_fingerprint(bytes.fromhex(key_file.read_text().strip()))
    assert f"Ny pseudonym-nøgle: nøglen {fingerprint} i {key_file}." in first.output
    assert key_file.stat().st_mode & 0o777 == 0o600
    overview = openpyxl.load_workbook(out)["Oversigt"]["A2"].value
    assert f"Eleverne står med pseudonymer fra nøglen {fingerprint}" in overview
    monkeypatch.undo()
    key_file.chmod(0o644)
    again = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(out), "--pseudonym", str(key_file)])
    assert f"Pseudonymer med nøglen {fingerprint} i {key_file}. Bemærk: andre brugere" in again.output

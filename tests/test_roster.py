"""Class lists as schools export them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlkit.errors import RosterError
from xlkit.roster import SchoolRow, Student, read_roster, read_school_roster


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("Navn;UNI-login\nÅse Ørum;aaoe1234\nBo Æbelø;bobo4321\n", "utf-8-sig"),
        ("Navn,UNI-login\nÅse Ørum,aaoe1234\nBo Æbelø,bobo4321\n", "cp1252"),
        ("Navn\tUNI-login\nÅse Ørum\taaoe1234\nBo Æbelø\tbobo4321\n", "utf-16"),
        ("Klasseliste 7.A\nudskrevet 01.08.2026\nElevens navn;Unilogin\nÅse Ørum;aaoe1234\nBo Æbelø;bobo4321\n", "utf-8"),
        # Excel for Mac's "CSV (Macintosh)": lines end in CR alone (a Python error, found in review)
        ("Navn;UNI-login\rÅse Ørum;aaoe1234\rBo Æbelø;bobo4321\r", "mac_roman"),
        ("Navn;UNI-login\r\nÅse Ørum;aaoe1234\r\nBo Æbelø;bobo4321\r\n", "cp850"),  # "CSV (MS-DOS)": was "▌se ěrum"
    ],
)
def test_common_exports(tmp_path, content, encoding):
    path = tmp_path / "elever.csv"
    path.write_bytes(content.encode(encoding))
    assert read_roster(path) == [Student("Åse Ørum", "aaoe1234"), Student("Bo Æbelø", "bobo4321")]


def test_a_semicolon_list_with_commas_in_its_addresses_is_read_by_its_header(tmp_path):
    """Counting characters took it for a comma list and refused it (found by the red team)."""
    path = tmp_path / "7A.csv"
    path.write_text("Navn;UNI-login;Adresse;Forældre\nÅse Ørum;aaoe1234;Vej 1, 2. th, 6000 Kolding, DK;Mor, Far, Bror\n"
                    "Bo Ek;boek1234;Gade 2, 1. tv, 6000 Kolding, DK;Far, Mor, Søster\n", encoding="utf-8")
    assert read_roster(path) == [Student("Åse Ørum", "aaoe1234"), Student("Bo Ek", "boek1234")]


def test_a_quote_never_closed_is_refused_with_its_row(tmp_path):
    """The rest of the file was read as one name, and three students were gone without a word
    (found by the red team)."""
    path = tmp_path / "7A.csv"
    path.write_text('Navn;UNI-login\nÅse Ørum;aaoe1234\n"Bo Hansen;boha0001\nCarl Ø;carl0001\nDina;dina0001\n',
                    encoding="utf-8")
    with pytest.raises(RosterError, match=r"række 3: et anførselstegn"):
        read_roster(path)
    path.write_text('Navn;Adresse\nÅse Ørum;"Vej 1\n6000 Kolding"\n', encoding="utf-8")  # a quoted line break is fine
    assert read_roster(path) == [Student("Åse Ørum")]


def test_a_name_column_far_to_the_right_is_found(tmp_path):
    path = tmp_path / "elever.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append([f"Felt {i}" for i in range(40)] + ["Navn"])
    wb.active.append([""] * 40 + ["Åse Ørum"])
    wb.save(path)
    assert read_roster(path) == [Student("Åse Ørum")]


def test_first_and_last_name_columns_in_xlsx(tmp_path):
    path = tmp_path / "elever.xlsx"
    wb = openpyxl.Workbook()
    for row in (["Fornavn", "Efternavn", "CPR"], ["Åse", "Ørum", "010203-1234"], ["Bo", "", ""]):
        wb.active.append(row)
    wb.save(path)
    assert read_roster(path) == [Student("Åse Ørum"), Student("Bo")]


def test_a_cpr_number_in_the_name_column_is_refused(tmp_path):
    """The CPR column is never read; a CPR number typed into the name or UNI-login column
    would be written into the class workbook, so the list is refused, without echoing it."""
    path = tmp_path / "elever.csv"
    path.write_text("Navn;UNI-login\nÅse Ørum;aaoe1234\nBo 010203-1234;bobo4321\n", encoding="utf-8")
    with pytest.raises(RosterError, match="række 3: navnet eller UNI-login ligner et CPR-nummer") as error:
        read_roster(path)
    assert "010203" not in str(error.value)


def test_a_cpr_number_typed_as_a_number_in_excel_is_refused_too(tmp_path):
    """Excel stores 0101001234 typed in a cell as the number 101001234: nine digits as text."""
    path = tmp_path / "elever.xlsx"
    wb = openpyxl.Workbook()
    for row in (["Navn", "UNI-login"], ["Åse Ørum", 101001234]):
        wb.active.append(row)
    wb.save(path)
    with pytest.raises(RosterError, match="række 2: navnet eller UNI-login ligner et CPR-nummer"):
        read_roster(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "er tom"),
        ("Fornavn?;Klasse\nÅse;7A\n".replace("Fornavn?", "Kaldenavn").encode(), "mangler en kolonne med elevens navn"),
        ("Navn;UNI\n".encode(), "indeholder ingen elever"),
    ],
)
def test_unusable_lists_give_danish_errors(tmp_path, content, message):
    path = tmp_path / "elever.csv"
    path.write_bytes(content)
    with pytest.raises(RosterError, match=message):
        read_roster(path)


def test_wrong_file_type(tmp_path):
    path = tmp_path / "elever.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(RosterError, match=".csv- eller .xlsx-fil"):
        read_roster(path)


def test_control_characters_in_names_become_spaces(tmp_path):
    """Some exports write a line break inside a cell as a vertical tab; as a cached formula
    value it broke the overbliksark's XML (found in review)."""
    from xlkit.spec import load_spec
    from xlkit.templates import overblik
    from xlkit.testdef import load_test

    path = tmp_path / "7A.csv"
    path.write_text("Navn;UNI-login\nAnna\x0bHansen;anna1\nBo \x01 Ek\x0c;bo2\n", encoding="utf-8")
    students = read_roster(path)
    assert students == [Student("Anna Hansen", "anna1"), Student("Bo Ek", "bo2")]
    test = load_test(Path(__file__).parent.parent / "workbook_templates" / "prover" / "matematik_9_efteraar.yaml")
    workbook = overblik.build(load_spec(kind="overblik"), tmp_path / "o.xlsx", "Skolen", "A", [test],
                              [Student("Anna\x0bHansen", "anna1")])  # straight to the writer: escaped there
    assert openpyxl.load_workbook(workbook)["Elever"]["C5"].value == "Anna_x000B_Hansen"


def test_a_name_longer_than_any_name_is_refused(tmp_path):
    path = tmp_path / "7A.csv"
    path.write_text("Navn;UNI-login\nÅse Ørum;aaoe1234\n" + "Bo " * 100 + ";bo2\n", encoding="utf-8")
    with pytest.raises(RosterError, match="række 3: navnet eller UNI-login er over 200 tegn langt"):
        read_roster(path)


def test_a_whole_school_list_keeps_each_students_class(tmp_path):
    """One export for the whole school (a column Hovedgruppe or Klasse) instead of a list per class."""
    path = tmp_path / "skolen.csv"
    path.write_text("Elevliste, hele skolen\nFornavn;Efternavn;Hovedgruppe;UNI-login;CPR\n"
                    "Åse;Ørum;7.A;aaoe1234;010203-1234\nBo;Ek;;boek1234;\nEja;Møller; 8b ;ejam4321;\n",
                    encoding="utf-8-sig")
    assert read_school_roster(path) == [SchoolRow("7.A", 3, Student("Åse Ørum", "aaoe1234")),
                                        SchoolRow("", 4, Student("Bo Ek", "boek1234")),
                                        SchoolRow("8b", 5, Student("Eja Møller", "ejam4321"))]


def test_a_school_list_without_a_class_column_is_refused(tmp_path):
    path = tmp_path / "skolen.csv"
    path.write_text("Navn;UNI-login\nÅse Ørum;aaoe1234\n", encoding="utf-8")
    with pytest.raises(RosterError, match="mangler en kolonne med elevens klasse"):
        read_school_roster(path)
    assert read_roster(path) == [Student("Åse Ørum", "aaoe1234")]  # a class list needs none


def test_a_school_list_in_xlsx_is_read_beyond_a_class_lists_length(tmp_path):
    path = tmp_path / "skolen.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Klasse", "Navn"])
    for number in range(1200):
        wb.active.append([f"{7 + number % 3}.{'ABC'[number % 3]}", f"Elev {number}"])
    wb.save(path)
    rows = read_school_roster(path)
    assert len(rows) == 1200 and rows[-1] == SchoolRow("9.C", 1201, Student("Elev 1199"))


@pytest.mark.parametrize("encoding", ["cp1252", "cp850", "mac_roman"])
def test_danish_letters_decide_the_eight_bit_encoding(tmp_path, encoding):
    """Every byte is some character in these encodings, so a list saved as 'CSV (MS-DOS)'
    read as Windows-1252 gave 'S›ren B‘k' without a word (found in review); the encoding
    that gives Danish letters in the names is the one used."""
    path = tmp_path / "elever.csv"
    path.write_bytes("Navn;UNI-login\r\nSøren Bæk;sbk1\r\nLærke Kjær-Åberg;lkj2\r\nZoë Müller;zm3\r\n".encode(encoding))
    assert read_roster(path) == [Student("Søren Bæk", "sbk1"), Student("Lærke Kjær-Åberg", "lkj2"), Student("Zoë Müller", "zm3")]


def test_a_list_with_a_cell_showing_an_error_or_a_login_without_a_name_is_refused_with_the_cell(tmp_path):
    """An error cell (a failed lookup) became a student called '#N/A', and a row with a
    UNI-login but no name left the class without a word (found in review)."""
    book = openpyxl.Workbook()
    book.active.append(["Navn", "UNI-login"])
    book.active.append(["Åse Ørum", "aaoe1234"])
    book.active.append(["=NA()", "bobo4321"])
    book.save(tmp_path / "fejl.xlsx")
    with zipfile.ZipFile(tmp_path / "fejl.xlsx") as source, zipfile.ZipFile(tmp_path / "gemt.xlsx", "w") as saved:
        for item in source.infolist():  # as Excel saves it: the formula's result is kept as an error
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="A3"><f>NA()</f><v></v></c>', b'<c r="A3" t="e"><f>NA()</f><v>#N/A</v></c>')
                assert b't="e"' in data
            saved.writestr(item, data)
    with pytest.raises(RosterError, match=r"celle A3 viser fejlen #I/T \(#N/A\)"):
        read_roster(tmp_path / "gemt.xlsx")
    path = tmp_path / "uden_navn.csv"
    path.write_text("Navn;UNI-login\nÅse Ørum;aaoe1234\n;bobo4321\n", encoding="utf-8")
    with pytest.raises(RosterError, match="række 3 har et UNI-login, men intet navn"):
        read_roster(path)


def test_a_middle_name_column_is_part_of_the_name(tmp_path):
    """Found by the red team: Fornavn;Mellemnavn;Efternavn lost the middle name, so Mads Bo
    Jensen and Mads Ole Jensen became two Mads Jensen, and `new skole` said to delete one."""
    path = tmp_path / "7C.csv"
    path.write_text("Fornavn;Mellemnavn;Efternavn;Brugernavn\nMads;Bo;Jensen;mj1\nMads;;Jensen;mj2\n", encoding="utf-8")
    assert read_roster(path) == [Student("Mads Bo Jensen", "mj1"), Student("Mads Jensen", "mj2")]


def test_a_workbook_made_by_xlkit_is_not_a_class_list(tmp_path):
    """Found by the red team: last year's elevvurderingsskema given as 7A.xlsx made its count
    rows and scale students ("Antal 1 – Rød")."""
    from xlkit.spec import load_spec
    from xlkit.templates import elevvurdering

    path = elevvurdering.build(load_spec(), tmp_path / "7A.xlsx", "S", "A", 2026, 7, [Student("Åse Ørum", "aaoe1234")])
    with pytest.raises(RosterError, match="er et skema lavet af xlkit, ikke en elevliste"):
        read_roster(path)


def _workbook(*sheets: tuple[str, list[list], str]) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows, state in sheets:
        sheet = wb.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    wb.active = next(i for i, (_, _, state) in enumerate(sheets) if state == "visible")
    return wb


def test_the_sheet_with_the_list_is_read_never_a_hidden_one(tmp_path):
    """Found by the red team: the first sheet was read even when hidden (last year's list:
    those students went into the workbook) or empty ("Elevlisten er tom", the list being on
    the next sheet)."""
    path = tmp_path / "7A.xlsx"
    _workbook(("Gammel", [["Navn"], ["Gammel Elev"]], "hidden"), ("Elever", [["Navn", "UNI-login"], ["Ny Elev", "n1"]],
                                                                   "visible")).save(path)
    assert read_roster(path) == [Student("Ny Elev", "n1")]
    _workbook(("Forside", [["Elevliste for 7.A"]], "visible"), ("Elever", [["Navn"], ["Åse"]], "visible")).save(path)
    assert read_roster(path) == [Student("Åse")]
    _workbook(("7A", [["Navn"], ["Åse"]], "visible"), ("7B", [["Navn"], ["Bo"]], "visible")).save(path)
    with pytest.raises(RosterError, match="har elever på flere ark \\('7A', '7B'\\)"):
        read_roster(path)
    _workbook(("Forside", [["Elevliste"]], "visible"), ("Elever", [["Navn"], ["Åse"]], "hidden")).save(path)
    with pytest.raises(RosterError, match="har kun elever på et skjult ark \\('Elever'\\)"):
        read_roster(path)


def test_hidden_rows_are_read_and_marked(tmp_path):
    """A list filtered to leave out students who have left still holds them: they are read,
    marked, and `new` says so (found by the red team: they were made students without a word)."""
    from xlkit.roster import read_class_rows

    path = tmp_path / "7A.xlsx"
    wb = openpyxl.Workbook()
    for row in (["Navn", "UNI-login"], ["Åse", "a1"], ["Udmeldt", "u1"], ["Bo", "b1"]):
        wb.active.append(row)
    wb.active.row_dimensions[3].hidden = True
    wb.save(path)
    assert [(row.row, row.hidden) for row in read_class_rows(path)] == [(2, False), (3, True), (4, False)]


def test_a_grade_column_apart_from_the_class_letter(tmp_path):
    """An export with Klassetrin 7 and Klasse A: every row was "klassen 'A' siger ikke
    klassetrin og bogstav" (red team)."""
    path = tmp_path / "skole.csv"
    path.write_text("Klassetrin;Klasse;Navn\n7;A;Ida\n0.;b;Bo\n8;8.C;Eja\n;D;Liv\n", encoding="utf-8")
    assert [row.class_text for row in read_school_roster(path)] == ["7.A", "0.b", "8.C", "D"]

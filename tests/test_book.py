"""The calamine package xlkit writes from checked parts: same values as the original file."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from xlkit.book import Book
from xlkit.errors import InvalidWorkbook
from xlkit.reader import check_zip

FORMULA_CELL = re.compile(rb"<f[ >/]")


def test_the_package_keeps_values_names_and_the_date_system(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    first = workbook.active
    first.title = "Prøve & \"svar\" <1>'"
    first["A1"], first["B1"], first["A2"] = "Åse", 4.5, dt.datetime(2026, 11, 23)
    workbook.create_sheet("Ikke læst")["A1"] = "x"
    workbook.defined_names["xlkit_a"] = DefinedName("xlkit_a", attr_text="'Prøve & \"svar\" <1>'''!$A$1:$B$2")
    path = tmp_path / "b.xlsx"
    workbook.save(path)

    book = Book(check_zip(path.read_bytes()))
    sheet = book[first.title]
    assert [[c.value for c in row] for row in sheet["A1:B2"]] == [["Åse", 4.5], [dt.date(2026, 11, 23), None]]
    assert set(book._sheet_xml) == {first.title}  # the sheet no name points to is never inflated


def test_calamine_reads_the_same_values_without_the_formulas(tmp_path, libreoffice):
    """Formulas are left out of what calamine reads (xlkit computes them itself), and that
    changes no value: every named sheet of the demo's workbooks, as XlsxWriter made and
    openpyxl filled them and as LibreOffice saves them (shared formulas, cached results),
    reads exactly as python-calamine reads the untouched file."""
    import io

    import python_calamine

    from xlkit.demo import build_demo

    build_demo(tmp_path / "demo")
    made = sorted((tmp_path / "demo" / "klasser").rglob("*.xlsx"))
    saved = libreoffice.convert(made[:4], tmp_path / "lo")
    checked = formulas = 0
    for path in made + saved:
        data = path.read_bytes()
        book = Book(check_zip(data))
        whole = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for title in sorted(book._named_sheets()):
            assert book.calamine_sheet(title).to_python() == whole.get_sheet_by_name(title).to_python(), (path, title)
            assert not FORMULA_CELL.search(book.sheet_xml(title))
            checked += 1
            formulas += bool(FORMULA_CELL.search(book.source_xml(title)))
    assert checked >= 2 * len(made) and formulas >= len(made)


def test_percentage_formats_are_told_from_a_literal_percent_sign():
    from xlkit.book import is_percent_format, percent_styles

    for code in ("0%", "0.0 %", "[Red]0%;-0%", '"Andel: "0%'):
        assert is_percent_format(code), code
    for code in ('0" %"', "0\\%", "0!%", "0_%", "[$%-406]0", "0;-0%", "General", ""):
        assert not is_percent_format(code), code
    styles = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b'<numFmts count="2"><numFmt numFmtId="164" formatCode="0.0 %"/><numFmt numFmtId="165" formatCode="0&quot; %&quot;"/>'
              b'</numFmts><cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="9"/><xf numFmtId="164"/><xf numFmtId="165"/>'
              b'<xf numFmtId="10"/><xf/></cellXfs></styleSheet>')
    assert percent_styles(styles) == {1, 2, 4}
    assert percent_styles(b"") == frozenset()
    forged = styles.replace(b"<xf/></cellXfs>", b"<xf/>" * 70_000 + b"</cellXfs>")
    with pytest.raises(InvalidWorkbook, match="unormalt mange celleformater"):
        percent_styles(forged)


def test_percentage_cells_inside_the_input_areas_are_found_however_the_cell_is_written():
    from xlkit.book import percent_inputs, plainly_within_bounds

    areas = [(4, 7, 6, 9)]  # D7:F9
    plain = (b'<worksheet><sheetData><row r="7"><c r="C7" s="1"><v>1</v></c><c r="D7" s="1"><v>1</v></c>'
             b'<c r="E7" t="n" s="2"><v>1</v></c></row><row r="10"><c r="D10" s="1"><v>1</v></c></row>'
             b'<row r="8"><c r="F8" s="11"><v>1</v></c></row></sheetData></worksheet>')
    assert plainly_within_bounds(plain)
    assert percent_inputs(plain, frozenset({1, 11}), areas, plain=True) == {(6, 3), (7, 5)}
    assert percent_inputs(plain, frozenset({2}), areas, plain=True) == {(6, 4)}  # t before s, as openpyxl 2 wrote
    assert percent_inputs(plain, frozenset({1}), [(4, 7, 4, 7)] * 2000 + [(4, 9, 4, 9)], plain=True) == {(6, 3)}
    assert percent_inputs(plain, frozenset(), areas, plain=True) == set()
    many = frozenset(range(2, 200, 2))  # more than are written out in the pattern
    assert percent_inputs(plain.replace(b's="11"', b's="150"'), many, areas, plain=True) == {(6, 4), (7, 5)}
    other_order = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
                   b"<x:row r='7'><x:c s='01' r='D7'><x:v>1</x:v></x:c><x:c><x:v>1</x:v></x:c><x:c s=\"3\"><x:v>1</x:v></x:c>"
                   + "<x:c s='\u00b2'><x:v>1</x:v></x:c>".encode()  # a digit to str.isdigit, not to int()
                   + b'</x:row></x:sheetData></x:worksheet>')
    assert not plainly_within_bounds(other_order)
    assert percent_inputs(other_order, frozenset({1, 3}), areas, plain=False) == {(6, 3), (6, 5)}

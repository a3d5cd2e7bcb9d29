"""The calamine package xlkit writes from checked parts: same values as the original file."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
from openpyxl.workbook.defined_name import DefinedName

from xlkit.book import Book
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

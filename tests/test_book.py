"""The calamine package xlkit writes from checked parts: same values as the original file."""

from __future__ import annotations

import datetime as dt

import openpyxl
from openpyxl.workbook.defined_name import DefinedName

from xlkit.book import Book
from xlkit.reader import check_zip


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

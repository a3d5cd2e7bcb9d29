"""Class lists (elevlister) exported from the school's administrative system: one list per
class, or one list for the whole school with a class column.

Only the name, the UNI-login and (in a school list) the class are read. Any other column
(CPR numbers, addresses) is ignored on purpose, so it can never reach a workbook xlkit writes.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from xlkit.errors import RosterError
from xlkit.values import looks_like_cpr

NAME_HEADERS = {"navn", "elev", "elevnavn", "elevens navn", "name", "fulde navn", "fulde navn (elev)"}
FIRST_NAME_HEADERS = {"fornavn", "fornavne"}
LAST_NAME_HEADERS = {"efternavn"}
UNI_HEADERS = {"uni-login", "unilogin", "uni login", "uni", "uni_login", "brugernavn"}
CLASS_HEADERS = {"klasse", "hovedgruppe", "stamklasse", "klassebetegnelse", "class"}


@dataclass(frozen=True)
class Student:
    name: str
    uni_login: str = ""


MAX_NAME = 200  # characters of a name or UNI-login; a cell holds 32,767
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class SchoolRow:
    """One student of a whole school's list: the class as the export writes it ("7.A",
    "7a"; blank when missing) and the row number, for messages."""
    class_text: str
    row: int
    student: Student


MAX_CLASS_ROWS = 1000  # rows read from an .xlsx class list
MAX_SCHOOL_ROWS = 5000  # and from a whole school's list: the largest Danish schools have about 1,200 students


def read_roster(path: str | Path) -> list[Student]:
    """Students from a CSV (; or , separated) or XLSX class list with a header row."""
    path = Path(path)
    return [row.student for row in _student_rows(_rows(path, MAX_CLASS_ROWS), path)]


def read_school_roster(path: str | Path) -> list[SchoolRow]:
    """Every student of a whole school's list (one export from the administrative system,
    with a column Klasse or Hovedgruppe), so a leader need not split it per class."""
    path = Path(path)
    return _student_rows(_rows(path, MAX_SCHOOL_ROWS), path, with_class=True)


def _rows(path: Path, max_rows: int) -> list[list[str]]:
    if not path.is_file():
        raise RosterError(f"Elevlisten {path} findes ikke.")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _xlsx_rows(path, max_rows)
    if path.suffix.lower() in {".csv", ".txt"}:
        return _csv_rows(path)
    raise RosterError(f"Elevlisten {path} skal være en .csv- eller .xlsx-fil.")


def _decode(raw: bytes, path: Path) -> str:
    """UTF-16 with a byte-order mark (Excel's 'Unicode-tekst'), UTF-8, or Windows-1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(f"Elevlisten {path} kan ikke læses som tekst. Gem den som CSV (UTF-8) fra Excel.")


def _csv_rows(path: Path) -> list[list[str]]:
    text = _decode(path.read_bytes(), path)
    # The most frequent of ; , and tab is the separator (csv.Sniffer trips on title lines).
    delimiter = max(";,\t", key=text.count)
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _xlsx_rows(path: Path, max_rows: int) -> list[list[str]]:
    from xlkit.reader import open_workbook  # the safe opener, shared with the reader

    workbook = open_workbook(path)
    sheet = workbook.worksheets[0]
    return [
        ["" if value is None else f"{int(value):010d}" if looks_like_cpr(value) and not isinstance(value, str)
         else str(value) for value in row]  # a CPR number typed in Excel lost its leading zero: keep it one
        for row in sheet.iter_rows(max_row=max_rows, max_col=30, values_only=True)
    ]


def _student_rows(rows: list[list[str]], path: Path, with_class: bool = False) -> list[SchoolRow]:
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    rows = [row for _, row in numbered]
    if not rows:
        raise RosterError(f"Elevlisten {path} er tom.")
    # Exports often carry a title or a date above the header row: look in the first rows.
    for header_index, row in enumerate(rows[:10]):
        headers = [cell.strip().lower() for cell in row]

        def column(names: set[str]) -> int | None:
            return next((i for i, header in enumerate(headers) if header in names), None)

        name_col, uni_col, class_col = column(NAME_HEADERS), column(UNI_HEADERS), column(CLASS_HEADERS)
        first_col, last_col = column(FIRST_NAME_HEADERS), column(LAST_NAME_HEADERS)
        if name_col is not None or first_col is not None:
            break
    else:
        raise RosterError(
            f"Elevlisten {path} mangler en kolonne med elevens navn. "
            "Der skal være en overskriftsrække med fx 'Navn' og 'UNI-login'."
        )
    if with_class and class_col is None:
        raise RosterError(f"Elevlisten {path} mangler en kolonne med elevens klasse (fx 'Klasse' eller 'Hovedgruppe'). "
                          "Tilføj den, eller brug en mappe med én elevliste pr. klasse.")

    def cell(row: list[str], col: int | None) -> str:
        # a line break or other control character (some exports write line breaks as vertical
        # tabs) becomes one space: in a cached formula value it broke the workbook's XML (review)
        return " ".join(CONTROL_CHARACTERS.sub(" ", row[col]).split()) if col is not None and col < len(row) else ""

    found = []
    for number, row in numbered[header_index + 1:]:
        if name_col is not None:
            name = cell(row, name_col)
        else:
            name = " ".join(part for part in (cell(row, first_col), cell(row, last_col)) if part)
        if name:
            uni_login = cell(row, uni_col)
            if len(name) > MAX_NAME or len(uni_login) > MAX_NAME:  # the writer would cut it without a word
                raise RosterError(f"Elevlisten {path}, række {number}: navnet eller UNI-login er over {MAX_NAME} tegn "
                                  "langt; er kolonnerne blandet sammen? Ret elevlisten.")
            if looks_like_cpr(name) or looks_like_cpr(uni_login):
                raise RosterError(f"Elevlisten {path}, række {number}: navnet eller UNI-login ligner et CPR-nummer. "
                                  "xlkit skriver ikke CPR-numre i skemaer; ret elevlisten.")
            found.append(SchoolRow(cell(row, class_col) if with_class else "", number, Student(name, uni_login)))
    if not found:
        raise RosterError(f"Elevlisten {path} indeholder ingen elever under overskrifterne.")
    return found

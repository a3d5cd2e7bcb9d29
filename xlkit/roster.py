"""Class lists (elevlister) exported from the school's administrative system: one list per
class, or one list for the whole school with a class column.

Only the name, the UNI-login and (in a school list) the class are read. Any other column
(CPR numbers, addresses) is ignored on purpose, so it can never reach a workbook xlkit writes.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils import get_column_letter

from xlkit.errors import RosterError, XlkitError
from xlkit.values import ErrorValue, looks_like_cpr, without_cpr

NAME_HEADERS = {"navn", "elev", "elevnavn", "elevens navn", "name", "fulde navn", "fulde navn (elev)"}
FIRST_NAME_HEADERS = {"fornavn", "fornavne"}
MIDDLE_NAME_HEADERS = {"mellemnavn", "mellemnavne"}  # dropped, two Mads Jensen were said to be one (red team)
LAST_NAME_HEADERS = {"efternavn", "efternavne"}
UNI_HEADERS = {"uni-login", "unilogin", "uni login", "uni", "uni_login", "brugernavn"}
CLASS_HEADERS = {"klasse", "hovedgruppe", "stamklasse", "klassebetegnelse", "class"}
# an export may keep the grade apart ("Klassetrin" 7, "Klasse" A): every row was "klassen 'A' siger ikke klassetrin" (red team)
GRADE_HEADERS = {"klassetrin", "årgang", "trin"}


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
    hidden: bool = False  # the row is hidden in the .xlsx (a filter, or hidden by hand): read, and said


MAX_CLASS_ROWS = 1000  # rows read from an .xlsx class list
MAX_SCHOOL_ROWS = 5000  # and from a whole school's list: the largest Danish schools have about 1,200 students
MAX_LIST_COLUMNS = 100  # columns searched for the headers; exports put the name after 30 others (red team)


def read_roster(path: str | Path) -> list[Student]:
    """Students from a CSV (; or , separated) or XLSX class list with a header row."""
    return [row.student for row in read_class_rows(path)]


def read_class_rows(path: str | Path) -> list[SchoolRow]:
    """A class list's students with the class each row names, where the list has a class
    column (blank otherwise): a school list filtered to one class still holds the other
    classes' rows, hidden (found by the red team: 7.B's students in 7.A's workbook)."""
    path = Path(path)
    return _student_rows(*_rows(path, MAX_CLASS_ROWS), path, with_class=None)


LIST_ONLY_HEADERS = (NAME_HEADERS | FIRST_NAME_HEADERS | MIDDLE_NAME_HEADERS | LAST_NAME_HEADERS | UNI_HEADERS | CLASS_HEADERS
                     | GRADE_HEADERS | {"nr", "nr."})
MAX_LIST_CHECK_BYTES = 1_000_000  # a school's list is some 100 kB


def is_class_list_csv(path: Path) -> bool:
    """Whether a .csv is a class list, with no columns beyond names, UNI-logins, class and Nr:
    lying beside the workbooks (as in the demo folder), it was told to be saved as .xlsx, and
    --strict failed on it (found by the red team). A .csv with a column more, such as ratings,
    may be a teacher's workbook exported, and stays a file to save as .xlsx."""
    try:
        if path.stat().st_size > MAX_LIST_CHECK_BYTES:
            return False
        rows = _csv_rows(path)
    except (XlkitError, OSError, UnicodeError, ValueError):
        return False
    headers = {" ".join(str(cell).split()).casefold() for cell in rows[0] if str(cell).strip()} if rows else set()
    return bool(headers & (NAME_HEADERS | FIRST_NAME_HEADERS)) and headers <= LIST_ONLY_HEADERS


def read_school_roster(path: str | Path) -> list[SchoolRow]:
    """Every student of a whole school's list (one export from the administrative system,
    with a column Klasse or Hovedgruppe), so a leader need not split it per class."""
    path = Path(path)
    return _student_rows(*_rows(path, MAX_SCHOOL_ROWS), path, with_class=True)


def _rows(path: Path, max_rows: int) -> tuple[list[list[str]], set[int]]:
    """The list's rows as text, and the numbers of the rows hidden in an .xlsx."""
    if not path.is_file():
        raise RosterError(f"Elevlisten {path} findes ikke.")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _xlsx_rows(path, max_rows)
    if path.suffix.lower() in {".csv", ".txt"}:
        return _csv_rows(path), set()
    raise RosterError(f"Elevlisten {path} skal være en .csv- eller .xlsx-fil.")


EIGHT_BIT = ("cp1252", "cp850", "mac_roman")  # Windows' "CSV", Excel's "CSV (MS-DOS)" and "CSV (Macintosh)"


def _decode(raw: bytes, path: Path) -> str:
    """UTF-16 with a byte-order mark (Excel's 'Unicode-tekst'), UTF-8, or else the 8-bit
    encoding that gives the most Danish letters: any bytes are text in all three, so cp850's
    'Søren' read as Windows-1252 was 'S›ren' without a word (found in review)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise RosterError(f"Elevlisten {path} kan ikke læses som tekst. Gem den som CSV (UTF-8) fra Excel.") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    texts = []
    for encoding in EIGHT_BIT:
        try:
            texts.append(raw.decode(encoding))
        except UnicodeDecodeError:  # bytes Windows-1252 has no character for
            continue
    return max(texts, key=_danish_letters)  # the first on a tie


def _danish_letters(text: str) -> int:
    """How much the text looks like Danish names: æ, ø and å count most, other letters with
    accents a little, and symbols no name has (›, ‘, †, °) against it."""
    wide = [c for c in text if ord(c) > 127]
    return sum(3 if c in "æøåÆØÅ" else 1 if c.isalpha() else -3 for c in wide)


SEPARATORS = ";,\t"


def _csv_rows(path: Path) -> list[list[str]]:
    text = _decode(path.read_bytes(), path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n")  # a Mac's CSV ends lines in CR alone (review)
    delimiter = _separator(lines)
    reader = csv.reader(io.StringIO(lines), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            if any("\n" in field and delimiter in field for field in row):
                # an opening quote never closed: the rest of the file became one name (red team)
                first_line = len(rows) + 1 + sum(field.count("\n") for line in rows for field in line)
                raise RosterError(f"Elevlisten {path}, række {first_line}: et "
                                  'anførselstegn (") lukkes ikke, så de næste rækker ville blive læst som én celle. Fjern '
                                  "anførselstegnet, eller luk det, og prøv igen.")
            rows.append(row)
    except csv.Error as error:
        raise RosterError(f"Elevlisten {path} kan ikke læses som CSV ({error}). Gem den igen som CSV fra Excel.") from None
    return rows


def _separator(text: str) -> str:
    """The separator that splits a header row into a name header; else the most frequent of
    ; , and tab (csv.Sniffer trips on title lines). Counting alone took a ;-list with
    addresses for a comma list (found by the red team)."""
    headers = NAME_HEADERS | FIRST_NAME_HEADERS
    for line in text.split("\n", 10)[:10]:
        for separator in SEPARATORS:
            cells = line.split(separator)
            if len(cells) > 1 and any(cell.strip().strip('"').strip().lower() in headers for cell in cells):
                return separator
    return max(SEPARATORS, key=text.count)


def _xlsx_rows(path: Path, max_rows: int) -> tuple[list[list[str]], set[int]]:
    from xlkit.reader import open_workbook  # the safe opener, shared with the reader

    try:
        workbook = open_workbook(path)
    except XlkitError as error:  # the file is named: in a folder of lists it is one of many (red team)
        raise RosterError(f"Elevlisten {path}: {error}") from None
    if _made_by_xlkit(workbook):  # its counts and scale were made students (red team)
        raise RosterError(f"{path} er et skema lavet af xlkit, ikke en elevliste; brug elevlisten fra "
                          "elevadministrationen (et elevvurderingsskema følger klassen gennem alle dens år).")
    sheet = _list_sheet(workbook, path)
    last = min(sheet.max_row, max_rows + 1)
    rows = [[_text(cell) for cell in row] for row in sheet.iter_rows(
        min_row=1, min_col=1, max_row=last, max_col=min(sheet.max_column, MAX_LIST_COLUMNS))]
    if len(rows) > max_rows and any(cell.strip() for cell in rows[max_rows]):  # the rest was cut without a word
        raise RosterError(f"Elevlisten {path} har over {max_rows:,} rækker".replace(",", ".") + "; xlkit læser ikke "
                          "så lange lister. Er det en liste over flere skoler? Del den, og prøv igen.")
    hidden = {number for number, dimension in sheet.row_dimensions.items()
              if dimension.hidden and isinstance(number, int) and number <= max_rows}
    return rows[:max_rows], hidden


def _made_by_xlkit(workbook) -> bool:
    """Whether the workbook is one xlkit made (an elevvurderingsskema, an overbliksark): it
    carries the very hidden metadata sheet."""
    from xlkit.workbook import METADATA_SHEET

    return METADATA_SHEET in workbook.sheetnames and workbook[METADATA_SHEET].sheet_state == "veryHidden"


def _list_sheet(workbook, path: Path):
    """The sheet with the list: the one visible sheet with a name column in its first rows.
    The first sheet was read even when hidden (an old list) or empty, with the list on the
    next (found by the red team: last year's students in the workbook). A hidden sheet is
    never read; two visible lists are refused, for either could be the class's."""
    def has_list(sheet) -> bool:
        return _header_index([[_text(cell) for cell in row] for row in sheet.iter_rows(
            min_row=1, max_row=min(sheet.max_row, 200), max_col=min(sheet.max_column, MAX_LIST_COLUMNS))]) is not None

    visible = [sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible"]
    lists = [sheet for sheet in visible if has_list(sheet)]
    if not lists:
        hidden = [without_cpr(sheet.title) for sheet in workbook.worksheets
                  if sheet.sheet_state != "visible" and has_list(sheet)]
        if hidden:
            raise RosterError(f"Elevlisten {path} har kun elever på et skjult ark ('{hidden[0]}'). Er det den rigtige "
                              "liste, så vis arket (Vis skjulte ark), og prøv igen.")
        if not visible:
            raise RosterError(f"Elevlisten {path} har ingen synlige ark. Vis arket med eleverne, og prøv igen.")
    if len(lists) > 1:
        names = ", ".join(f"'{without_cpr(sheet.title)}'" for sheet in lists[:5]) + (" …" if len(lists) > 5 else "")
        raise RosterError(f"Elevlisten {path} har elever på flere ark ({names}), og xlkit ved ikke, hvilket der er "
                          "listen. Gem listen i en fil med kun ét ark, og prøv igen.")
    return lists[0] if lists else visible[0]


def _text(cell) -> str:
    """A cell of an .xlsx list as text. A CPR number typed in Excel lost its leading zero:
    it is kept one. A cell showing an error (a failed lookup) is marked, not taken as a name."""
    value = cell.value
    if value is None:
        return ""
    if cell.data_type == "e":
        return ErrorValue(str(value))
    return f"{int(value):010d}" if looks_like_cpr(value) and not isinstance(value, str) else str(value)


def _class_text(klasse: str, grade: str) -> str:
    """The class as one text: "A" with a Klassetrin column of 7 is "7.A"; a class that says
    its grade ("7.A") keeps it."""
    if klasse and grade and not any(c.isdigit() for c in klasse) and re.fullmatch(r"\d{1,2}\.?", grade):
        return f"{grade.rstrip('.')}.{klasse}"
    return klasse


def _header_index(rows: list[list[str]]) -> int | None:
    """Which of the first non-blank rows is the header row (names a name column): exports
    often carry a title or a date above it."""
    filled = [row for row in rows if any(cell.strip() for cell in row)]
    for index, row in enumerate(filled[:10]):
        headers = {cell.strip().lower() for cell in row}
        if headers & (NAME_HEADERS | FIRST_NAME_HEADERS):
            return index
    return None


def _student_rows(rows: list[list[str]], hidden: set[int], path: Path, with_class: bool | None = False) -> list[SchoolRow]:
    """The rows under the header; `with_class`: True requires a class column, None reads it
    where there is one. `hidden`: numbers of rows hidden in the sheet."""
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    rows = [row for _, row in numbered]
    if not rows:
        raise RosterError(f"Elevlisten {path} er tom.")
    header_index = _header_index(rows)
    if header_index is None:
        raise RosterError(
            f"Elevlisten {path} mangler en kolonne med elevens navn. "
            "Der skal være en overskriftsrække med fx 'Navn' og 'UNI-login'."
        )
    headers = [cell.strip().lower() for cell in rows[header_index]]

    def column(names: set[str]) -> int | None:
        return next((i for i, header in enumerate(headers) if header in names), None)

    name_col, uni_col, class_col, grade_col = (column(NAME_HEADERS), column(UNI_HEADERS), column(CLASS_HEADERS),
                                               column(GRADE_HEADERS))
    first_col, middle_col, last_col = column(FIRST_NAME_HEADERS), column(MIDDLE_NAME_HEADERS), column(LAST_NAME_HEADERS)
    if with_class and class_col is None:
        raise RosterError(f"Elevlisten {path} mangler en kolonne med elevens klasse (fx 'Klasse' eller 'Hovedgruppe'). "
                          "Tilføj den, eller brug en mappe med én elevliste pr. klasse.")

    def cell(row: list[str], col: int | None) -> str:
        # a line break or other control character (some exports write line breaks as vertical
        # tabs) becomes one space: in a cached formula value it broke the workbook's XML (review)
        if col is None or col >= len(row):
            return ""
        if row[col].__class__ is ErrorValue:
            raise RosterError(f"Elevlisten {path}: celle {get_column_letter(col + 1)}{number} viser {row[col].shown}, "
                              "ikke en elev. Ret formlen, eller skriv værdien i stedet, og prøv igen.")
        # one form of æ, ø and å: "Åse" with a separate ring (a Mac's decomposed text) was another name (red team)
        return " ".join(CONTROL_CHARACTERS.sub(" ", unicodedata.normalize("NFC", row[col])).split())

    found = []
    for number, row in numbered[header_index + 1:]:
        if name_col is not None:
            name = cell(row, name_col)
        else:
            name = " ".join(part for part in (cell(row, first_col), cell(row, middle_col), cell(row, last_col)) if part)
        if name:
            uni_login = cell(row, uni_col)
            if len(name) > MAX_NAME or len(uni_login) > MAX_NAME:  # the writer would cut it without a word
                raise RosterError(f"Elevlisten {path}, række {number}: navnet eller UNI-login er over {MAX_NAME} tegn "
                                  "langt; er kolonnerne blandet sammen? Ret elevlisten.")
            if looks_like_cpr(name) or looks_like_cpr(uni_login):
                raise RosterError(f"Elevlisten {path}, række {number}: navnet eller UNI-login ligner et CPR-nummer. "
                                  "xlkit skriver ikke CPR-numre i skemaer; ret elevlisten.")
            found.append(SchoolRow(_class_text(cell(row, class_col), cell(row, grade_col)) if with_class is not False
                                   else "", number, Student(name, uni_login), number in hidden))
        elif cell(row, uni_col):  # the student would be left out of the class without a word (review)
            raise RosterError(f"Elevlisten {path}, række {number} har et UNI-login, men intet navn. Skriv navnet, "
                              "eller slet rækken, og prøv igen.")
    if not found:
        raise RosterError(f"Elevlisten {path} indeholder ingen elever under overskrifterne.")
    return found

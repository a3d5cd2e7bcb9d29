"""Reading an OpenDocument spreadsheet (.ods): the file a teacher gets when LibreOffice
saves the workbook in its own format. LibreOffice keeps the names, the hidden sheet and
the values, so the readers read it like the .xlsx it came from.

The cells are read here in one streaming pass over content.xml (defusedxml, no DTD), not
by calamine: an .ods compresses a block of equal cells into one element with a repeat
count, so a 1 kB file can ask for 16 billion cells, and calamine expands up to 100
million before it refuses. Here repeats are expanded only inside the template's size
(MAX_ROWS x MAX_COLUMNS), and a file that asks for more than MAX_CELLS values, or has more
than MAX_PARSED_CELLS cell elements to parse, is refused.
Each element is dropped once read, and nesting and the elements inside one cell are
limited, so memory follows the kept values rather than the file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from defusedxml import ElementTree
from openpyxl.utils import get_column_letter

from xlkit.book import (MAX_COLUMNS, MAX_ERROR_TEXT, MAX_MERGED_RANGES, MAX_NAMES, MAX_PARSED_CELLS, MAX_ROWS,
                        MAX_SHEETS, MAX_TEXT_BYTES, BaseBook, DefinedName, Sheet, _within, column_rows, danish_time,
                        saved_date)
from xlkit.errors import InvalidWorkbook
from xlkit.package import small_part
from xlkit.values import ErrorValue, Percent, danish_number
from xlkit.workbook import MAX_CELL_TEXT, METADATA_SHEET

SPREADSHEET_TYPE = b"application/vnd.oasis.opendocument.spreadsheet"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
CELLS = (TABLE + "table-cell", TABLE + "covered-table-cell")
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
EXTERNAL = {TABLE + "table-source", TABLE + "cell-range-source", OFFICE + "dde-source"}  # links to other files
MAX_CELLS = 1_000_000  # values (and formulas without one) kept per file; a class workbook has a few thousand
MAX_CONTENT_TAGS = 1_000_000  # elements of content.xml; an overbliksark saved by LibreOffice has about 10,000
MAX_DEPTH = 64  # nesting of elements; LibreOffice writes at most about 15
MAX_CELL_ELEMENTS = 10_000  # paragraphs, spans, spaces inside one cell; a typed name has a handful
REPEAT = re.compile(r"[1-9][0-9]{0,7}")  # ODS sheets have at most 1,048,576 rows and 16,384 columns
# a module in a macro library folder (an emptied library keeps only its index, script-lb.xml)
MACRO_PART = re.compile(r"(?i)(?:basic|scripts)/[^/]+/(?!(?:script|dialog)-lb\.xml$).")
# LibreOffice keeps a boolean from an .xlsx as the formula =TRUE() or =FALSE() with the number 1 or 0
BOOLEAN_FORMULAS = {"of:=true()": True, "of:=false()": False}
# $Sheet.$A$1:.$B$9 or $'Sheet name'.$A$1 as LibreOffice writes a named range; the sheet may
# be repeated after the colon, and the dollars left out
SHEET = r"\$?('(?:[^']|'')+'|[^.' :$][^.' :]*)"
CELL = r"(\$?[A-Z]{1,3}\$?[0-9]{1,7})"
RANGE_ADDRESS = re.compile(rf"{SHEET}\.{CELL}(?::(?:{SHEET})?\.{CELL})?")
DURATION = re.compile(r"PT(\d{1,6})H(\d{1,2})M(\d{1,2}(?:\.\d+)?)S")
NAMES_PATH = (OFFICE + "spreadsheet", TABLE + "named-expressions")  # where the workbook-level names are


def is_ods(archive: zipfile.ZipFile) -> bool:
    """Whether the package is an OpenDocument spreadsheet (its mimetype entry names the type)."""
    info = archive.NameToInfo.get("mimetype")
    try:
        return info is not None and info.file_size <= 100 and archive.read(info).strip() == SPREADSHEET_TYPE
    except Exception:  # a damaged entry: the workbook reader reports the damage
        return False


@dataclass
class _SheetCells:
    """What one sheet's rows leave behind: kept values and, per cell, merges and formulas
    without a result (1-based)."""

    title: str
    rows: dict[int, dict] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    without_value: list[tuple[int, int]] = field(default_factory=list)
    has_values: bool = False
    far: bool = False  # values beyond MAX_ROWS x MAX_COLUMNS, cut away
    linked: bool = False  # LibreOffice's copy of another file's sheet, not a sheet of this one


@dataclass
class _Row:
    values: dict[int, object] = field(default_factory=dict)  # 0-based column -> value
    merges: list[tuple[int, int, int]] = field(default_factory=list)  # column, rows spanned, columns spanned
    without_value: list[int] = field(default_factory=list)  # columns
    column: int = 0


class OdsSheet(Sheet):
    """One sheet, read in full by OdsBook."""

    def __init__(self, book: "OdsBook", title: str):
        super().__init__(book, title)
        self._cells = book.sheet_cells[title]
        self._rows = _dense(self._cells.rows)

    def _load(self, rows_needed: int) -> list[list]:
        return self._rows

    @property
    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        return self._cells.merged

    def formulas_without_value(self, areas: list[tuple[int, int, int, int]]) -> list[tuple[int, int, str]]:
        rows = column_rows([(c1, r1, c2, r2) for r1, c1, r2, c2 in areas])  # one repeated cell can be 700,000
        return sorted((row, col, f"{get_column_letter(col)}{row}") for row, col in self._cells.without_value
                      if col - 1 in rows and _within(rows[col - 1], row - 1))


class OdsBook(BaseBook):
    """The parts of an .ods the readers need, with the same interface as the .xlsx Book
    (a password-protected package is decrypted by odfcrypt first)."""

    sheet_type = OdsSheet

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive  # checked against the zip limits by the reader (package.check_zip)
        if "content.xml" not in archive.NameToInfo:
            raise InvalidWorkbook("Regnearket (.ods) mangler sit indhold (content.xml); filen er beskadiget.")
        self.sheet_cells: dict[str, _SheetCells] = {}
        self.defined_names: dict[str, DefinedName] = {}
        self._links: set[str] = set()
        self._kept = 0
        self._parsed = 0  # cell elements, whatever they repeat
        self._text = 0  # characters of the text values made
        content = archive.read("content.xml")
        if content.count(b"<") > MAX_CONTENT_TAGS:  # each element is parsed in Python
            raise InvalidWorkbook("Regnearkets indhold har unormalt mange dele; det er ikke et klasseskema.")
        self._read_content(content)
        self.sheetnames = list(self.sheet_cells)
        self.external_links = sorted(self._links)
        # as in an .xlsx, only the sheets xlkit reads are said to be cut
        read = {sheet for name in self.defined_names.values() for sheet, _ in name.destinations} | {METADATA_SHEET}
        self.trimmed_sheets = [title for title, cells in self.sheet_cells.items() if cells.far and title in read]
        self.has_macros = any(MACRO_PART.match(name) for name in archive.namelist())
        self.modified = self._modified()
        self._sheets: dict[str, Sheet] = {}

    def has_values(self, title: str) -> bool:
        return self.sheet_cells[title].has_values

    def _modified(self) -> dt.datetime | None:
        # LibreOffice writes dc:date in the local time of the computer that saved the file, with
        # no zone (7.4 under Europe/Copenhagen: 11:40:17 at 10:40:17 UTC). Read as UTC, a Danish
        # teacher's .ods looked an hour or two newer and won over a later .xlsx (found by the red
        # team). The files come from Danish schools, so such a time is taken as Danish time, the
        # same wherever xlkit runs (a server in UTC); a time with a zone is converted as before.
        return saved_date(small_part(self.archive, "meta.xml"), f".//{DC_DATE}", zoneless=danish_time())

    def _read_content(self, xml: bytes) -> None:
        """Every sheet's cells, the names and the links, in one pass."""
        sheet: _SheetCells | None = None
        title = ""
        row_number = 0  # 0-based, of the next row in the sheet
        row: _Row | None = None
        in_cell = 0  # elements started inside the current cell (the cell itself included)
        path: list = []  # the open elements
        titles: set[str] = set()  # casefolded
        for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end"), forbid_dtd=True):
            tag = element.tag
            if event == "start":
                path.append(element)
                if len(path) > MAX_DEPTH:
                    raise InvalidWorkbook("Regnearkets indhold er usædvanligt dybt indlejret; filen er ændret med et andet program.")
                if in_cell:
                    in_cell += 1
                    if in_cell > MAX_CELL_ELEMENTS:
                        raise InvalidWorkbook("En celle i regnearket har usædvanligt mange dele; filen er ændret med et andet program.")
            else:
                path.pop()
            if event == "end" and tag in EXTERNAL:
                self._links.add(element.get(XLINK_HREF) or "{} {}".format(element.get(OFFICE + "dde-application"),
                                                                           element.get(OFFICE + "dde-topic")))
                if tag == TABLE + "table-source" and sheet is not None and path[-1].tag == TABLE + "table":
                    sheet.linked = True  # the copy LibreOffice keeps of a sheet in another file
            if tag == TABLE + "table":
                parent = path[-2].tag if event == "start" and len(path) > 1 else None
                if event == "start" and parent == TABLE + "dde-link" and sheet is None:  # the copy kept of a DDE link's data
                    title, sheet, row_number = "", _SheetCells("", linked=True), 0
                elif event == "start":
                    if sheet is not None or parent != OFFICE + "spreadsheet":
                        raise InvalidWorkbook("Et ark ligger et forkert sted i filen; filen er ændret med et andet program.")
                    title = element.get(TABLE + "name") or ""
                    sheet, row_number = _SheetCells(title), 0
                    if title.casefold() in titles:  # Excel and LibreOffice ignore case in sheet names
                        raise InvalidWorkbook("Regnearket har flere ark med samme navn; filen er ændret med et andet program.")
                    titles.add(title.casefold())
                    if len(titles) > MAX_SHEETS:
                        raise InvalidWorkbook(f"Regnearket har over {danish_number(MAX_SHEETS)} ark; "
                                              "det er ikke et klasseskema.")
                else:
                    if not sheet.linked:
                        self.sheet_cells[title] = sheet
                    sheet = None
            elif sheet is None:
                if event == "end" and tag == TABLE + "named-range" and tuple(e.tag for e in path[-2:]) == NAMES_PATH:
                    self._define(element)
            elif tag in CELLS:
                if event == "start":
                    if in_cell:
                        raise InvalidWorkbook("En celle ligger inde i en anden celle. Det laver intet "
                                              "regnearksprogram, så filen er ændret med et andet program.")
                    in_cell = 1
                    self._parsed += 1
                    if self._parsed > MAX_PARSED_CELLS:  # each costs a few microseconds: the time limit's worth
                        raise InvalidWorkbook(f"Regnearket har for mange celler (over {danish_number(MAX_PARSED_CELLS)}; "
                                              "et klasseskema har nogle få tusinde). Filen er ikke læst.")
                else:
                    in_cell = 0
                    if row is not None and (text := _read_cell(element, row, sheet)).__class__ is str:
                        self._text += len(text)  # kept once, however often it repeats
                        if self._text > MAX_TEXT_BYTES:  # <text:s text:c="32767"/> in each of 100,000 cells
                            raise InvalidWorkbook(f"Regnearkets tekster fylder over {MAX_TEXT_BYTES // 2**20} MB; "
                                                  "det er ikke et klasseskema.")
            elif tag == TABLE + "table-row" and not in_cell:
                if event == "start":
                    if row is not None:
                        raise InvalidWorkbook("En række ligger inde i en anden række; filen er ændret med et andet program.")
                    row = _Row()
                else:
                    repeat = _count(element.get(TABLE + "number-rows-repeated"))
                    self._keep_row(sheet, row, row_number, repeat)
                    row_number += repeat
                    row = None
            if event == "end" and not in_cell and path:
                path[-1].remove(element)  # read, so dropped

    def _keep_row(self, sheet: _SheetCells, row: _Row, first: int, repeat: int) -> None:
        """A row's cells, repeated, within the template's size; far rows are cut away."""
        if not (row.values or row.merges or row.without_value):
            return
        kept = max(0, min(first + repeat, MAX_ROWS) - first)
        sheet.far = sheet.far or (bool(row.values) and first + repeat > MAX_ROWS)
        self._kept += kept * (len(row.values) + len(row.without_value))
        if self._kept > MAX_CELLS:
            raise InvalidWorkbook(f"Regnearket har over {danish_number(MAX_CELLS)} udfyldte celler; "
                                  "det er ikke et klasseskema.")
        for index in range(first, first + kept):
            if row.values:
                sheet.rows[index] = row.values
            sheet.without_value.extend((index + 1, col + 1) for col in row.without_value)
            sheet.merged.extend((index + 1, col + 1, index + rows, col + columns) for col, rows, columns in row.merges)
            if len(sheet.merged) > MAX_MERGED_RANGES:
                raise InvalidWorkbook(f"Arket '{sheet.title}' har over {danish_number(MAX_MERGED_RANGES)} flettede områder; "
                                      "filen er ændret med et andet program.")

    def _define(self, element) -> None:
        """A workbook-level named range, written the way the .xlsx reader knows names."""
        name = element.get(TABLE + "name") or ""
        if len(self.defined_names) >= MAX_NAMES:
            raise InvalidWorkbook(f"Regnearket har over {danish_number(MAX_NAMES)} navngivne områder; "
                                  "det er ikke et klasseskema.")
        match = RANGE_ADDRESS.fullmatch(element.get(TABLE + "cell-range-address") or "")
        sheet, first, other_sheet, last = match.groups() if match else (None,) * 4
        if sheet and (other_sheet is None or _unquoted(other_sheet) == _unquoted(sheet)):
            area = f"{first}:{last}" if last else first
            self.defined_names[name] = DefinedName(name, "'{}'!{}".format(_unquoted(sheet).replace("'", "''"), area))
        else:  # several areas, whole rows, two sheets: no single rectangle to read
            self.defined_names[name] = DefinedName(name, "")


def _read_cell(cell, row: _Row, sheet: _SheetCells) -> object:
    """One cell element, repeated along the row, into `row` (columns beyond the template's
    size are cut away); its value."""
    col, repeat = row.column, _count(cell.get(TABLE + "number-columns-repeated"))
    row.column += repeat
    columns = range(col, min(col + repeat, MAX_COLUMNS))
    rows_spanned = _count(cell.get(TABLE + "number-rows-spanned"))
    columns_spanned = _count(cell.get(TABLE + "number-columns-spanned"))
    if rows_spanned > 1 or columns_spanned > 1:
        row.merges.extend((c, rows_spanned, columns_spanned) for c in columns)
    value = _value(cell)
    if value is None:
        if cell.get(TABLE + "formula") is not None and cell.get(OFFICE + "value-type") is None:
            row.without_value.extend(columns)
        return None
    sheet.has_values = True
    sheet.far = sheet.far or col + repeat > MAX_COLUMNS
    for column in columns:
        row.values[column] = value
    return value


def _unquoted(sheet: str) -> str:
    return sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet


def _count(text: str | None, what: str = "en ugyldig gentagelse af celler") -> int:
    """A repeat, span or space count (1 when absent); InvalidWorkbook naming `what` when it
    is not a plain positive number of at most eight digits."""
    if text is None:
        return 1
    if not REPEAT.fullmatch(text):
        raise InvalidWorkbook(f"Regnearket har {what}; filen er ændret med et andet program.")
    return int(text)


def _dense(rows: dict[int, dict]) -> list[list]:
    """Rows of values from their kept cells, as Sheet.values reads them (None where empty)."""
    if not rows:
        return []
    dense = [[] for _ in range(max(rows) + 1)]
    made: dict[int, list] = {}  # a repeated row is made once
    for index, line in rows.items():
        if id(line) not in made:
            made[id(line)] = [line.get(column) for column in range(max(line) + 1)]
        dense[index] = made[id(line)]
    return dense


def _value(cell):
    """The cell's value as openpyxl gives it (whole numbers as int), or None when empty."""
    kind = cell.get(OFFICE + "value-type")
    if kind is None:  # no value; text without a type is shown as text
        return None if cell.get(TABLE + "formula") is not None else _text(cell) or None
    if cell.get(CALCEXT + "value-type") == "error":
        return ErrorValue(_text(cell)[:MAX_ERROR_TEXT])
    if kind in ("float", "percentage", "currency"):
        formula = (cell.get(TABLE + "formula") or "").lower()
        if formula in BOOLEAN_FORMULAS:
            return BOOLEAN_FORMULAS[formula]
        number = _number(cell.get(OFFICE + "value"))
        if number is None:
            return _text(cell)
        return Percent(number) if kind == "percentage" else number
    if kind == "boolean":
        return cell.get(OFFICE + "boolean-value") in ("true", "1")
    if kind == "date":
        try:
            moment = dt.datetime.fromisoformat(cell.get(OFFICE + "date-value") or "")
        except ValueError:
            return _text(cell)
        return moment.date() if moment.time() == dt.time() else moment  # as calamine reads a date in .xlsx
    if kind == "time":
        match = DURATION.fullmatch(cell.get(OFFICE + "time-value") or "")
        if not match:
            return _text(cell)
        hours, minutes, seconds = match.groups()
        return dt.timedelta(hours=int(hours), minutes=int(minutes), seconds=float(seconds))
    text = cell.get(OFFICE + "string-value")
    return (_text(cell) if text is None else text) or None


def _number(text: str | None) -> float | int | None:
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


def _text(cell) -> str:
    """A cell's shown text: its paragraphs, with runs of spaces, tabs and line breaks as
    typed, at most as long as a cell holds. Comments (office:annotation) are not part of it."""
    parts: list[str] = []
    length = 0
    for paragraph in (p for p in cell if p.tag == TEXT + "p"):
        if parts:
            parts.append("\n")
        stack = [(paragraph, False)]
        while stack and length <= MAX_CELL_TEXT:  # depth-first; spans may nest
            element, done = stack.pop()
            if done:
                part = element.tail or ""
            else:
                if element is not paragraph:
                    stack.append((element, True))  # its tail follows its content
                if element.tag == TEXT + "s":
                    part = " " * min(_count(element.get(TEXT + "c"), "et ugyldigt antal mellemrum i en tekst"),
                                     MAX_CELL_TEXT)
                elif element.tag == TEXT + "tab":
                    part = "\t"
                elif element.tag == TEXT + "line-break":
                    part = "\n"
                else:
                    part = element.text or ""
                    stack.extend((child, False) for child in reversed(element))
            parts.append(part)
            length += len(part)
    return "".join(parts)[:MAX_CELL_TEXT]

"""Reading an OpenDocument spreadsheet (.ods): the file a teacher gets when LibreOffice
saves the workbook in its own format. LibreOffice keeps the names, the hidden sheet and
the values, so the readers read it like the .xlsx it came from.

The cells are read here in one streaming pass over content.xml (defusedxml, no DTD), not
by calamine: an .ods compresses a block of equal cells into one element with a repeat
count, so a 1 kB file can ask for 16 billion cells, and calamine expands up to 100
million before it refuses. Here repeats are expanded only inside the template's size
(MAX_ROWS x MAX_COLUMNS), and a file that asks for more than MAX_CELLS values is refused.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from defusedxml import ElementTree
from openpyxl.utils import get_column_letter

from xlkit.book import (MAX_COLUMNS, MAX_MERGED_RANGES, MAX_NAMES, MAX_ROWS, MAX_SHEETS, MAX_WORKBOOK_PART, Book,
                        BookSheet, DefinedName)
from xlkit.errors import InvalidWorkbook
from xlkit.values import danish_number

SPREADSHEET_TYPES = (b"application/vnd.oasis.opendocument.spreadsheet",
                     b"application/vnd.oasis.opendocument.spreadsheet-template")
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
CELLS = (TABLE + "table-cell", TABLE + "covered-table-cell")
EXTERNAL = {TABLE + "table-source", TABLE + "cell-range-source", OFFICE + "dde-source", TABLE + "dde-link"}
MAX_CELLS = 1_000_000  # values kept per file; a class workbook has a few thousand
MAX_SPACES = 1_000  # one <text:s text:c="…"/>: a cell holds at most 32,767 characters anyway
REPEAT = re.compile(r"[1-9][0-9]{0,7}")  # ODS sheets have at most 1,048,576 rows and 16,384 columns
MACRO_PART = re.compile(r"(?i)(?:basic|scripts)/[^/]+/.")  # a library folder with a module in it
# $Sheet.$A$1:.$B$9 or $'Sheet name'.$A$1 as LibreOffice writes a named range; the sheet may
# be repeated after the colon, and the dollars left out
SHEET = r"\$?('(?:[^']|'')+'|[^.' :$][^.' :]*)"
CELL = r"(\$?[A-Z]{1,3}\$?[0-9]{1,7})"
RANGE_ADDRESS = re.compile(rf"{SHEET}\.{CELL}(?::(?:{SHEET})?\.{CELL})?")
DURATION = re.compile(r"PT(\d{1,6})H(\d{1,2})M(\d{1,2}(?:\.\d+)?)S")


def is_ods(archive: zipfile.ZipFile) -> bool:
    """Whether the package is an OpenDocument spreadsheet (its first entry names the type)."""
    info = archive.NameToInfo.get("mimetype")
    try:
        return info is not None and info.file_size <= 100 and archive.read(info).strip() in SPREADSHEET_TYPES
    except Exception:  # a damaged entry: the workbook reader reports the damage
        return False


class OdsSheet(BookSheet):
    """One sheet, read in full by OdsBook: values (as openpyxl gives them), merged ranges
    and formula cells that carry no result."""

    def __init__(self, book: "OdsBook", title: str):
        super().__init__(book, title)
        self._rows = book.rows[title]
        self._merged = book.merged[title]
        self._without_value = book.without_value[title]

    def _load(self, rows_needed: int) -> list[list]:
        return self._rows

    @property
    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        return self._merged

    def formulas_without_value(self, areas: list[tuple[int, int, int, int]]) -> list[tuple[int, int, str]]:
        return [(row, col, f"{get_column_letter(col)}{row}") for row, col in self._without_value
                if any(r1 <= row <= r2 and c1 <= col <= c2 for r1, c1, r2, c2 in areas)]


class OdsBook(Book):
    """The parts of an .ods the readers need, with the same interface as the .xlsx Book."""

    sheet_type = OdsSheet

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive  # checked against the zip limits by the reader (reader.check_zip)
        names = archive.namelist()
        if b"encryption-data" in self._small_part("META-INF/manifest.xml"):
            raise InvalidWorkbook("Filen er beskyttet med adgangskode. Gem den uden adgangskode (i LibreOffice: "
                                  "Filer > Gem som, uden 'Gem med adgangskode'), eller som .xlsx.")
        if "content.xml" not in archive.NameToInfo:
            raise InvalidWorkbook("Regnearket (.ods) mangler sit indhold (content.xml); filen er beskadiget.")
        self.sheetnames: list[str] = []
        self.defined_names: dict[str, DefinedName] = {}
        self.rows: dict[str, list[list]] = {}
        self.merged: dict[str, list[tuple[int, int, int, int]]] = {}
        self.without_value: dict[str, list[tuple[int, int]]] = {}
        self.trimmed_sheets: list[str] = []
        self.external_links: list[str] = []
        self._with_values: set[str] = set()
        self._cells = 0
        self._read_content(archive.read("content.xml"))
        self.has_macros = any(MACRO_PART.match(name) for name in names)
        self.date1904 = False  # .ods stores dates as dates
        self.modified = self._modified()
        self._sheets: dict[str, BookSheet] = {}

    def has_values(self, title: str) -> bool:
        return title in self._with_values

    def _small_part(self, name: str) -> bytes:
        info = self.archive.NameToInfo.get(name)
        if info is None:
            return b""
        if info.file_size > MAX_WORKBOOK_PART:
            raise InvalidWorkbook(f"Delen {name} er unormalt stor; filen er ændret.")
        return self.archive.read(info)

    def _modified(self) -> dt.datetime | None:
        meta = self._small_part("meta.xml")
        if not meta:
            return None
        element = ElementTree.fromstring(meta, forbid_dtd=True).find(f".//{DC_DATE}")
        try:
            return dt.datetime.fromisoformat((element.text or "").replace("Z", "+00:00")).replace(tzinfo=None)
        except (AttributeError, ValueError):
            return None

    def _read_content(self, xml: bytes) -> None:
        """Every sheet's cells, names and links in one pass; elements are dropped as soon as
        they are read, so memory follows the kept values, not the file."""
        title = None  # the sheet being read
        row_element = None
        rows: dict[int, list] = {}
        row = col = 0
        line: dict[int, object] = {}
        depth = 0  # of cells: a cell inside a cell is refused, as in .xlsx
        open_elements = []
        for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end"), forbid_dtd=True):
            tag = element.tag
            if event == "start":
                open_elements.append(element)
            else:
                open_elements.pop()
            if tag == TABLE + "table":
                if event == "start":
                    if title is not None:
                        raise InvalidWorkbook("Et ark ligger inde i et andet ark; filen er ændret.")
                    title, rows, row = element.get(TABLE + "name") or "", {}, 0
                    self._new_sheet(title)
                else:
                    self.rows[title] = _dense(rows)
                    title = None
            elif title is None:
                if event == "end" and tag == TABLE + "named-range":
                    self._define(element)
                elif event == "end" and tag in EXTERNAL:
                    self.external_links.append(tag)
            elif tag in CELLS:
                if event == "start" and depth:
                    raise InvalidWorkbook("En celle ligger inde i en anden celle. Det laver intet "
                                          "regnearksprogram, så filen er ændret.")
                depth = 1 if event == "start" else 0
                if event == "end":
                    repeat = _count(element.get(TABLE + "number-columns-repeated"))
                    if row_element is not None:
                        self._cell(title, element, row, col, repeat, line)
                    col += repeat
            elif tag == TABLE + "table-row" and not depth:
                if event == "start":
                    if row_element is not None:
                        raise InvalidWorkbook("En række ligger inde i en anden række; filen er ændret.")
                    row_element, line, col = element, {}, 0
                else:
                    repeat = _count(element.get(TABLE + "number-rows-repeated"))
                    if line:
                        self._keep_row(title, rows, row, repeat, line)
                    row += repeat
                    row_element = None
            elif event == "end" and tag in EXTERNAL:
                self.external_links.append(tag)
            if event == "end" and not depth and open_elements:
                open_elements[-1].remove(element)  # read, so dropped: memory follows the kept values
        if len(self.sheetnames) != len(set(self.sheetnames)):
            raise InvalidWorkbook("Regnearket har flere ark med samme navn; filen er ændret.")

    def _new_sheet(self, title: str) -> None:
        self.sheetnames.append(title)
        if len(self.sheetnames) > MAX_SHEETS:
            raise InvalidWorkbook(f"Regnearket har over {danish_number(MAX_SHEETS)} ark; det er ikke et klasseskema.")
        self.merged[title], self.without_value[title] = [], []

    def _cell(self, title: str, element, row: int, col: int, repeat: int, line: dict) -> None:
        """One cell element (repeated `repeat` times from column `col`, 0-based) into `line`."""
        value = _value(element)
        if value is None:
            if element.get(TABLE + "formula") is not None and element.get(OFFICE + "value-type") is None:
                if row < MAX_ROWS and col < MAX_COLUMNS:
                    self.without_value[title].append((row + 1, col + 1))
            return
        self._with_values.add(title)
        if row >= MAX_ROWS or col + repeat > MAX_COLUMNS:
            if title not in self.trimmed_sheets:
                self.trimmed_sheets.append(title)
        for column in range(col, min(col + repeat, MAX_COLUMNS)):
            line[column] = value
        rows_spanned = _count(element.get(TABLE + "number-rows-spanned"))
        columns_spanned = _count(element.get(TABLE + "number-columns-spanned"))
        if (rows_spanned > 1 or columns_spanned > 1) and row < MAX_ROWS and col < MAX_COLUMNS:
            self.merged[title].append((row + 1, col + 1, row + rows_spanned, col + columns_spanned))
            if len(self.merged[title]) > MAX_MERGED_RANGES:
                raise InvalidWorkbook(f"Arket '{title}' har over {danish_number(MAX_MERGED_RANGES)} flettede områder; "
                                      "filen er ændret.")

    def _keep_row(self, title: str, rows: dict, row: int, repeat: int, line: dict) -> None:
        """A row's values, repeated, within the template's size; far rows are cut away."""
        if row + repeat > MAX_ROWS and title not in self.trimmed_sheets:
            self.trimmed_sheets.append(title)
        kept = max(0, min(row + repeat, MAX_ROWS) - row)
        self._cells += kept * len(line)
        if self._cells > MAX_CELLS:
            raise InvalidWorkbook(f"Regnearket har over {danish_number(MAX_CELLS)} udfyldte celler; "
                                  "det er ikke et klasseskema.")
        for index in range(row, row + kept):
            rows[index] = line

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


def _unquoted(sheet: str) -> str:
    return sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet


def _count(text: str | None) -> int:
    if text is None:
        return 1
    if not REPEAT.fullmatch(text):
        raise InvalidWorkbook("Regnearket har en ugyldig gentagelse af celler; filen er ændret.")
    return int(text)


def _dense(rows: dict[int, dict]) -> list[list]:
    """Rows of values from their kept cells, as BookSheet reads them (None where empty)."""
    if not rows:
        return []
    dense = [[] for _ in range(max(rows) + 1)]
    cache: dict[int, list] = {}  # a repeated row is made once
    for index, line in rows.items():
        made = cache.get(id(line))
        if made is None:
            made = cache[id(line)] = [line.get(column) for column in range(max(line) + 1)]
        dense[index] = made
    return dense


def _value(cell):
    """The cell's value as openpyxl gives it (whole numbers as int), or None when empty."""
    kind = cell.get(OFFICE + "value-type")
    if kind is None or cell.get(CALCEXT + "value-type") == "error":
        return None
    if kind in ("float", "percentage", "currency"):
        number = _number(cell.get(OFFICE + "value"))
        return number if number is not None else _text(cell)
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
    text = _text(cell) if text is None else text
    return text or None


def _number(text: str | None) -> float | int | None:
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


def _text(cell) -> str:
    """A cell's shown text: its paragraphs, with runs of spaces, tabs and line breaks as
    typed. Comments (office:annotation) are not part of it."""
    return "\n".join(_paragraph(p) for p in cell if p.tag == TEXT + "p")


def _paragraph(paragraph) -> str:
    parts = []
    stack = [(paragraph, False)]
    while stack:  # depth-first without recursion: spans may nest deeply in a forged file
        element, done = stack.pop()
        if done:
            parts.append(element.tail or "")
            continue
        if element is not paragraph:
            stack.append((element, True))
        if element.tag == TEXT + "s":
            parts.append(" " * min(_count(element.get(TEXT + "c")), MAX_SPACES))
        elif element.tag == TEXT + "tab":
            parts.append("\t")
        elif element.tag == TEXT + "line-break":
            parts.append("\n")
        else:
            parts.append(element.text or "")
            stack.extend((child, False) for child in reversed(element))
    return "".join(parts)

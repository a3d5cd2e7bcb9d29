"""A fast, read-only view of an untrusted .xlsx for the readers and consolidation.

Values come from python-calamine (Rust, far faster than openpyxl); the small parts calamine
does not expose (defined names, sheet files, document dates) are parsed here with
defusedxml. Before anything is parsed the caller has checked the zip directory
(package.check_zip).

calamine never opens the teacher's file: it reads a small package written here from the
sheets the readers ask for, each checked first, so a forged cell at XFD1048576 is cut away
before calamine would allocate the whole range, and relationship tricks cannot point it
at a sheet nobody checked. Sheets no defined name points to are never even inflated.

Readers take the values of a named rectangle as a `Region` (plain values, no object per
cell); `book[sheet][area]` gives openpyxl-like cells where that is simpler.
"""

from __future__ import annotations

import bisect
import codecs
import datetime as dt
import functools
import io
import re
import zipfile
from dataclasses import dataclass
from posixpath import join, normpath
from xml.etree.ElementTree import Element, SubElement
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import python_calamine
from defusedxml import ElementTree
from openpyxl.utils import get_column_letter, range_boundaries

from xlkit.errors import InvalidWorkbook
from xlkit.package import small_part
from xlkit.values import ErrorValue, Percent, danish_number
from xlkit.workbook import METADATA_SHEET, NAME_PREFIX, OUTPUT_KIND_PROPERTY

RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>')
ROOT_RELS = RELS.format(f'<Relationship Id="rId1" Type="{RELATIONSHIP}/officeDocument" Target="xl/workbook.xml"/>')
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="xml" ContentType="application/xml"/></Types>')
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{RELATIONSHIP}"><workbookPr date1904="{{date1904}}"/><sheets>{{sheets}}</sheets></workbook>')
WHITESPACE = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}  # kept as written inside an attribute
NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "dcterms": "http://purl.org/dc/terms/",
}
STRICT_WORKBOOK = "{http://purl.oclc.org/ooxml/spreadsheetml/main}workbook"  # Excel's "Strict Open XML" save type
MAX_ROWS = 999  # no template reaches further (the årshjul plan has 400 rows); cells beyond are never loaded
MAX_COLUMNS = 702  # ZZ: every column with three letters is beyond
# A formula element: its text and attributes hold no < (so a scan stops at the next tag and
# stays linear even in a comment full of "<f ").
FORMULA = re.compile(rb'<f(?:>[^<]*</f>| [^<>]*(?:/>|>[^<]*</f>))')
# A formula cell with no stored result, in the given columns: found in the file's own XML.
# The same cell with its formula cut out (or left in) is the cheap sign that one may exist.
FORMULA_WITHOUT_VALUE = rb'<c r="(COLUMNS)([0-9]{1,7})"[^<>]*>(?:<f[^<>]*>[^<]*</f>|<f[^<>]*/>)(?:<v\s*/>|<v></v>)?</c>'
MAYBE_FORMULA_WITHOUT_VALUE = rb'<c r="(COLUMNS)([0-9]{1,7})"[^<>]*>(?:<f[^<>]*>[^<]*</f>|<f[^<>]*/>)?(?:<v\s*/>|<v></v>)?</c>'
MAX_ERROR_TEXT = 20  # "#GETTING_DATA" is the longest error value Excel has
MAX_SHEETS = 1_000  # Excel has no fixed limit, but no class workbook comes near
MAX_NAMES = 2_000  # an elevvurdering defines one per term and subject: at most 702 (stored.MAX_COLUMNS)
MAX_MERGED_RANGES = 10_000  # per sheet; each is compared with every input area
MAX_WORKBOOK_PART = 2 * 1024 * 1024  # xl/workbook.xml of a class workbook is a few kB
# Cells parsed one by one per file (.xlsx sheets not written the plain way, up to four parses
# at ~5 us a cell; every cell element of an .ods). A class workbook has a few thousand; a
# forged 3 MB file can hold millions, which would use up the read's whole time limit.
MAX_PARSED_CELLS = 100_000
MAX_PARSED_TAGS = 4 * MAX_PARSED_CELLS  # <c>, <v> and their end tags; counted at C speed
MAX_LOADED_CELLS = 2_000_000  # values converted to Python per file: about three sheets of the template's full size
MAX_SHARED_STRING_TAGS = 1_000_000  # a class workbook's shared strings part has a few hundred
MAX_STYLE_TAGS = 500_000  # its styles part a few hundred
MAX_TEXT_BYTES = 64 * 1024 * 1024  # shared text calamine may copy into cells (one copy per cell that uses it)
SHARED_STRING_TAG = re.compile(rb"<(?:[^\s<>/!?:]+:)?si[\s>/]")
VALUE_TAG = re.compile(rb"<(?:[^\s<>/!?:]+:)?(?:v|is)[\s>]")  # a cell's value or inline text, with any prefix
SST_TAG = re.compile(rb'<(?:[^\s<>/!?:]+:)?sst[\s>/]')
UNIQUE_COUNT = re.compile(rb'uniqueCount\s*=\s*["\']([^"\'<>]*)')


class BookCell:
    """One cell: value, 1-based row and column (as in openpyxl), and its sheet."""

    __slots__ = ("value", "row", "column", "parent")

    def __init__(self, value: object, row: int, column: int, parent: "Sheet"):
        self.value, self.row, self.column, self.parent = value, row, column, parent

    @property
    def coordinate(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"


@dataclass(frozen=True)
class DefinedName:
    name: str
    attr_text: str

    @property
    def destinations(self):
        """The (sheet, area) the name points to, if it is one rectangle on one sheet other
        than xlkit's hidden one: no input lives there, and a forged name would read its JSON."""
        text = self.attr_text
        destination = _destination(text) if len(text) <= CACHED_TEXT else _destination.__wrapped__(text)
        if destination and destination[0] != METADATA_SHEET:
            yield destination


DESTINATION = re.compile(r"'?((?:[^']|'')+?)'?!(\$?[A-Z]{1,3}\$?[0-9]{1,7}(?::\$?[A-Z]{1,3}\$?[0-9]{1,7})?)")
CACHED_TEXT = 300  # every workbook of a template has the same names; a forged long one is not kept


@functools.lru_cache(maxsize=4096)
def _destination(text: str) -> tuple[str, str] | None:
    match = DESTINATION.fullmatch(text)
    return (match.group(1).replace("''", "'"), match.group(2)) if match else None


@functools.lru_cache(maxsize=4096)
def area_bounds(area: str) -> tuple[int, int, int, int]:
    """(min_col, min_row, max_col, max_row) of an area like $A$1:$B$9 (from a checked destination)."""
    return range_boundaries(area.replace("$", ""))


@dataclass
class Region:
    """The plain values of one named rectangle and where it sits: readers going through
    thousands of cells use this instead of an object per cell."""

    sheet: str
    top: int  # 1-based row and column of rows[0][0]
    left: int
    rows: list[list]

    def where(self, row: int, column: int = 0) -> str:
        """The cell reference of rows[row][column], for problems and records."""
        return f"{get_column_letter(self.left + column)}{self.top + row}"

    def column(self, column: int = 0) -> list:
        return [line[column] for line in self.rows]


def _plain_row(row: list) -> list:
    """calamine's values as openpyxl gives them: whole numbers as int, empty as None."""
    return [None if value == "" else int(value) if value.__class__ is float and value.is_integer() else value
            for value in row]


class Sheet:
    """One sheet as the readers see it: plain values by rectangle or row. Subclasses say
    where the values come from (`_load`) and find merged cells and formulas without a result."""

    def __init__(self, book: "BaseBook", title: str):
        self.book = book
        self.title = title

    def _load(self, rows_needed: int) -> list[list]:
        """At least the sheet's first `rows_needed` rows (fewer if it is shorter)."""
        raise NotImplementedError

    @property
    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        """Merged ranges as (min_row, min_col, max_row, max_col), 1-based."""
        raise NotImplementedError

    def formulas_without_value(self, areas: list[tuple[int, int, int, int]]) -> list[tuple[int, int, str]]:
        """Cells inside `areas` (min_row, min_col, max_row, max_col; 1-based) holding a
        formula but no stored result, as (row, column, reference), top to bottom."""
        raise NotImplementedError

    def values(self, min_row: int, min_col: int, max_row: int, max_col: int) -> list[list]:
        """The plain values of a rectangle (1-based, inclusive), padded with None."""
        if max_row > MAX_ROWS or max_col > MAX_COLUMNS:
            raise ValueError("området ligger uden for skemaets størrelse")
        rows = self._load(max_row)[min_row - 1:max_row]
        rows += [[]] * (max_row - min_row + 1 - len(rows))
        width = max_col - min_col + 1
        values = [line[min_col - 1:max_col] for line in rows]
        for line in values:
            if len(line) < width:
                line += [None] * (width - len(line))
        return values

    def __getitem__(self, area: str):
        min_col, min_row, max_col, max_row = range_boundaries(area)
        cells = tuple(tuple(BookCell(v, r, c, self) for c, v in enumerate(line, min_col))
                      for r, line in enumerate(self.values(min_row, min_col, max_row, max_col), min_row))
        if min_row == max_row and min_col == max_col:
            return cells[0][0]
        return cells

    def filled_cells(self, max_row: int = MAX_ROWS) -> list[tuple[int, int]]:
        """(row, column), 1-based, of every cell holding a value in the first `max_row` rows."""
        return [(r, c) for r, line in enumerate(self._load(max_row)[:max_row], 1)
                for c, value in enumerate(line, 1) if value not in (None, "")]

    def iter_rows(self, min_row: int = 1, max_row: int = 200, max_col: int = 2, values_only: bool = True):
        rows = self._load(max_row)
        for line in rows[min_row - 1:max_row]:
            yield tuple(line[c] if c < len(line) else None for c in range(max_col))


class BookSheet(Sheet):
    """A sheet of an .xlsx, read by calamine from the package of checked sheets."""

    def __init__(self, book: "Book", title: str):
        super().__init__(book, title)
        self._rows: list[list] = []
        self._requested = 0  # rows asked of calamine so far; fewer came back if the sheet is shorter
        self._calamine = None
        self._percent: set[tuple[int, int]] | None = None
        self._errors: dict[tuple[int, int], str] | None = None

    @property
    def calamine(self):
        if self._calamine is None:
            self._calamine = self.book.calamine_sheet(self.title)
        return self._calamine

    def _load(self, rows_needed: int) -> list[list]:
        """The sheet's first rows as plain values: at first down to the lowest named area on
        it, and all of them if more are asked for, so no sheet is converted more than twice
        (a forged file with names one row lower each would otherwise convert it per name)."""
        more_exist = len(self._rows) >= self._requested
        if rows_needed > self._requested and more_exist and self._requested < MAX_ROWS:
            first = self._requested == 0
            nrows = min(max(rows_needed, self.book.lowest_named_row(self.title), 64) if first else MAX_ROWS, MAX_ROWS)
            sheet = self.calamine
            if sheet.end is not None:
                self.book.count_loaded_cells(min(sheet.end[0] + 1, nrows) * (sheet.end[1] + 1), self.title)
            self._rows = [_plain_row(row) for row in sheet.to_python(skip_empty_area=False, nrows=nrows)]
            self._requested = nrows
            if self._percent is None:
                self._percent = self.book.percent_cells(self.title)
            for row, col in self._percent:
                line = self._rows[row] if row < len(self._rows) else ()
                if col < len(line) and line[col].__class__ in (int, float):
                    line[col] = Percent(line[col])
            if self._errors is None:
                self._errors = self.book.error_cells(self.title)
            for (row, col), code in self._errors.items():
                line = self._rows[row] if row < len(self._rows) else ()
                if col < len(line) and line[col] is None:
                    line[col] = ErrorValue(code)
        return self._rows

    @property
    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        if b"mergeCell" not in self.book.sheet_xml(self.title):
            return []  # most sheets; spares calamine a second pass over the sheet
        ranges = self.calamine.merged_cell_ranges or []
        if len(ranges) > MAX_MERGED_RANGES:
            raise InvalidWorkbook(f"Arket '{self.title}' har over {danish_number(MAX_MERGED_RANGES)} flettede områder; "
                                  "filen er ændret med et andet program.")
        return [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in ranges]

    def formulas_without_value(self, areas: list[tuple[int, int, int, int]]) -> list[tuple[int, int, str]]:
        """Saved by a program that does not calculate, such cells read as empty, so the
        reader reports them instead.

        A sheet written the plain way is searched by pattern: the formula-free XML first (a
        sixth of a test sheet's bytes), the file's own XML only when that shows a candidate
        inside the areas. Any other sheet (trimmed, prefixed, attributes in another order) is
        parsed cell by cell, as calamine reads it."""
        rows = column_rows([(c1, r1, c2, r2) for r1, c1, r2, c2 in areas])
        if not rows:
            return []
        maybe, certain = _formula_patterns(frozenset(col + 1 for col in rows))

        def inside(match) -> tuple[int, int, str] | None:
            letters, digits = match.groups()
            row, col = int(digits), _column_number(letters.decode())
            if col - 1 in rows and _within(rows[col - 1], row - 1):
                return row, col, (letters + digits).decode()
            return None

        formula_free = self.book.sheet_xml(self.title)  # first: it decides whether the sheet is plain
        if self.title not in self.book.plain_sheets or b":f" in formula_free or b":v" in formula_free:
            # the patterns would miss another spelling (found in review: only `<c r="H6"` was found)
            return sorted((row + 1, col + 1, f"{get_column_letter(col + 1)}{row + 1}")
                          for row, col, element in _placed_cells(self.book.parsed_xml(self.title, source=True))
                          if col in rows and _within(rows[col], row) and _without_value(element))
        if not any(map(inside, maybe.finditer(formula_free))):
            return []
        return sorted({cell for cell in map(inside, certain.finditer(self.book.source_xml(self.title))) if cell})


def _without_value(cell: Element) -> bool:
    """Whether a parsed cell has a formula and no stored result (no value, or an empty one)."""
    children = {_local(child.tag): child for child in cell}
    return "f" in children and not (children["v"].text if "v" in children else None)


@functools.lru_cache(maxsize=64)
def _formula_patterns(columns: frozenset[int]) -> tuple[re.Pattern, re.Pattern]:
    """The two patterns of formulas_without_value for one set of input columns (every file
    of a template has the same). The columns are written as a few character classes, one
    per first letter (`[A-CE]|A[A-F]`), not as an alternative per column: a forged name over
    every column would otherwise make each cell try 702 of them."""
    pattern = _column_classes(columns)
    return (re.compile(MAYBE_FORMULA_WITHOUT_VALUE.replace(b"COLUMNS", pattern)),
            re.compile(FORMULA_WITHOUT_VALUE.replace(b"COLUMNS", pattern)))


def _column_classes(columns: frozenset[int]) -> bytes:
    """The column letters as a few character classes, one per first letter (`[A-CE]|A[A-F]`)."""
    by_first: dict[str, str] = {}
    for letters in sorted(get_column_letter(col) for col in columns):
        by_first[letters[:-1]] = by_first.get(letters[:-1], "") + letters[-1]
    return "|".join(f"{first}[{last}]" for first, last in by_first.items()).encode()


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


BUILTIN_PERCENT_FORMATS = {"9", "10"}  # 0% and 0.00%
# What a number format shows as written: quoted text, a character escaped with \ or !, the
# space or fill of _x and *x, and [colour] or [condition]. A % outside these multiplies by 100.
LITERAL_IN_FORMAT = re.compile(r'"[^"]*"|[\\!].|[_*].|\[[^\]]*\]')
MAX_CELL_FORMATS = 65_490  # Excel's limit on distinct cell formats; a styles part with more is forged
MAX_LISTED_STYLES = 64  # more percentage styles (a forged styles part) are matched as any number, then looked up
CACHED_STYLES = 256 * 1024  # a class workbook's styles part is a few kB; a forged big one is not kept
# A plainly written cell's attributes after its r (spaces only: see plainly_within_bounds), up to its s
OTHER_ATTRIBUTES = rb"""(?: ++(?!s[ =])[^\s=<>/]++ *+= *+(?:"[^"<>]*+"|'[^'<>]*+'))*+"""
CACHED_AREAS = 256  # an elevvurderingsskema names ~60 areas on its sheet; a forged list is not kept


def is_percent_format(code: str) -> bool:
    """Whether a number format shows a number of 0 or more as a percentage: its first
    section (the one for positive numbers) has a % that is not literal text."""
    return "%" in LITERAL_IN_FORMAT.sub("", code).split(";", 1)[0]


def percent_styles(styles: bytes) -> frozenset[int]:
    """The cell formats (a cell's s attribute: an index into cellXfs) that show numbers as
    percentages. Every workbook of a template has the same styles, so the answer is kept."""
    if styles.count(b"<") > MAX_STYLE_TAGS:  # each element is parsed in Python
        raise InvalidWorkbook("Filen har unormalt mange celleformater; den er ændret med et andet program.")
    return _percent_styles(styles) if len(styles) <= CACHED_STYLES else _percent_styles.__wrapped__(styles)


@functools.lru_cache(maxsize=16)
def _percent_styles(styles: bytes) -> frozenset[int]:
    """Parsed as a stream, each element dropped once read, so a forged styles part of many
    megabytes builds no tree."""
    if not styles:
        return frozenset()
    custom: dict[str, str] = {}
    cell_formats: list[str] = []  # the numFmtId of each cellXfs entry, in order
    open_elements = []
    for event, element in ElementTree.iterparse(io.BytesIO(styles), events=("start", "end"), forbid_dtd=True):
        if event == "start":
            open_elements.append(element)
            continue
        open_elements.pop()
        parent = _local(open_elements[-1].tag) if open_elements else ""
        name = _local(element.tag)
        if name == "numFmt" and parent == "numFmts":
            custom[(element.get("numFmtId") or "").strip()] = element.get("formatCode") or ""
        elif name == "xf" and parent == "cellXfs":
            cell_formats.append((element.get("numFmtId") or "0").strip())
        if len(custom) > MAX_CELL_FORMATS or len(cell_formats) > MAX_CELL_FORMATS:
            raise InvalidWorkbook("Filen har unormalt mange celleformater; den er ændret med et andet program.")
        if open_elements:
            open_elements[-1].remove(element)
    percent = {number_format for number_format, code in custom.items() if is_percent_format(code)}
    return frozenset(index for index, number_format in enumerate(cell_formats)
                     if (number_format in BUILTIN_PERCENT_FORMATS if number_format not in custom
                         else number_format in percent))


@functools.lru_cache(maxsize=16)
def _percent_patterns(ids: bytes, columns: frozenset[int]) -> tuple[re.Pattern, re.Pattern]:
    """An s attribute naming one of the styles `ids` (an alternation), spelt any way
    calamine reads it; and a plainly written cell in one of the columns with one of the
    styles (column letters, row and style as groups)."""
    value = rb"""(?:"0*(""" + ids + rb""")"|'0*(""" + ids + rb""")')"""
    return (re.compile(rb"\ss\s*=\s*" + value),
            re.compile(rb'<c r="(' + _column_classes(columns) + rb')([0-9]{1,7})"' + OTHER_ATTRIBUTES + rb" ++s *+= *+" + value))


def percent_inputs(xml: bytes, styles: frozenset[int], areas: list[tuple[int, int, int, int]],
                   plain: bool) -> set[tuple[int, int]]:
    """The 0-based (row, column) of the cells inside `areas` (min_col, min_row, max_col,
    max_row; 1-based) that have one of the given styles. A sheet written the plain way is
    searched at C speed in the areas' columns only (a test sheet has hundreds of percentage
    cells of its own, the shares); any other spelling is parsed cell by cell."""
    if not styles or not areas:
        return set()
    merged = column_rows(areas)
    ids = (b"|".join(str(i).encode() for i in sorted(styles)) if len(styles) <= MAX_LISTED_STYLES
           else rb"[0-9]{1,9}")
    any_style, in_columns = _percent_patterns(ids, frozenset(col + 1 for col in merged))
    if plain:
        cells = {(int(m.group(2)) - 1, _column_number(m.group(1).decode()) - 1)
                 for m in in_columns.finditer(xml) if int(m.group(3) or m.group(4)) in styles}
    elif any_style.search(xml):
        cells = {(row, col) for row, col, element in _placed_cells(xml)
                 if _style_index(element.get("s")) in styles}
    else:
        return set()
    return {(row, col) for row, col in cells if col in merged and _within(merged[col], row)}


def error_inputs(xml: bytes, areas: list[tuple[int, int, int, int]]) -> dict[tuple[int, int], str]:
    """The 0-based (row, column) of the cells inside `areas` (min_col, min_row, max_col,
    max_row; 1-based) that hold an error value (t="e"), with its stored text, cut short."""
    merged = column_rows(areas)
    if not merged:
        return {}
    return {(row, col): "".join(child.text or "" for child in element if _local(child.tag) == "v")[:MAX_ERROR_TEXT]
            for row, col, element in _placed_cells(xml)
            if element.get("t") == "e" and col in merged and _within(merged[col], row)}


def column_rows(areas: list[tuple[int, int, int, int]]) -> dict[int, tuple[list[int], list[int]]]:
    """The 0-based rows each 0-based column has inside the areas (1-based min_col, min_row,
    max_col, max_row), as disjoint intervals for `_within`. Every workbook of a template
    has the same areas, so the answer is kept; a forged long list is not."""
    key = tuple(sorted(set(areas)))
    return _rows_by_column(key) if len(key) <= CACHED_AREAS else _rows_by_column.__wrapped__(key)


@functools.lru_cache(maxsize=64)
def _rows_by_column(areas: tuple[tuple[int, int, int, int], ...]) -> dict[int, tuple[list[int], list[int]]]:
    rows_by_column: dict[int, list[tuple[int, int]]] = {}
    for c1, r1, c2, r2 in areas:
        for col in range(max(c1, 1), min(c2, MAX_COLUMNS) + 1):
            rows_by_column.setdefault(col - 1, []).append((r1 - 1, r2 - 1))
    return {col: _merged(intervals) for col, intervals in rows_by_column.items()}


def _merged(intervals: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Row intervals as the starts and ends of disjoint ones, for a bisection: a forged file
    may name the same column a thousand times."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(intervals):
        if ends and start <= ends[-1] + 1:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _within(merged: tuple[list[int], list[int]], row: int) -> bool:
    starts, ends = merged
    index = bisect.bisect_right(starts, row) - 1
    return index >= 0 and row <= ends[index]


def _style_index(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
FAR = 10**9  # a row or column index no template comes near


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _row_index(r: str) -> int:
    """The 0-based row of a <row r="...">, as calamine reads it; far for anything odd."""
    return int(r) - 1 if r.isascii() and r.isdigit() and len(r.lstrip("0")) <= 7 else FAR


def _placed_cells(xml: bytes):
    """(row, column, element) for every cell in a sheetData, 0-based and placed the way
    calamine places them: a row or cell without r follows the previous one. Yielded when
    the cell's content is complete. Parsed (defusedxml, streaming), not pattern-matched,
    so prefixes, attribute order, quotes and nesting cannot hide a cell. A DTD is refused
    (its default attributes would give cells an r that calamine never sees), and so is a
    cell inside a cell."""
    data_depth = cell_depth = 0
    row = col = 0
    for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end"), forbid_dtd=True):
        name = _local(element.tag)
        if name == "sheetData":
            data_depth += 1 if event == "start" else -1
            continue
        if not data_depth:
            continue
        if name == "c":
            if event == "start" and cell_depth:
                # calamine ends a text value at its first </v> or </is> without counting
                # nesting, so a cell inside a cell can put the rest of the row out of step
                raise InvalidWorkbook("en celle ligger inde i en anden celle. Det laver intet regnearksprogram, så filen er ændret med et andet program.")
            cell_depth += 1 if event == "start" else -1
            if event == "start" and cell_depth == 1:
                ref = element.get("r")
                match = REF.match(ref) if ref is not None else None
                if match:
                    position = (int(match.group(2)) - 1, _column_number(match.group(1)) - 1)
                else:
                    position = (row, col) if ref is None else (FAR, FAR)
                col = position[1] + 1
            elif event == "end" and cell_depth == 0:
                yield position[0], position[1], element
        elif name == "row" and not cell_depth:
            if event == "start":
                r = element.get("r")
                row = _row_index(r) if r is not None else row
            else:
                row, col = row + 1, 0
                element.clear()


def sheet_extent(xml: bytes) -> tuple[int, int]:
    """The number of rows and columns calamine would allocate for the sheet's cells."""
    max_row = max_col = 0
    for row, col, element in _placed_cells(xml):
        max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
        element.clear()
    return max_row, max_col


# The plain spelling every program writes: each row and cell opens with `<row r="` / `<c r="`,
# no element has a namespace prefix, and every attribute named r is spelt ` r="` with a
# reference inside the template's size. Anything else (a prefix in any alphabet, another
# attribute first, single quotes, an r right after the previous attribute's quote, control
# characters or line breaks in the document) is left to the parse in sheet_extent.
# calamine reads an r wherever quick-xml finds one, also `r="A1"r="XFD1"` and after a form
# feed, so those spellings must not pass as plain.
UNPLAIN_TAG = re.compile(rb'<(?:c|row)(?=[\s>/])(?! r=")')  # the r must be an attribute, not text after the tag
PREFIXED_TAG = re.compile(rb':(?:c|row)[\s>/]')
# An r attribute that is not ` r="A1"`-plain or is beyond MAX_ROWS (999: four digits or more)
# or MAX_COLUMNS (ZZ: three letters or more). `header="0.3"` is not an r attribute: the r
# there follows another letter of the name.
UNPLAIN_R = re.compile(rb'r(?: +=|=[^"]|="(?<![\w:.\-\x80-\xff]r=")(?![A-Z]{1,2}[0-9]{1,3}"|[0-9]{1,3}"))')
# XML allows only the first three; calamine takes \x0c as a space; NUL means UTF-16, which the
# byte patterns cannot see into
NOT_PLAIN_BYTES = (b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"\x00")


def plainly_within_bounds(xml: bytes) -> bool:
    """True when every row and cell is written the plain way with a reference inside the
    template's size: a few scans at C speed, against a parse for every cell."""
    body = 3 if xml.startswith(codecs.BOM_UTF8) else 0
    if xml.startswith(b"<?xml", body):  # the declaration may be followed by one line break
        body = xml.find(b"?>", body) + 2
        body += 2 if xml.startswith(b"\r\n", body) else 1 if xml.startswith(b"\n", body) else 0
    if any(xml.find(byte, body) != -1 for byte in NOT_PLAIN_BYTES):
        return False
    return not (UNPLAIN_TAG.search(xml) or PREFIXED_TAG.search(xml) or UNPLAIN_R.search(xml))


def bounded_sheet(xml: bytes) -> bytes | None:
    """The sheet cut down to the cells inside MAX_ROWS x MAX_COLUMNS, or None when it needs
    no change. calamine allocates the whole used range, so one forged far cell would
    otherwise ask for billions of cells."""
    if plainly_within_bounds(xml):
        return None
    max_row, max_col = sheet_extent(xml)
    if max_row <= MAX_ROWS and max_col <= MAX_COLUMNS:
        return None
    return _near_cells_only(xml)


def _near_cells_only(xml: bytes) -> bytes:
    """A new, plain sheet with only the near cells, each given an explicit r where calamine
    would have placed it, and the merged ranges (for the merged-input warning)."""
    main = f"{{{NS['m']}}}"
    rows: dict[int, list] = {}
    for row, col, element in _placed_cells(xml):
        if row < MAX_ROWS and col < MAX_COLUMNS:
            element.set("r", f"{get_column_letter(col + 1)}{row + 1}")
            rows.setdefault(row, []).append((col, element))
    sheet = Element(main + "worksheet")
    data = SubElement(sheet, main + "sheetData")
    for row in sorted(rows):
        line = SubElement(data, main + "row", r=str(row + 1))
        line.extend(element for _, element in sorted(rows[row], key=lambda item: item[0]))
    merges = [ref for _, element in ElementTree.iterparse(io.BytesIO(xml), forbid_dtd=True)
              if _local(element.tag) == "mergeCell" and MERGE_REF.match(ref := element.get("ref") or "")]
    if merges:
        merge_cells = SubElement(sheet, main + "mergeCells")
        for ref in merges:
            SubElement(merge_cells, main + "mergeCell", ref=ref)
    return ElementTree.tostring(sheet)


MERGE_REF = re.compile(r"^[A-Z]{1,2}[0-9]{1,3}:[A-Z]{1,2}[0-9]{1,3}$")  # inside the template's size


def checked_shared_strings(xml: bytes) -> bytes:
    """The shared strings part, once its counts are believable. calamine reserves room for
    the uniqueCount of <sst> before it reads a single string, so a forged count
    (4294967295) aborts the process; a real one is at most one per five bytes (<si/>).
    Every uniqueCount in the part is checked, however it is spelt or wherever it sits."""
    counts = UNIQUE_COUNT.findall(xml)
    if len(SST_TAG.findall(xml)) > 1 or any(
            not (count.isdigit() and int(count) <= len(xml) // 5) for count in counts):
        raise InvalidWorkbook("Filens delte tekster er beskadigede.")
    if xml.count(b"<") > MAX_SHARED_STRING_TAGS:
        raise InvalidWorkbook("Filen har unormalt mange delte tekster; den er ændret med et andet program.")
    return xml


# A cell's value element and its text up to the next tag, with any prefix or attributes
VALUE_TEXT = re.compile(rb"<(?:[^\s<>/!?:]+:)?v(?:\s[^<>]*)?>([^<]*)")
PLAIN_NUMBER = re.compile(rb"[0-9\s.+\-eE]*")


def check_shared_text(shared: bytes, sheets: list[bytes]) -> None:
    """Refuses sheets that would make calamine copy more than MAX_TEXT_BYTES of shared text:
    it copies a string into every cell that uses it (and Python once more), so one 32 kB
    string used by every cell of a 200 kB file asks for gigabytes. The cheap bound (every
    value the longest possible string) settles a class workbook; otherwise each value is
    counted with the string it could stand for: its digits as an index, a number calamine
    cannot read as one (` 1 `, `+1`, `1.0`) as string 0, which is what calamine makes of it,
    and anything else (entities, which calamine drops; a quote from an attribute holding
    `>`) as the longest string."""
    values = sum(xml.count(b"<v") + xml.count(b":v") for xml in sheets)
    if values * len(shared) <= MAX_TEXT_BYTES:
        return
    starts = [match.start() for match in SHARED_STRING_TAG.finditer(shared)] + [len(shared)]
    lengths = [end - start for start, end in zip(starts, starts[1:])] or [0]
    longest = max(lengths)

    def length(text: bytes) -> int:
        digits = text.lstrip(b"0")
        if text.isdigit():
            index = int(digits or b"0") if len(digits) <= 9 else len(lengths)
            return lengths[index] if index < len(lengths) else longest
        return lengths[0] if PLAIN_NUMBER.fullmatch(text) else longest

    if sum(length(text) for xml in sheets for text in VALUE_TEXT.findall(xml)) > MAX_TEXT_BYTES:
        raise InvalidWorkbook(f"Filens delte tekster ville fylde over {MAX_TEXT_BYTES // 2**20} MB i cellerne; "
                              "filen er ændret med et andet program og er ikke læst.")


class BaseBook:
    """What the readers and the file warnings use of a workbook, whatever its format:
    sheet titles, workbook-level names, named regions, sheets by title and file-level facts
    (has_macros, external_links, trimmed_sheets, modified, has_values)."""

    sheet_type: type[Sheet]
    sheetnames: list[str]
    defined_names: dict[str, DefinedName]
    archive: zipfile.ZipFile
    has_macros: bool
    external_links: list[str]
    trimmed_sheets: list[str]  # sheets read with cells far outside the template cut away
    modified: dt.datetime | None
    _sheets: dict[str, Sheet]  # made when first asked for

    def output_kind(self) -> str | None:
        return None  # only .xlsx files are written by xlkit

    def region(self, name: str) -> Region | None:
        """The values a workbook-level name points to, or None when it points to no single
        rectangle on a sheet of this workbook (deleted columns, a name typed by hand)."""
        defined = self.defined_names.get(name)
        destinations = list(defined.destinations) if defined else []
        if len(destinations) != 1:
            return None
        title, area = destinations[0]
        try:
            min_col, min_row, max_col, max_row = area_bounds(area)
            return Region(title, min_row, min_col, self[title].values(min_row, min_col, max_row, max_col))
        except (KeyError, ValueError, TypeError):  # KeyError: no sheet of that name
            return None

    def has_values(self, title: str) -> bool:
        """Whether any cell of the sheet holds a value (for sheets the readers never ask for)."""
        raise NotImplementedError

    def __getitem__(self, title: str) -> Sheet:
        sheet = self._sheets.get(title)
        if sheet is None:
            if title not in self.sheetnames:
                raise KeyError(title)
            sheet = self._sheets[title] = self.sheet_type(self, title)
        return sheet

    def close(self) -> None:
        self.archive.close()


class Book(BaseBook):
    """The parts of an .xlsx the readers need; everything read from bytes in memory.

    calamine never sees the teacher's file itself: it gets a small package xlkit writes
    from the parts it has checked (its own workbook.xml naming only the sheets asked for,
    each sheet bounded, the shared strings and styles). So calamine cannot be steered to
    an unchecked sheet by relationship tricks, and sheets nobody reads are not even inflated.
    """

    sheet_type = BookSheet

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive  # checked against the zip limits by the reader (package.check_zip)
        names = set(self.archive.namelist())
        if "xl/workbook.bin" in names:
            raise InvalidWorkbook("Filen er en binær Excel-projektmappe (.xlsb). Åbn den i Excel, og gem den som "
                                  "Excel-projektmappe (.xlsx).")
        if not {"xl/workbook.xml", "xl/_rels/workbook.xml.rels"} <= names:
            raise InvalidWorkbook("Filen er ikke et regneark (.xlsx eller .ods), men en anden slags pakket fil, "
                                  "fx et omdøbt Word-dokument.")
        self._by_folded_name = {name.casefold(): name for name in sorted(names, reverse=True)}
        if self.archive.getinfo("xl/workbook.xml").file_size > MAX_WORKBOOK_PART:
            raise InvalidWorkbook("Projektmappens oversigt over ark og navne er unormalt stor; filen er ændret med et andet program.")
        workbook = ElementTree.fromstring(self.archive.read("xl/workbook.xml"), forbid_dtd=True)
        if workbook.tag == STRICT_WORKBOOK:
            raise InvalidWorkbook("Filen er gemt som 'Strict Open XML-regneark', som xlkit ikke læser. Åbn den i "
                                  "Excel, og gem den som almindelig 'Excel-projektmappe (.xlsx)'.")
        rels = ElementTree.fromstring(small_part(self.archive, "xl/_rels/workbook.xml.rels"), forbid_dtd=True)
        targets = {rel.get("Id"): rel.get("Target") for rel in rels.findall("rel:Relationship", NS)}
        self.sheet_parts: dict[str, str] = {}
        self.sheetnames: list[str] = []
        for sheet in workbook.findall("m:sheets/m:sheet", NS):
            title = sheet.get("name") or ""
            self.sheetnames.append(title)
            target = targets.get(sheet.get(f"{{{NS['r']}}}id"), "") or ""
            part = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
            found = self.part(part)
            if found:
                self.sheet_parts[title] = found
        if len(self.sheetnames) > MAX_SHEETS:
            raise InvalidWorkbook(f"Projektmappen har over {danish_number(MAX_SHEETS)} ark; det er ikke et klasseskema.")
        if len(set(self.sheet_parts.values())) != len(self.sheet_parts):  # each would be read and kept again
            raise InvalidWorkbook("Flere ark peger på samme indhold i filen; det laver Excel ikke, så filen er ændret med et andet program.")
        if len({title.casefold() for title in self.sheetnames}) != len(self.sheetnames):
            raise InvalidWorkbook("Projektmappen har flere ark med samme navn; det laver Excel ikke, så filen er ændret med et andet program.")
        properties = workbook.findall("m:workbookPr", NS)  # as calamine reads it: the last one, "1" or "true"
        self.date1904 = bool(properties) and properties[-1].get("date1904", "") in ("1", "true")
        self.defined_names, local = {}, {}
        for element in workbook.findall("m:definedNames/m:definedName", NS):
            name = element.get("name")
            defined = DefinedName(name, (element.text or "").strip())
            if element.get("localSheetId") is None:
                self.defined_names[name] = defined
            elif isinstance(name, str) and name.startswith(NAME_PREFIX):
                local.setdefault(name, defined)
        # a sheet copied in Excel or LibreOffice gets sheet-local copies of xlkit's names; with the original
        # deleted, the workbook's own names say #REF! and the copy's are where the class is (found in review)
        for name, defined in local.items():
            kept = self.defined_names.get(name)
            if kept is None or not any(kept.destinations):
                self.defined_names[name] = defined
        if len(self.defined_names) > MAX_NAMES:
            raise InvalidWorkbook(f"Projektmappen har over {danish_number(MAX_NAMES)} navngivne områder; "
                                  "det er ikke et klasseskema.")
        self.has_macros = any(name.lower().endswith("vbaproject.bin") for name in names)
        self.external_links = sorted(n for n in names if n.startswith("xl/externalLinks/") and n.endswith(".xml"))
        self.modified = self._modified(names)
        self.trimmed_sheets: list[str] = []  # titles of sheets with cells far outside the template, cut away
        self._sheet_xml: dict[str, bytes] = {}
        self._file_xml: dict[str, bytes] = {}  # the same sheets as the file has them
        self._calamine = None
        self._in_calamine: tuple[str, ...] = ()
        self._percent_styles: frozenset[int] | None = None
        self._parts: dict[str, bytes | None] = {}
        self.plain_sheets: set[str] = set()  # written the plain way (see plainly_within_bounds)
        self._charged: set[str] = set()  # plain sheets counted for a parse all the same (parsed_xml)
        self._parsed_tags = 0  # in the other sheets, each parsed cell by cell
        self._loaded_cells = 0  # converted to Python values (count_loaded_cells)
        self._areas: dict[str, list[tuple[int, int, int, int]]] | None = None
        self._sheets: dict[str, BookSheet] = {}

    def sheet_xml(self, title: str) -> bytes:
        """The sheet's XML as calamine gets it: without formula elements and bounded to the
        template's size (checked once, then kept). Readers need only the values (xlkit
        computes every status itself), and the <v> values stay; a test sheet is mostly
        formula text, so the checks and calamine get a fraction of the bytes. The check
        sees exactly the bytes calamine will read."""
        if title not in self._sheet_xml:
            part = self.sheet_parts.get(title)
            if part is None:
                raise InvalidWorkbook(f"Arket '{title}' mangler i filen.")
            self._file_xml[title] = self.archive.read(part)
            xml = FORMULA.sub(b"", self._file_xml[title])
            if plainly_within_bounds(xml):
                self.plain_sheets.add(title)
            else:
                self._charge_parse(title, xml)
                try:
                    bounded = bounded_sheet(xml)
                except InvalidWorkbook as error:
                    raise InvalidWorkbook(f"Arket '{title}': {error}") from None
                if bounded is not None:
                    self.trimmed_sheets.append(title)
                    xml = bounded
            self._sheet_xml[title] = xml
        return self._sheet_xml[title]

    def has_values(self, title: str) -> bool:
        """Whether any cell of the sheet holds a value (typed or calculated): read straight
        from the file, for sheets the readers never ask for."""
        part = self.sheet_parts.get(title)
        try:
            return part is not None and VALUE_TAG.search(self.archive.read(part)) is not None
        except Exception:  # a damaged part (bad CRC, bad deflate): it cannot be read either way
            return True

    def _charge_parse(self, title: str, xml: bytes) -> None:
        """Count a sheet's tags before it is parsed cell by cell: a parse is a hundred times
        slower than a scan, so a forged sheet of millions of empty cells is refused first."""
        self._parsed_tags += xml.count(b"<")
        if self._parsed_tags > MAX_PARSED_TAGS:
            raise InvalidWorkbook(f"Arket '{title}' har for mange celler (over {danish_number(MAX_PARSED_CELLS)} "
                                  "i skemaets ark; et klasseskema har nogle få tusinde). Filen er ikke læst.")

    def parsed_xml(self, title: str, source: bool = False) -> bytes:
        """The sheet's XML (formula-free, or with `source` as the file has it) for a parse
        cell by cell; a plain sheet, which no check parsed, is counted first (found in review:
        one `"e"` in a sheet of 4.3 million empty cells cost 24 s and 2 GB)."""
        xml = self.sheet_xml(title)
        if title in self.plain_sheets and title not in self._charged:
            self._charged.add(title)
            self._charge_parse(title, self._file_xml[title])  # with its formulas: the larger
        return self._file_xml[title] if source else xml

    def source_xml(self, title: str) -> bytes:
        """The sheet's XML as the file has it, formulas included (for scans that allocate nothing)."""
        self.sheet_xml(title)
        return self._file_xml[title]

    def percent_cells(self, title: str) -> set[tuple[int, int]]:
        """The 0-based (row, column) of the named input cells of the sheet that are formatted
        as percentages: calamine gives no formats, and a `100%` typed as points holds 1."""
        if self._percent_styles is None:
            self._percent_styles = percent_styles(self._part_bytes("xl/styles.xml") or b"")
        xml = self.sheet_xml(title)
        return percent_inputs(xml, self._percent_styles, self.named_areas(title), plain=title in self.plain_sheets)

    def error_cells(self, title: str) -> dict[tuple[int, int], str]:
        """The 0-based (row, column) of the named input cells of the sheet that show an
        error, with the error as stored (#DIV/0!): calamine reads them as empty."""
        xml = self.sheet_xml(title)
        if b'"e"' not in xml and b"'e'" not in xml:  # no cell has t="e": almost every sheet
            return {}
        return error_inputs(self.parsed_xml(title), self.named_areas(title))

    def named_areas(self, title: str) -> list[tuple[int, int, int, int]]:
        """The areas (min_col, min_row, max_col, max_row) xlkit's names point to on a sheet;
        worked out once for all sheets (a forged file has up to 2,000 names and 1,000 sheets)."""
        if self._areas is None:
            self._areas = {}
            for name, defined in self.defined_names.items():
                if name.startswith(NAME_PREFIX):
                    for sheet, area in defined.destinations:
                        self._areas.setdefault(sheet, []).append(area_bounds(area))
        return self._areas.get(title, [])

    def lowest_named_row(self, title: str) -> int:
        return max((area[3] for area in self.named_areas(title)), default=0)

    def count_loaded_cells(self, cells: int, title: str) -> None:
        """Refuses a file whose sheets, together, would become more than MAX_LOADED_CELLS
        Python values: each named sheet may be as large as the template's full size."""
        self._loaded_cells += cells
        if self._loaded_cells > MAX_LOADED_CELLS:
            raise InvalidWorkbook(f"Arket '{title}' gør projektmappens ark for store tilsammen (over "
                                  f"{danish_number(MAX_LOADED_CELLS)} celler); et klasseskema har nogle få tusinde. "
                                  "Filen er ikke læst.")

    def calamine_sheet(self, title: str):
        """calamine's view of one sheet. The package holds every sheet the names point to,
        so one package usually serves the whole read."""
        if title not in self._in_calamine:
            wanted = set(self._in_calamine) | {title} | self._named_sheets()
            titles = tuple(t for t in self.sheetnames if t in wanted and t in self.sheet_parts)
            self._calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self._package(titles)))
            self._in_calamine = titles
        return self._calamine.get_sheet_by_name(title)

    def part(self, name: str) -> str | None:
        """The zip entry for a part name, matched without regard to case (as Excel does)."""
        return name if name in self.archive.NameToInfo else self._by_folded_name.get(name.casefold())

    def _part_bytes(self, name: str) -> bytes | None:
        """A part read once and kept (styles and shared strings go into every package)."""
        if name not in self._parts:
            found = self.part(name)
            self._parts[name] = self.archive.read(found) if found else None
        return self._parts[name]

    def _named_sheets(self) -> set[str]:
        return {sheet for defined in self.defined_names.values() for sheet, _ in defined.destinations}

    def _package(self, titles: tuple[str, ...]) -> bytes:
        """A minimal, uncompressed .xlsx of the checked sheets for calamine."""
        sheets = "".join(f'<sheet name={quoteattr(t, WHITESPACE)} sheetId="{i}" r:id="rId{i}"/>' for i, t in enumerate(titles, 1))
        rels = "".join(f'<Relationship Id="rId{i}" Type="{RELATIONSHIP}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, len(titles) + 1))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
            package.writestr("[Content_Types].xml", CONTENT_TYPES)
            package.writestr("_rels/.rels", ROOT_RELS)
            package.writestr("xl/workbook.xml", WORKBOOK.format(date1904=int(self.date1904), sheets=sheets))
            package.writestr("xl/_rels/workbook.xml.rels", RELS.format(rels))
            shared = self._part_bytes("xl/sharedStrings.xml")
            if shared is not None:
                check_shared_text(checked_shared_strings(shared), [self.sheet_xml(title) for title in titles])
            for part in ("xl/sharedStrings.xml", "xl/styles.xml"):
                data = self._part_bytes(part)
                if data is not None:
                    package.writestr(part, data)
            for i, title in enumerate(titles, 1):
                package.writestr(f"xl/worksheets/sheet{i}.xml", self.sheet_xml(title))
        return out.getvalue()

    def output_kind(self) -> str | None:
        """The kind xlkit wrote in the file's custom properties (OUTPUT_KIND_PROPERTY), asked
        only of a file without xlkit's hidden sheet: a summary or the showcase is left out,
        and a damaged properties part in a class workbook is never even parsed."""
        if "docProps/custom.xml" not in self.archive.NameToInfo:
            return None
        try:
            custom = ElementTree.fromstring(small_part(self.archive, "docProps/custom.xml"), forbid_dtd=True)
        except Exception:  # damaged or forged: then it is simply not one of xlkit's outputs
            return None
        return next((prop[0].text for prop in custom if prop.get("name") == OUTPUT_KIND_PROPERTY and len(prop)), None)

    def _modified(self, names: set[str]) -> dt.datetime | None:
        if "docProps/core.xml" not in names:
            return None
        return saved_date(small_part(self.archive, "docProps/core.xml"), "dcterms:modified", NS)


def saved_date(xml: bytes | None, path: str, namespaces: dict | None = None,
               zoneless: dt.tzinfo = dt.timezone.utc) -> dt.datetime | None:
    """The save date from a document-properties part; None when the part is missing or
    damaged: only the "Senest gemt" date comes from it, and a truncated core.xml cost the
    class's whole workbook (found in review)."""
    if not xml:
        return None
    try:
        return document_date(ElementTree.fromstring(xml, forbid_dtd=True).find(path, namespaces), zoneless)
    except (ElementTree.ParseError, ValueError):  # defusedxml's refusals are ValueErrors
        return None


def document_date(element, zoneless: dt.tzinfo = dt.timezone.utc) -> dt.datetime | None:
    """When the file was last saved, from its document properties (an ISO date element),
    as a naive datetime in UTC; None when absent or unreadable. Excel writes UTC ("Z");
    a time with another offset is converted (review: dropping the offset made an older copy
    of a class win), and one without an offset is taken as in `zoneless`."""
    try:
        saved = dt.datetime.fromisoformat((element.text or "").replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    if saved.tzinfo is None:
        saved = saved.replace(tzinfo=zoneless)
    return saved.astimezone(dt.timezone.utc).replace(tzinfo=None)


@functools.lru_cache(maxsize=1)
def danish_time() -> dt.tzinfo:
    """Denmark's time zone with its summer time (tzdata is a dependency, as Windows has no
    time zone database); UTC only if that is missing all the same."""
    try:
        return ZoneInfo("Europe/Copenhagen")
    except (ZoneInfoNotFoundError, ValueError):
        return dt.timezone.utc

"""Shared pieces for writing workbooks: safe writer options, identity metadata, names,
protection and print setup. Every template kind uses these, so every workbook behaves
the same way in Excel, Excel on the web and LibreOffice."""

from __future__ import annotations

import json
import os
import re
import tempfile
import textwrap
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.utility import quote_sheetname, xl_range_abs, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from xlkit import __version__
from xlkit.errors import XlkitError
from xlkit.values import looks_like_cpr

METADATA_SHEET = "xlkit"
NAME_PREFIX = "xlkit_"
OUTPUT_KIND_PROPERTY = "xlkit_kind"  # a custom document property on every file xlkit writes: its kind
MAX_CELL_TEXT = 32_767  # characters Excel keeps in one cell
MAX_FORMULA = 8_192  # characters Excel takes in one formula
METADATA_LABELS = {  # the hidden values a user can be told about, in Danish
    "school": "skolens navn", "class_letter": "klassens bogstav", "subject": "skemaets fag", "subjects": "fagene",
    "terms": "terminerne", "scale": "skalaen", "tests": "prøverne (navne og arknavne)",
    "plan_spec": "årshjulets beskrivelse (aktiviteter, ansvarlige, klasser)", "kind": "skabelontypen",
    "xlkit_version": "versionen",
}


FUNCTION_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")
OLD_FUNCTIONS = frozenset((  # functions xlkit's formulas use, all in Excel since 2010 or earlier
    "AND", "AVERAGE", "CHOOSE", "COUNT", "COUNTA", "COUNTBLANK", "COUNTIF", "COUNTIFS", "DATE", "FIND", "IF",
    "IFERROR", "INDEX", "INT", "ISBLANK", "ISERROR", "ISNA", "ISNUMBER", "ISTEXT", "LARGE", "LEFT", "LEN", "MATCH",
    "MAX", "MID", "MIN", "MOD", "NA", "NOT", "OR", "RIGHT", "ROUND", "ROW", "ROWS", "SEARCH", "SUBSTITUTE", "SUM",
    "SUMPRODUCT", "TEXT", "TODAY", "TRIM", "WEEKDAY",
))


class TextWorksheet(Worksheet):
    """A worksheet that writes every string as the text it is.

    XlsxWriter takes any string that starts with '<r>' and ends with '</r>' for rich-text
    XML of its own and writes it unescaped: a pupil's name typed that way broke the XML of
    the leaders' summary, or added a HYPERLINK formula to it (found in review). Such a
    string is written as a rich string of plain parts, which XlsxWriter escapes: the same
    text, in the cell's font. Text stored as a formula's result is escaped like cell text.
    """

    def _write_string(self, row, col, string, cell_format=None):
        if string.startswith("<r>") and string.endswith("</r>"):
            if cell_format is None:
                return self._write_rich_string(row, col, "<", "r", string[2:])
            # each part in the cell's own font, and the cell's format last
            return self._write_rich_string(row, col, "<", cell_format, "r", cell_format, string[2:], cell_format)
        return super()._write_string(row, col, string, cell_format)

    def _prepare_formula(self, formula, expand_future_functions=False):
        """XlsxWriter runs some 30 regular expressions over every formula to mark functions
        newer than Excel 2010 (_xlfn.); over the overbliksark's long per-row formulas that was
        most of the time a template took to write. A formula using only functions on
        OLD_FUNCTIONS needs no marking: one search decides. Any other goes XlsxWriter's way."""
        if not self.use_future_functions and not expand_future_functions:
            text = formula.removeprefix("{").removeprefix("=").removesuffix("}")
            if {name.upper() for name in FUNCTION_CALL.findall(text)} <= OLD_FUNCTIONS:
                return text
        return super()._prepare_formula(formula, expand_future_functions)

    def _write_formula(self, row, col, formula, cell_format=None, value=0):
        """A text result stored with the formula gets the control-character escapes XlsxWriter
        gives cell text (found in review: a name with a vertical tab broke the sheet's XML)."""
        if isinstance(value, str):
            value = self._escape_control_characters(value)
        return super()._write_formula(row, col, formula, cell_format, value)


@contextmanager
def written_whole(path: Path):
    """A temporary file beside `path` to write to, moved over `path` only once it is
    complete: a full disk or a stopped run left a truncated summary, in place of the last
    good one (found in review). The file gets the permissions a plain write would give it
    (mkstemp's own are owner-only, which locked other leaders out of a shared folder)."""
    if path.exists() and not path.is_file():  # moved over a device or a pipe, it replaced it (review: /dev/full)
        raise XlkitError(f"{path} er ikke en almindelig fil (men fx en mappe eller en enhed). Vælg et andet filnavn.")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    except OSError as error:  # named the hidden temporary file (review); the leader knows the output's name
        raise OSError(error.errno, error.strerror, str(path)) from None
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        os.chmod(partial, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        os.replace(partial, path)
    except FileCreateError as error:  # XlsxWriter's wrapper round the OSError: the CLI says it in Danish
        raise (error.args[0] if error.args and isinstance(error.args[0], OSError) else OSError(str(error))) from None
    finally:
        partial.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_workbook(path, **options) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook that writes every string as text (`options` are XlsxWriter's).

    XlsxWriter would otherwise turn '=...' into formulas and 'http...' into links, which
    lets text copied from a teacher's file run as a formula in the leaders' workbook.
    """
    workbook = xlsxwriter.Workbook(
        path if hasattr(path, "write") else str(path),
        {**options, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    workbook.worksheet_class = TextWorksheet
    return workbook


def exact_lookup(cell: str) -> str:
    """A cell's value as MATCH and COUNTIFS find it exactly: in text, * ? and ~ would be
    wildcards (found in review: a plan row typed 'Matematik*' counted as planned, and a
    pupil named Anna~Marie left the Elevark blank), so they are escaped with ~."""
    return f'IF(ISTEXT({cell}),SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({cell},"~","~~"),"*","~*"),"?","~?"),{cell})'


def exact_criterion(text: str) -> str:
    """A text as a COUNTIFS criterion that matches it exactly: wildcards escaped (see
    exact_lookup), and '=' first, or a name beginning with < > or = would be a comparison."""
    escaped = text.replace("~", "~~").replace("*", "~*").replace("?", "~?").replace('"', '""')
    return f'"={escaped}"'


def write_metadata(workbook: xlsxwriter.Workbook, metadata: dict[str, object], too_big: str = "Del skemaet op i flere."):
    """Store the workbook's identity on a very hidden, protected sheet.

    A teacher cannot see or break it by accident; the reader identifies the workbook by
    it. Every value is stored as JSON, so types survive; a value longer than one cell holds
    is refused with the advice `too_big`. Returns the sheet for template helpers.
    """
    sheet = workbook.add_worksheet(METADATA_SHEET)
    identity = {"xlkit_version": __version__, **metadata}
    for row, (key, value) in enumerate(identity.items()):
        if holds_cpr(value):  # school, class, subject and test names end up in every summary
            raise XlkitError(f"Skemaets oplysning om {METADATA_LABELS.get(key, key)} indeholder noget, der ligner "
                             "et CPR-nummer; xlkit skriver ikke CPR-numre i skemaer. Ret det, og prøv igen.")
        text = json.dumps(value, ensure_ascii=False)
        if len(text) > MAX_CELL_TEXT:  # XlsxWriter would cut it, and the workbook could not be read back
            raise XlkitError(f"Skemaets oplysninger om '{key}' fylder {len(text)} tegn, men en celle rummer "
                             f"højst {MAX_CELL_TEXT}. {too_big}")
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, text)
    sheet.very_hidden()
    sheet.protect()
    workbook.set_custom_property(OUTPUT_KIND_PROPERTY, str(metadata.get("kind", "")))
    workbook.set_custom_property("xlkit_version", __version__)
    return sheet


def holds_cpr(value: object) -> bool:
    """Whether any string inside a JSON-like value looks like a CPR number."""
    if isinstance(value, str):
        return looks_like_cpr(value)
    if isinstance(value, dict):
        return any(holds_cpr(key) or holds_cpr(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(holds_cpr(item) for item in value)
    return False


def define_range_name(
    workbook: xlsxwriter.Workbook, name: str, sheet: str, first_row: int, first_col: int,
    last_row: int, last_col: int,
) -> None:
    """A workbook-level name for a region: Excel moves it when rows or columns are inserted,
    so the reader still finds the data."""
    area = xl_range_abs(first_row, first_col, last_row, last_col)
    workbook.define_name(NAME_PREFIX + name, f"={quote_sheetname(sheet)}!{area}")


def define_cell_name(workbook: xlsxwriter.Workbook, name: str, sheet: str, row: int, col: int) -> None:
    cell = xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)
    workbook.define_name(NAME_PREFIX + name, f"={quote_sheetname(sheet)}!{cell}")


def protect_inputs_only(sheet, *, insert_rows: bool = False, autofilter: bool = False) -> None:
    """Lock everything but the unlocked input cells; no password (a teacher may lift it).

    Resizing stays allowed. Inserting rows only where the reader follows defined names (the
    elevvurderingsskema); the overbliksark and årshjul match their sheets row by row.
    Sorting is never offered: Excel refuses to sort a range with locked cells on a protected
    sheet whatever the setting says (found in review); the årshjul's Plan says how to sort.
    """
    sheet.protect("", {
        "insert_rows": insert_rows, "autofilter": autofilter, "format_columns": True, "format_rows": True,
        "select_locked_cells": True, "select_unlocked_cells": True,
    })


# The look shared by every xlkit sheet: a thin grey grid, the title, and the grey notes.
BORDER = {"border": 1, "border_color": "#9E9E9E"}
CENTER = {"align": "center", "valign": "vcenter"}
TITLE = {"bold": True, "font_size": 14}
NOTE = {"italic": True, "font_color": "#444444"}

# an input cell whose value the sheet cannot use: grey, set apart from every colour of a scale
INVALID_INPUT = {"bg_color": "#BFBFBF", "font_color": "#9C0006", "bold": True, "italic": True}


LINE_HEIGHT = 15  # points: one line of the default 11-point font


def wrapped_lines(text: str, width: float) -> int:
    """The lines a wrapped text takes in a column `width` characters wide. An estimate on the
    tall side: most letters are narrower than the '0' Excel measures widths in."""
    room = max(1, int(width) - 1)  # the cell's padding
    return sum(1 if len(line) <= room else len(textwrap.wrap(line, room)) for line in text.split("\n"))


def fit_row(sheet, row: int, cells: Iterable[tuple[str, float]]) -> None:
    """Give a row of wrapped text (text, column width) the height it needs. Neither Excel nor
    LibreOffice fits a row to its text on opening a written file, so a long text ran over the
    next row, on screen and on paper (found in review)."""
    lines = max((wrapped_lines(text, width) for text, width in cells if text), default=1)
    if lines > 1:
        sheet.set_row(row, LINE_HEIGHT * lines)


def column_pixels(width: float) -> int:
    """A column's width on screen in pixels, as Excel (and XlsxWriter) work it out from the
    width in characters of the default font."""
    return int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)


A4_LANDSCAPE_PT = (11.69 * 72, 8.27 * 72)  # width, height
PRINT_MARGINS = (0.4, 0.4, 0.7, 0.6)  # inches: left, right, top, bottom
MIN_PRINT_SCALE = 50  # per cent: below this a group is split by the printer rather than shrunk further
WIDTH_SAFETY = 0.88  # of the page: programs and printers measure a column a little wider than Excel's pixels


def group_breaks(widths: list[float], heights: list[float], groups: list[int], repeated: int,
                 margins_in: tuple[float, float, float, float] = PRINT_MARGINS) -> tuple[int, list[int]]:
    """A fixed print scale and a page break before each group of columns that would not
    fit on the page, so a group (a test's tasks, a fagområde over time) is never cut in two.
    Excel ignores manual page breaks under "fit to page", so the scale is worked out here
    (review: the Over tid sheet broke inside a group, a test sheet inside its summary).

    widths: every column's width in characters; heights: every printed row's height in
    points; groups: the first column of each group, in order; repeated: columns
    0..repeated-1 are printed on every page; margins_in: left, right, top, bottom in inches."""
    page_width = (A4_LANDSCAPE_PT[0] - 72 * (margins_in[0] + margins_in[1])) * WIDTH_SAFETY
    page_height = A4_LANDSCAPE_PT[1] - 72 * (margins_in[2] + margins_in[3])
    points = [column_pixels(width) * 0.75 for width in widths]
    kept = sum(points[:repeated])
    spans = [sum(points[start:end]) for start, end in zip(groups, groups[1:] + [len(points)])]
    fitting = min(page_height / sum(heights), page_width / (kept + max(spans)))
    scale = max(MIN_PRINT_SCALE, min(100, int(100 * fitting)))
    room, used, breaks = page_width * 100 / scale - kept, 0.0, []
    for start, span in zip(groups, spans):
        if used and used + span > room:
            breaks.append(start)
            used = 0.0
        used += span
    return scale, breaks


def merge_by_page(sheet, row: int, first: int, last: int, text: str, fmt, breaks: list[int]) -> None:
    """A band over columns first..last, merged once per printed page, each part with its
    label: a band merged across a page break printed its centred label cut in two, or on
    neither page (review: Over tid's "Fagområder")."""
    starts = [first] + [b for b in breaks if first < b <= last]
    for i, (start, end) in enumerate(zip(starts, starts[1:] + [last + 1])):
        label = text if i == 0 else f"{text} (fortsat)"
        if end - 1 > start:
            sheet.merge_range(row, start, row, end - 1, label, fmt)
        else:
            sheet.write_string(row, start, label, fmt)


def header_text(text: str, limit: int = 110) -> str:
    """Escape '&' for Excel's header/footer codes, within `limit` characters: a header over
    255 is dropped by the writer with only a warning (found in review: a long school name)."""
    escaped = text.replace("&", "&&")
    if len(escaped) <= limit:
        return escaped
    cut = escaped[:limit - 1]
    if (len(cut) - len(cut.rstrip("&"))) % 2:  # never half of an escaped '&&'
        cut = cut[:-1]
    return cut + "…"


SUMMARY_HEADER = "Skoleoversigt"
CONFIDENTIAL = "Fortroligt: oplysninger om elever"


def print_page(sheet, left: str, center: str | None = None, header_rows: tuple[int, int] | None = None,
               landscape: bool = True, groups: tuple[list[float], list[float], list[int], int] | None = None,
               footer: str = "Lavet med xlkit") -> None:
    """A4 with `left` (the school), `center` (a title; None: the sheet's name), the date and
    page x of y on every page, and the header rows repeated: a printout is read page by page
    (review: a summary's page 2 said neither what nor when). One page wide (portrait: one
    page), or with `groups` (column widths, row heights, first column of each group,
    repeated columns) as many pages as group_breaks finds."""
    sheet.set_paper(9)
    sheet.set_landscape() if landscape else sheet.set_portrait()
    if groups is None:
        sheet.fit_to_pages(1, 0 if landscape else 1)
    else:
        widths, heights, starts, repeated = groups
        sheet.repeat_columns(0, repeated - 1)
        scale, breaks = group_breaks(widths, heights, starts, repeated)
        sheet.set_print_scale(scale)
        sheet.set_v_pagebreaks(breaks)
    if header_rows:
        sheet.repeat_rows(*header_rows)
    sheet.set_margins(*PRINT_MARGINS)
    title = "&A" if center is None else header_text(center)
    sheet.set_header(f"&L{header_text(left)}&C{title}&RUdskrevet &D", {"margin": 0.3})
    sheet.set_footer(f"&L{header_text(footer)}&RSide &P af &N", {"margin": 0.3})


def print_wide(sheet, header_row: int | None = None, left: str = "", footer: str = "Lavet med xlkit") -> None:
    """A report sheet (the summary, the showcase): landscape, titled by the sheet's name."""
    print_page(sheet, left, header_rows=None if header_row is None else (header_row, header_row), footer=footer)


def generated_at() -> str:
    return datetime.now().replace(microsecond=0).isoformat()


def write_text_or_blank(sheet, row: int, col: int, text: str, fmt) -> None:
    """The text, or a truly blank (formatted) cell rather than an empty string."""
    if text:
        sheet.write_string(row, col, text, fmt)
    else:
        sheet.write_blank(row, col, None, fmt)

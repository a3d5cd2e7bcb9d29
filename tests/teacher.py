"""Filling a workbook the way a teacher does, with openpyxl standing in for Excel."""

from __future__ import annotations

import json
import re
import warnings

import openpyxl
from openpyxl.utils import range_boundaries


def open_for_filling(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def insert_row_like_excel(workbook, sheet_title: str, row: int) -> None:
    """Insert a row above `row` and move workbook names as Excel does.

    openpyxl's insert_rows moves cells only; Excel also moves every defined name that
    refers to the shifted cells (and grows a range the row is inserted into).
    """
    workbook[sheet_title].insert_rows(row)
    for name, defined in list(workbook.defined_names.items()):
        text = defined.attr_text
        match = re.fullmatch(r"'?([^'!]+)'?!(\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)", text)
        if not match or match.group(1) != sheet_title:
            continue
        min_col, min_row, max_col, max_row = range_boundaries(match.group(2).replace("$", ""))
        if min_row >= row:
            min_row += 1
        if max_row >= row:
            max_row += 1
        first = f"${openpyxl.utils.get_column_letter(min_col)}${min_row}"
        last = f"${openpyxl.utils.get_column_letter(max_col)}${max_row}"
        defined.attr_text = f"{sheet_title}!{first}" + ("" if first == last else f":{last}")


def with_metadata(path, target, key, change):
    """A copy whose hidden value `key` is change(value), written as JSON the way xlkit does."""
    wb = openpyxl.load_workbook(path)
    for cell_key, cell_value in wb["xlkit"].iter_rows(min_col=1, max_col=2):
        if cell_key.value == key:
            cell_value.value = json.dumps(change(json.loads(cell_value.value)))
    wb.save(target)
    return target


REFERENCE = re.compile(r"(?<![A-Za-z0-9_.$:!])((?:'(?:[^']|'')+'|[A-Za-z0-9_.]+)!)?"
                       r"(\$?[A-Z]{1,3}\$?[0-9]+(?::\$?[A-Z]{1,3}\$?[0-9]+)?)(?![A-Za-z0-9_(:])")


def cut_and_paste_like_excel(workbook, sheet_title: str, source: str, target_top_left: str) -> None:
    """Cut `source` (like K10:M10) and paste it with its top left at `target_top_left` as
    Excel does: the values move, and every formula and name in the workbook that refers to
    a range lying wholly inside the cut cells follows them, while one lying wholly inside the
    pasted-over cells becomes #REF!. A reference only partly inside either is left alone.

    openpyxl moves values only; Excel's rewriting of the other formulas is what breaks a
    sheet whose formulas point at its own input cells (found in review)."""
    sheet = workbook[sheet_title]
    min_col, min_row, max_col, max_row = range_boundaries(source)
    to_col, to_row = range_boundaries(target_top_left)[:2]
    d_row, d_col = to_row - min_row, to_col - min_col
    cut = (min_col, min_row, max_col, max_row)
    pasted = (min_col + d_col, min_row + d_row, max_col + d_col, max_row + d_row)

    def inside(bounds, area) -> bool:
        return area[0] <= bounds[0] and area[1] <= bounds[1] and bounds[2] <= area[2] and bounds[3] <= area[3]

    def rewrite(formula: str, formula_sheet: str) -> str:
        def one(match) -> str:
            prefix, reference = match.group(1) or "", match.group(2)
            if (prefix[:-1].strip("'").replace("''", "'") if prefix else formula_sheet) != sheet_title:
                return match.group(0)
            bounds = range_boundaries(reference.replace("$", ""))
            if inside(bounds, cut):
                return prefix + re.sub(r"(\$?)([A-Z]{1,3})(\$?)([0-9]+)", lambda m: (
                    m.group(1) + openpyxl.utils.get_column_letter(openpyxl.utils.column_index_from_string(m.group(2)) + d_col)
                    + m.group(3) + str(int(m.group(4)) + d_row)), reference)
            return prefix + "#REF!" if inside(bounds, pasted) else match.group(0)
        parts = formula.split('"')  # text in quotes is no reference
        return '"'.join(REFERENCE.sub(one, part) if i % 2 == 0 else part for i, part in enumerate(parts))

    for other in workbook.worksheets:
        for row in other.iter_rows():
            for cell in row:
                value = cell.value
                text = getattr(value, "text", value)
                if isinstance(text, str) and text.startswith("="):
                    if hasattr(value, "text"):
                        value.text = rewrite(text, other.title)
                    else:
                        cell.value = rewrite(text, other.title)
    for defined in workbook.defined_names.values():
        defined.attr_text = rewrite("=" + defined.attr_text, "")[1:]
    moved = {(r, c): sheet.cell(r, c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)}
    for (r, c) in moved:
        sheet.cell(r, c).value = None
    for (r, c), value in moved.items():
        sheet.cell(r + d_row, c + d_col).value = value

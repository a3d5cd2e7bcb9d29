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

"""A workbook that shows each xlwings UDF next to its native-formula twin.

Every formula is written with its value computed by xlkit (the UDF's and the rules'), so
the sheet reads correctly even where the UDFs are not installed and before Excel
recalculates; with xlwings set up (macros/README.md) Excel recomputes both columns and the
'Ens' column shows that they agree.
"""

from __future__ import annotations

from pathlib import Path

from xlsxwriter.utility import xl_range, xl_rowcol_to_cell

from xlkit import rules, udfs
from xlkit.spec import load_spec
from xlkit.workbook import OUTPUT_KIND_PROPERTY, TITLE, new_workbook, print_wide

HEADERS = ("Excel-formel", "xlwings (UDF)", "Ens")
RESULT_COL = 7  # native formula, UDF and "Ens" sit side by side from here


def build_showcase(path: str | Path) -> Path:
    spec = load_spec()
    scale = spec.scale
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet("Funktioner")
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format(TITLE)
    note = workbook.add_format({"italic": True, "font_color": "#444444", "text_wrap": True, "valign": "top"})
    header = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    cell = workbook.add_format({"border": 1})
    pct = workbook.add_format({"border": 1, "num_format": "0%"})
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 6, 11)
    sheet.set_column(7, 8, 42)
    sheet.set_column(9, 9, 6)
    sheet.write_string(0, 0, "xlkit-funktioner: xlwings ved siden af Excels egne formler", title)
    # classic xlwings needs the .xlsm and Import Functions too (found by the red team: the note said
    # recalculating was enough, and the column stayed #NAVN?)
    sheet.set_row(1, 45)  # wrapped across the tables: one long line widened the printed page (seen rendered)
    sheet.merge_range(1, 0, 1, 9, "Kolonnen Excel-formel virker altid. Kolonnen xlwings (UDF) viser #NAVN?, indtil xlkits "
                             "funktioner er sat op (se macros/README.md): med xlwings Lite genberegnes med Ctrl+Alt+F9; "
                             "med klassisk xlwings gemmes mappen som .xlsm, og funktionerne hentes med xlwings → Import "
                             "Functions. Ens viser, om de to giver det samme.", note)
    row = 3

    def compare(r: int, native_col: int, native: str, native_value, udf: str, udf_value) -> None:
        sheet.write_formula(r, native_col, native, cell, native_value)
        sheet.write_formula(r, native_col + 1, udf, cell, udf_value)
        a, b = xl_rowcol_to_cell(r, native_col), xl_rowcol_to_cell(r, native_col + 1)
        sheet.write_formula(r, native_col + 2, f'IFERROR(IF({a}={b},"ja","nej"),"–")', cell,
                            "ja" if native_value == udf_value else "nej")

    def section(name: str, inputs: list[str], first_result_col: int) -> int:
        nonlocal row
        sheet.write_string(row, 0, name, bold)
        row += 1
        for col, text in enumerate(inputs):
            sheet.write_string(row, col, text, header)
        for i, text in enumerate(HEADERS):
            sheet.write_string(row, first_result_col + i, text, header)
        row += 1
        return row

    def write_input(r: int, c: int, value) -> None:
        if value is None:
            sheet.write_blank(r, c, None, cell)
        elif isinstance(value, str):
            sheet.write_string(r, c, value, cell)
        else:
            sheet.write_number(r, c, value, cell)

    section("XLKIT_STATUS: niveauets navn", ["Vurdering"], RESULT_COL)
    for value in (1, 2, 3, 4, 5, "gul", None, 6):
        ref = xl_rowcol_to_cell(row, 0)
        write_input(row, 0, value)
        level = scale.status(value)
        compare(row, RESULT_COL, rules.excel_status_formula(ref, scale), level.name if level else "",
                f"XLKIT_STATUS({ref})", udfs.XLKIT_STATUS([[value]])[0][0])
        row += 1

    row += 1
    section("XLKIT_PCTSTATUS: rød, gul eller grøn efter andel af maks (gul fra 50 %, grøn fra 80 %)", ["Point", "Maks"], RESULT_COL)
    thresholds = rules.PointsThresholds()
    for points, maximum in ((0, 4), (1, 4), (2, 4), (3, 4), (4, 5), (5, 4), (None, 4)):
        write_input(row, 0, points)
        write_input(row, 1, maximum)
        p, m = xl_rowcol_to_cell(row, 0), xl_rowcol_to_cell(row, 1)
        compare(row, RESULT_COL, rules.excel_points_status_formula(p, m, thresholds), thresholds.status(points, maximum) or "",
                f"XLKIT_PCTSTATUS({p},{m})", udfs.XLKIT_PCTSTATUS([[points]], [[maximum]])[0][0])
        row += 1

    row += 1
    section("XLKIT_TREND: udvikling over terminer (tolerance 0,25)", [f"Termin {i}" for i in range(1, 6)], RESULT_COL)
    trend_rule = rules.TrendRule()
    for series in ([2, 3, 3, 4, 4], [4, 4, 3, 4, 4], [5, 4, 4, 3, 2], [3, None, None, 4, None], [3, None, None, None, None]):
        for i, value in enumerate(series):
            write_input(row, i, value)
        area = xl_range(row, 0, row, 4)
        compare(row, RESULT_COL, rules.excel_trend_formula(area, 5, trend_rule), rules.trend(series, trend_rule) or "",
                f"XLKIT_TREND({area})", udfs.XLKIT_TREND([series])[0][0])
        row += 1

    row += 1
    labels = [s.label for s in spec.subjects]
    section("XLKIT_FOKUS: i fokus i seneste termin?", [f"{s} nu" for s in labels] + [f"{s} før" for s in labels], RESULT_COL)
    for now, before in (([2, 4, 4], [3, 4, 4]), ([3, 4, 2], [5, 4, 3]), ([4, 4, 4], [4, 3, 5]), ([1, None, 3], [1, 2, "x"])):
        for i, value in enumerate(now + before):
            write_input(row, i, value)
        n = len(labels)
        now_refs = [xl_rowcol_to_cell(row, i) for i in range(n)]
        before_refs = [xl_rowcol_to_cell(row, n + i) for i in range(n)]
        reasons = rules.focus_text(rules.focus_reasons(scale, spec.focus, list(zip(labels, now, before))))
        subjects = "{" + ",".join(f'"{s}"' for s in labels) + "}"
        compare(row, RESULT_COL, rules.excel_focus_formula(scale, spec.focus, list(zip(labels, now_refs, before_refs))), reasons,
                f"XLKIT_FOKUS({now_refs[0]}:{now_refs[-1]},{before_refs[0]}:{before_refs[-1]},{subjects})",
                udfs.XLKIT_FOKUS([now], [before], labels)[0][0])
        row += 1

    row += 1
    sheet.write_string(row, 0, "XLKIT_FORDELING: antal på hvert niveau (spildes ud som en tabel)", bold)
    row += 1
    values = [3, 4, 4, 2, 5, 4, 1, 3, "gul", None, 4, 2]
    sheet.write_string(row, 0, "Vurderinger", header)
    for i, value in enumerate(values):
        write_input(row, 1 + i, value)
    area = xl_range(row, 1, row, len(values))
    row += 2
    table = udfs.XLKIT_FORDELING([values])
    sheet.write_string(row - 1, 0, "Excel-formler", header)
    sheet.write_string(row - 1, 6, "xlwings (UDF)", header)
    counts = scale.distribution(values)
    for i, text in enumerate(table[0]):
        sheet.write_string(row, i, text, header)
    for i, level in enumerate(scale.levels, start=1):
        sheet.write_number(row + i, 0, level.value, cell)
        sheet.write_string(row + i, 1, level.name, cell)
        sheet.write_formula(row + i, 2, rules.excel_count_formula(area, level.value), cell, counts[level.value])
        total = f"SUM({xl_range(row + 1, 2, row + len(scale.levels), 2)})"
        share = counts[level.value] / sum(counts.values())
        sheet.write_formula(row + i, 3, f'IF({total}=0,"",{xl_rowcol_to_cell(row + i, 2)}/{total})', pct, share)
    first, last = (row, 6), (row + len(table) - 1, 6 + len(table[0]) - 1)
    sheet.write_dynamic_array_formula(*first, *last, f"XLKIT_FORDELING({area})", cell, table[0][0])
    for r, line in enumerate(table):  # the other cells hold the spilled result as cached values
        for c, value in enumerate(line):
            if (r, c) == (0, 0):
                continue
            if c == 3 and r > 0:
                sheet.write_number(row + r, 6 + c, value, pct)
            else:
                write_input(row + r, 6 + c, value)
    print_wide(sheet)
    workbook.set_custom_property(OUTPUT_KIND_PROPERTY, "xlwings-eksempel")  # left out when a folder holding it is read
    workbook.close()
    return Path(path)

"""The årshjul workbook: the læsevejleder edits one Excel table, everything else follows.

Sheets:
- "Plan": the table (Aktivitet, Klasse, Uge, Ansvarlig, Note) with a native Type and Tjek
  column per row;
- "Årsplan": one row per class, one column per school week (month bands, holiday weeks
  shaded), each cell showing what is planned, coloured by type;
- "Årshjul": the year as a circle (months, weeks, tests per week);
- "Tjek": tests per class per week and per month against the limits, compulsory activities
  missing, classes without tests in a term — the same findings as `xlkit plan check`;
- "Klasse": one class's own årshjul, chosen from a dropdown, on one page;
- "Katalog" and "Uger": the catalogue and the school weeks the formulas look up (locked).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import string
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_range_abs, xl_rowcol_to_cell

from xlkit import stored
from xlkit.book import MAX_ROWS
from xlkit.errors import InvalidWorkbook, SpecError
from xlkit.plan import (
    DATED, MONTHS, MOVED, SPLIT_ADVICE, SUGGESTED, SchoolWeek, applicable, check_plan, school_weeks,
)
from xlkit.spec import Assignment, PlanSpec, plan_from_data
from xlkit.records import WorkbookData
from xlkit.problems import Problem
from xlkit.values import ErrorValue, danish_number, error_field, looks_like_cpr, quoted, without_cpr
from xlkit.workbook import (
    BORDER, CENTER, MAX_CELL_TEXT, METADATA_SHEET, NAME_PREFIX, NOTE, TITLE, define_range_name, exact_criterion,
    exact_lookup, generated_at, header_text, new_workbook, protect_inputs_only, write_metadata,
)

KIND = "aarshjul"
GRADES_LOOKUP_COL = 10  # the Katalog's hidden ",2,3,4," form of the grades; column D shows "2, 3, 4" (review)
PLAN, GRID, WHEEL, CHECK, CLASS, CATALOGUE, WEEKS = "Plan", "Årsplan", "Årshjul", "Tjek", "Klasse", "Katalog", "Uger"
OWN_SHEETS = (GRID, WHEEL, CHECK, CLASS, CATALOGUE, WEEKS)  # made by xlkit, no name points to them
UNREAD_SHEET_ACTION = ("Står der aktiviteter i arket, er de ikke med i tjek, forslag og kalendere. Skriv dem i "
                       "arket Plan (et kopieret ark læses ikke).")  # not consolidate's wording (found in review)
PLAN_ROWS = 600  # capacity of the plan table (about 75 classes with the default catalogue)
PLAN_HEADER = 3  # 0-based row of the table header
FIELD_NAMES = ("aktiviteten", "klassen", "ugen", "den ansvarlige", "noten")  # the Plan's columns, in messages
DONE_COL, DONE = 7, "Ja"  # the Plan's Gennemført column, after the formulas: older årshjul have no such column
TYPE_COLOURS = {"prøve": "#F4B183", "samtale": "#9DC3E6", "andet": "#C5E0B4"}
HOLIDAY_FILL = "#D9D9D9"
ROW_CHECK_LABELS = {  # the Tjek column's words for each row-level finding, in the order checked
    "unknown-activity": "Ukendt aktivitet", "unknown-class": "Ukendt klasse", "not-a-school-week": "Ikke en skoleuge",
    "outside-window": "Uden for vinduet", "holiday-week": "Ferieuge", "wrong-grade": "Forkert klassetrin",
    "duplicate-row": "Står flere gange i ugen",
}


def _abs(sheet: str, first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    return f"{quote_sheetname(sheet)}!{xl_range_abs(first_row, first_col, last_row, last_col)}"


class Refs:
    """Absolute references every formula uses (plain ranges: LibreOffice and every Excel read them)."""

    def __init__(self, spec: PlanSpec, weeks: list[SchoolWeek]):
        first, last = PLAN_HEADER + 1, PLAN_HEADER + PLAN_ROWS
        self.activity = _abs(PLAN, first, 0, last, 0)
        self.klass = _abs(PLAN, first, 1, last, 1)
        self.week = _abs(PLAN, first, 2, last, 2)
        self.type = _abs(PLAN, first, 5, last, 5)
        n = len(spec.activities)
        self.cat_name = _abs(CATALOGUE, 4, 0, 3 + n, 0)
        self.cat_short = _abs(CATALOGUE, 4, 1, 3 + n, 1)
        self.cat_kind = _abs(CATALOGUE, 4, 2, 3 + n, 2)
        self.cat_grades = _abs(CATALOGUE, 4, GRADES_LOOKUP_COL, 3 + n, GRADES_LOOKUP_COL)
        self.cat_from = _abs(CATALOGUE, 4, 4, 3 + n, 4)
        self.cat_to = _abs(CATALOGUE, 4, 5, 3 + n, 5)
        c = len(spec.classes)
        self.classes = _abs(CATALOGUE, 6 + n, 0, 5 + n + c, 0)
        w = len(weeks)
        self.weeks = _abs(WEEKS, 4, 1, 3 + w, 1)
        self.mondays = _abs(WEEKS, 4, 3, 3 + w, 3)
        self.week_holiday = _abs(WEEKS, 4, 4, 3 + w, 4)


def build(spec: PlanSpec, path: str | Path | BinaryIO, plan: list[Assignment] | None = None,
          calendar_id: str = "") -> Path | BinaryIO:
    """Write the årshjul workbook to a file, or to a file object (kept in memory); `plan`
    defaults to the spec's plan. Rows that `xlkit plan suggest` added or moved (by their
    note) are shown in green. `calendar_id`: the årshjul's own, kept by a new version of
    it; a new årshjul gets a new one."""
    plan = list(spec.plan if plan is None else plan)
    if len(plan) > PLAN_ROWS:
        raise InvalidWorkbook(f"Planen har {len(plan)} rækker; skemaet har plads til {PLAN_ROWS}.")
    plan = [replace(a, row=PLAN_HEADER + 2 + i) for i, a in enumerate(plan)]  # the sheet rows they will get
    weeks = school_weeks(spec)
    refs = Refs(spec, weeks)
    findings = check_plan(spec, plan)
    in_memory = hasattr(path, "write")  # a file object: nothing is written to disk
    path = path if in_memory else Path(path)
    workbook = new_workbook(path, in_memory=in_memory)
    f = _formats(workbook)
    _plan_sheet(workbook, f, spec, plan, refs, findings)
    _grid_sheet(workbook, f, spec, weeks, plan, refs)
    _wheel_sheet(workbook, f, spec, weeks, plan, refs)
    _check_sheet(workbook, f, spec, weeks, plan, refs, findings)
    _class_sheet(workbook, f, spec, weeks, plan, refs)
    _catalogue_sheet(workbook, f, spec)
    _weeks_sheet(workbook, f, weeks)
    write_metadata(workbook, {"kind": KIND, "spec_id": spec.id, "spec_version": spec.version,
                              "plan_spec": spec_json(spec), "calendar_id": calendar_id or new_calendar_id(),
                              "generated_at": generated_at()},
                   too_big=SPLIT_ADVICE)
    define_range_name(workbook, "plan", PLAN, PLAN_HEADER + 1, 0, PLAN_HEADER + PLAN_ROWS, 4)
    define_range_name(workbook, "plan_done", PLAN, PLAN_HEADER + 1, DONE_COL, PLAN_HEADER + PLAN_ROWS, DONE_COL)
    workbook.get_worksheet_by_name(PLAN).activate()
    workbook.set_properties({"title": spec.title, "comments": "Lavet med xlkit"})
    workbook.close()
    return path


CALENDAR_ID = re.compile(r"[a-z]{26}")


def new_calendar_id() -> str:
    """A random identity for one årshjul's calendar events: two schools' årshjul made from the
    same spec gave the same event UIDs, so one school's events replaced the other's (found by
    the red team). Letters only: digits could look like a CPR number to the metadata scan."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(26))


def stored_calendar_id(metadata: dict) -> str:
    """The årshjul's calendar identity, or "" for one made before it was stored (or forged)."""
    value = metadata.get("calendar_id")
    return value if isinstance(value, str) and CALENDAR_ID.fullmatch(value) else ""


def spec_json(spec: PlanSpec) -> dict:
    return {
        "id": spec.id, "version": spec.version, "title": spec.title, "school_year": spec.school_year,
        "first_week": spec.first_week, "last_week": spec.last_week,
        "holiday_weeks": [{"name": h.name, "weeks": list(h.weeks)} for h in spec.holiday_weeks],
        "easter_holiday": spec.easter_holiday, "max_tests_per_week": spec.max_tests_per_week,
        "max_tests_per_month": spec.max_tests_per_month, "classes": list(spec.classes),
        "activities": [{**a.__dict__, "grades": list(a.grades), "window": list(a.window)} for a in spec.activities],
    }


STORED_KEYS = ("id", "version", "title", "school_year", "first_week", "last_week", "holiday_weeks",
               "easter_holiday", "classes", "activities")  # what spec_json writes, besides LIMITS
LIMITS = ("max_tests_per_week", "max_tests_per_month")  # kept at the top level, under `limits` in the YAML


def spec_from_json(data: object, path: str = "(skemaet)") -> PlanSpec:
    """The plan spec an årshjul keeps on its hidden sheet. The file is untrusted, so the
    copy gets the YAML's own checks (spec.plan_from_data), only the keys xlkit writes, and no
    more text than one cell holds (as every årshjul xlkit makes): a forged week, list or
    key must not reach the week arithmetic. ValueError or SpecError."""
    data = stored.mapping(data, "Planens beskrivelse")
    text = json.dumps(data, ensure_ascii=False)  # as write_metadata stored it
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("planens beskrivelse indeholder ugyldige tegn") from None
    if len(text) > MAX_CELL_TEXT:
        raise ValueError(f"planens beskrivelse fylder over {danish_number(MAX_CELL_TEXT)} tegn")
    shaped = {"kind": KIND, **{key: data[key] for key in STORED_KEYS if key in data},
              "limits": {key: data[key] for key in LIMITS if key in data}}
    if not shaped.get("holiday_weeks"):  # an empty list is written, but the YAML leaves the key out
        shaped.pop("holiday_weeks", None)
    shaped["activities"] = [{k: v for k, v in a.items() if (k, v) != ("subject", "")} if isinstance(a, dict) else a
                            for a in shaped.get("activities", [])]  # an activity without a subject is stored as ""
    return plan_from_data(shaped, path)


def _formats(workbook) -> dict:
    border, center = BORDER, CENTER
    f = {
        "title": workbook.add_format(TITLE),
        "info": workbook.add_format(NOTE),
        "info_wrap": workbook.add_format({**NOTE, "text_wrap": True, "valign": "top"}),
        "head": workbook.add_format({**border, **center, "bold": True, "bg_color": "#D9E1F2", "text_wrap": True}),
        "head_up": workbook.add_format({**border, **center, "bold": True, "bg_color": "#D9E1F2", "rotation": 90}),
        "label": workbook.add_format({**border, "valign": "vcenter"}),
        "month": workbook.add_format({**border, **center, "bold": True, "bg_color": "#B4C6E7"}),
        "week": workbook.add_format({**border, **center, "bold": True, "bg_color": "#D9E1F2", "font_size": 8}),
        "week_holiday": workbook.add_format({**border, **center, "bold": True, "bg_color": HOLIDAY_FILL, "font_size": 8}),
        "holiday_name": workbook.add_format({**border, **center, "bg_color": HOLIDAY_FILL, "font_size": 7, "rotation": 90}),
        "day_off": workbook.add_format({**border, **center, "font_size": 7, "rotation": 90, "font_color": "#7F6000"}),
        "class": workbook.add_format({**border, "bold": True}),
        "cell": workbook.add_format({**border, **center, "font_size": 7, "text_wrap": True}),
        "cell_holiday": workbook.add_format({**border, **center, "font_size": 7, "bg_color": HOLIDAY_FILL}),
        "input": workbook.add_format({**border, "locked": False}),
        "input_week": workbook.add_format({**border, "locked": False, "align": "center"}),
        "text": workbook.add_format(border),
        "wrap": workbook.add_format({**border, "text_wrap": True}),
        "num": workbook.add_format({**border, **center}),
        "bad": workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True}),
        "warn": workbook.add_format({"bg_color": "#FFEB9C", "font_color": "#7F6000"}),
        "good": workbook.add_format({"font_color": "#006100"}),
        "suggested": workbook.add_format({"bg_color": "#E2EFDA"}),
        "done": workbook.add_format({"bg_color": "#C6EFCE", "font_color": "#006100", "bold": True}),
        "choice": workbook.add_format({**border, "locked": False, "bold": True, "font_size": 12, "bg_color": "#FFF2CC"}),
        "date": workbook.add_format({**border, **center, "num_format": "dd.mm"}),
    }
    for kind, colour in TYPE_COLOURS.items():
        f[kind] = workbook.add_format({"bg_color": colour})
    return f


def _page(sheet, landscape: bool, title: str, pages_wide: int = 1, pages_tall: int = 1) -> None:
    """A4 with the title, date and page numbers; the big grids get more than one page (review:
    the Tjek sheet and the Årsplan on one page each printed at 4–5 pt)."""
    sheet.set_paper(9)
    sheet.set_landscape() if landscape else sheet.set_portrait()
    sheet.fit_to_pages(pages_wide, pages_tall)
    sheet.set_margins(left=0.3, right=0.3, top=0.6, bottom=0.5)
    sheet.set_header(f"&C{header_text(title)}&RUdskrevet &D", {"margin": 0.3})
    sheet.set_footer("&LLavet med xlkit&RSide &P af &N", {"margin": 0.3})


# --- Plan ---------------------------------------------------------------------------------

def _row_check_formula(r: int, refs: Refs) -> str:
    """Native twin of check_plan's row-level findings, in the same order and with the same stops."""
    a, c, cell = (xl_rowcol_to_cell(r, col) for col in (0, 1, 2))
    w = _week_number(cell)
    m = f"MATCH({exact_lookup(a)},{refs.cat_name},0)"
    week_i = f"IFERROR(MATCH({w},{refs.weeks},0),NA())"
    start, end = f"INDEX({refs.cat_from},{m})", f"INDEX({refs.cat_to},{m})"
    inside = f"IF({start}<={end},AND({w}>={start},{w}<={end}),OR({w}>={start},{w}<={end}))"
    holiday = f'INDEX({refs.week_holiday},{week_i})<>""'
    grade = f'ISNUMBER(SEARCH(","&LEFT({c},FIND(".",{c})-1)&",",INDEX({refs.cat_grades},{m})))'
    labels = ROW_CHECK_LABELS
    tail = (f'IF({inside},"","; {labels["outside-window"]}")&IF({holiday},"; {labels["holiday-week"]}","")'
            f'&IF({grade},"","; {labels["wrong-grade"]}")'
            # not COUNTIFS: to LibreOffice, the criterion 39 does not match a week typed as the text "39"
            f'&IF(SUMPRODUCT(({refs.activity}={a})*({refs.klass}={c})*({refs.week}&""={w}&""))>1,'
            f'"; {labels["duplicate-row"]}","")')
    return (
        f'IF(AND({a}="",{c}="",{cell}=""),"",IF(ISNA({m}),"{labels["unknown-activity"]}",IF(ISNA(MATCH({exact_lookup(c)},{refs.classes},0)),'
        f'"{labels["unknown-class"]}",IF(ISNA({week_i}),"{labels["not-a-school-week"]}",MID({tail},3,200)))))'
    )


def _week_number(cell: str) -> str:
    """The week a Plan cell gives, as the reader reads it: a number, or text that is exactly a
    number's digits ("39"); other text (" 39", "039", "+39") is #N/A. `--` alone made a week
    of " 39" here, which the sheets' COUNTIFS (criterion "39") never count (found by the red team)."""
    return f'IF((--{cell})&""={cell}&"",--{cell},NA())'


def _overdue_formula(r: int, refs: Refs) -> str:
    """Native twin of check_plan's not-done remark: a known activity in a school week whose
    Friday is past, not marked done. Used only by conditional formatting, so TODAY() colours
    the cell on every opening without making Excel ask to save a workbook nobody changed."""
    a, week, done = (xl_rowcol_to_cell(r, col, col_abs=True) for col in (0, 2, DONE_COL))
    known = f"ISNUMBER(MATCH({exact_lookup(a)},{refs.cat_name},0))"
    friday = f"INDEX({refs.mondays},MATCH({_week_number(week)},{refs.weeks},0))+4"
    return f'AND(TRIM({done})<>"{DONE}",{known},IFERROR({friday}<TODAY(),FALSE))'


FINDING_COLUMNS = {  # the Plan column each row-level finding is about (0-based), for "Plan, celle C11" in messages
    "unknown-activity": 0, "unknown-class": 1, "wrong-grade": 1, "not-a-school-week": 2, "outside-window": 2,
    "holiday-week": 2, "not-done": DONE_COL, "duplicate-row": 0,
}


def week_cell(row: int) -> str:
    """The Plan cell a row's week is typed in."""
    return f"{xl_col_to_name(FINDING_COLUMNS['not-a-school-week'])}{row}"


def class_cell(row: int) -> str:
    """The Plan cell a row's class is typed in."""
    return f"{xl_col_to_name(FINDING_COLUMNS['unknown-class'])}{row}"


def finding_cell(finding) -> str:
    """The cell a row-level finding is about: plan check named only the row (found by the red team)."""
    return f"{xl_col_to_name(FINDING_COLUMNS.get(finding.check, 0))}{finding.row}"


def row_check_text(findings: list, row: int) -> str:
    """What the Tjek column shows for a plan row, from check_plan's findings."""
    codes = [f.check for f in findings if f.row == row and f.check in ROW_CHECK_LABELS]
    return "; ".join(ROW_CHECK_LABELS[code] for code in ROW_CHECK_LABELS if code in codes)


def _plan_sheet(workbook, f, spec, plan, refs, findings) -> None:
    sheet = workbook.add_worksheet(PLAN)
    sheet.write_string(0, 0, f"{spec.title} · {spec.school_year_label}", f["title"])
    # across the table, wrapped: one long line made the page as wide as the text, and the table tiny (review)
    sheet.set_row(1, 45)
    sheet.merge_range(1, 0, 1, DONE_COL, "Skriv én række pr. aktivitet og klasse: vælg aktivitet og klasse i listerne, og skriv "
                             f"ugenummeret; skriv {DONE} under Gennemført, når den er taget (feltet bliver gult, når ugen er gået uden {DONE}). Årsplanen, årshjulet, "
                             "tjekket og klassearket følger med. Sortér: fjern "
                             "først arkbeskyttelsen (Gennemse > Fjern arkbeskyttelse; der er ingen adgangskode).", f["info_wrap"])
    columns = ["Aktivitet", "Klasse", "Uge", "Ansvarlig", "Note", "Type", "Tjek", "Gennemført"]
    rows = [[a.activity, a.class_name, a.week or a.typed_week, a.responsible, a.note] for a in plan]
    sheet.add_table(PLAN_HEADER, 0, PLAN_HEADER + PLAN_ROWS, len(columns) - 1, {
        "name": "Plan", "style": "Table Style Light 9", "autofilter": True,
        "columns": [{"header": h} for h in columns],
    })
    for i in range(PLAN_ROWS):
        r = PLAN_HEADER + 1 + i
        values = rows[i] if i < len(rows) else ["", "", None, "", ""]
        for col, value in enumerate(values):
            fmt = f["input_week"] if col == 2 else f["input"]
            if value in ("", None):
                sheet.write_blank(r, col, None, fmt)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(r, col, value, fmt)
            else:
                sheet.write_string(r, col, str(value), fmt)
        activity = spec.activity(values[0]) if values[0] else None
        kind = "" if not values[0] else (activity.kind if activity else "?")
        sheet.write_formula(r, 5, f'IF({xl_rowcol_to_cell(r, 0)}="","",IFERROR(INDEX({refs.cat_kind},'
                                  f'MATCH({exact_lookup(xl_rowcol_to_cell(r, 0))},{refs.cat_name},0)),"?"))', f["text"], kind)
        sheet.write_formula(r, 6, _row_check_formula(r, refs), f["wrap"], row_check_text(findings, r + 1))
        done = i < len(plan) and plan[i].done
        sheet.write_string(r, DONE_COL, DONE, f["input"]) if done else sheet.write_blank(r, DONE_COL, None, f["input"])
    first, last = PLAN_HEADER + 1, PLAN_HEADER + PLAN_ROWS
    sheet.data_validation(first, 0, last, 0, {"validate": "list", "source": f"={refs.cat_name}",
                                              "error_title": "Ukendt aktivitet",
                                              "error_message": "Vælg en aktivitet fra kataloget (arket Katalog)."})
    sheet.data_validation(first, 1, last, 1, {"validate": "list", "source": f"={refs.classes}",
                                              "error_title": "Ukendt klasse", "error_message": "Vælg en klasse fra listen."})
    sheet.data_validation(first, 2, last, 2, {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": 53,
                                              "error_title": "Ugenummer", "error_message": "Skriv et ugenummer fra 1 til 53."})
    sheet.data_validation(first, DONE_COL, last, DONE_COL, {
        "validate": "list", "source": [DONE], "error_title": "Gennemført",
        "error_message": f"Skriv {DONE}, når aktiviteten er gennemført; ellers lad feltet stå tomt."})
    sheet.conditional_format(first, 6, last, 6, {"type": "formula", "criteria": f"=LEN($G{first + 1})>0", "format": f["bad"]})
    sheet.conditional_format(first, DONE_COL, last, DONE_COL, {"type": "cell", "criteria": "==", "value": f'"{DONE}"',
                                                              "format": f["done"]})
    sheet.conditional_format(first, DONE_COL, last, DONE_COL, {"type": "formula", "criteria": "=" + _overdue_formula(first, refs),
                                                              "format": f["warn"]})
    note = f"$E{first + 1}"
    sheet.conditional_format(first, 0, last, 4, {
        "type": "formula", "format": f["suggested"],
        "criteria": f'=OR({note}="{SUGGESTED}",LEFT({note},{len(MOVED)})="{MOVED}",LEFT({note},{len(DATED)})="{DATED}")'})
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 2, 8)
    sheet.set_column(3, 3, 18)
    sheet.set_column(4, 4, 22)
    sheet.set_column(5, 5, 9)
    sheet.set_column(6, 6, 30)
    sheet.set_column(DONE_COL, DONE_COL, 11)
    sheet.freeze_panes(PLAN_HEADER + 1, 0)
    protect_inputs_only(sheet, autofilter=True)
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(PLAN_HEADER)


# --- Årsplan (the year grid) -----------------------------------------------------------------

GRID_FIRST_ROW, GRID_FIRST_COL = 6, 1  # 0-based: months row 2, weeks 3, Mondays 4, holidays 5


def _month_runs(weeks: list[SchoolWeek]) -> list[tuple[int, int, int]]:
    runs, start = [], 0
    for i in range(1, len(weeks) + 1):
        if i == len(weeks) or weeks[i].month != weeks[start].month:
            runs.append((weeks[start].month, start, i - 1))
            start = i
    return runs


def _week_header(sheet, f, weeks, first_col: int, top: int) -> None:
    for month, start, end in _month_runs(weeks):
        if start == end:
            sheet.write_string(top, first_col + start, MONTHS[month - 1][:3], f["month"])
        else:
            sheet.merge_range(top, first_col + start, top, first_col + end, MONTHS[month - 1].capitalize(), f["month"])
    for i, week in enumerate(weeks):
        col = first_col + i
        sheet.write_number(top + 1, col, week.week, f["week_holiday"] if week.holiday else f["week"])
        sheet.write_datetime(top + 2, col, dt.datetime.combine(week.monday, dt.time()), f["date"])
        label = week.holiday or ", ".join(name for _, name in week.days_off)
        sheet.write_string(top + 3, col, label, f["holiday_name"] if week.holiday else f["day_off"])


def grid_text(spec: PlanSpec, plan: list[Assignment], class_name: str, week: int) -> str:
    """What a year-grid cell shows: the first planned activity's short name, '+n' for more."""
    planned = [a for a in plan if a.class_name == class_name and a.week == week]
    if not planned:
        return ""
    activity = spec.activity(planned[0].activity)
    first = activity.short if activity else ""
    return first + (f" +{len(planned) - 1}" if len(planned) > 1 else "")


def _grid_formula(refs: Refs, class_ref: str, week_ref: str) -> str:
    """Weeks are compared as text (&""), as everywhere a plan week is counted: LibreOffice
    matches the criterion "39" with a week typed as the text "39", as the reader reads it, but
    the criterion 39 only with the number."""
    count = f'COUNTIFS({refs.klass},{class_ref},{refs.week},{week_ref}&"")'
    first = f'INDEX({refs.activity},MATCH(1,({refs.klass}={class_ref})*({refs.week}&""={week_ref}&""),0))'
    short = f"IFERROR(INDEX({refs.cat_short},MATCH({exact_lookup(first)},{refs.cat_name},0)),\"\")"
    return f'IF({count}=0,"",{short}&IF({count}>1," +"&({count}-1),""))'


def _grid_sheet(workbook, f, spec, weeks, plan, refs) -> None:
    sheet = workbook.add_worksheet(GRID)
    sheet.write_string(0, 0, f"Årsplan {spec.school_year_label}: prøver og aktiviteter "
                             "pr. klasse og uge", f["title"])
    sheet.write_string(1, 0, "Orange: prøve · Blå: samtale · Grøn: andet · Grå: ferie. '+1' betyder en aktivitet "
                             "mere samme uge (se arket Plan).", f["info"])
    _week_header(sheet, f, weeks, GRID_FIRST_COL, 2)
    sheet.write_string(3, 0, "Uge", f["head"])
    sheet.write_string(4, 0, "Mandag", f["head"])
    for r, class_name in enumerate(spec.classes, start=GRID_FIRST_ROW):
        sheet.write_string(r, 0, class_name, f["class"])
        for i, week in enumerate(weeks):
            col = GRID_FIRST_COL + i
            formula = _grid_formula(refs, f"$A{r + 1}", f"{xl_col_to_name(col)}$4")
            sheet.write_array_formula(r, col, r, col, "{=" + formula + "}",
                                      f["cell_holiday"] if week.holiday else f["cell"],
                                      grid_text(spec, plan, class_name, week.week))
    last_row = GRID_FIRST_ROW + len(spec.classes) - 1
    last_col = GRID_FIRST_COL + len(weeks) - 1
    for kind in ("prøve", "samtale", "andet"):
        sheet.conditional_format(GRID_FIRST_ROW, GRID_FIRST_COL, last_row, last_col, {
            "type": "formula", "format": f[kind],
            "criteria": f'=COUNTIFS({refs.klass},$A{GRID_FIRST_ROW + 1},{refs.week},'
                        f'{xl_col_to_name(GRID_FIRST_COL)}$4&"",{refs.type},"{kind}")>0',
        })
    sheet.set_column(0, 0, 8)
    sheet.set_column(GRID_FIRST_COL, last_col, 5.2)
    sheet.set_row(5, 58)
    for r in range(GRID_FIRST_ROW, last_row + 1):
        sheet.set_row(r, 22)
    sheet.freeze_panes(GRID_FIRST_ROW, GRID_FIRST_COL)
    protect_inputs_only(sheet)
    sheet.repeat_columns(0, 0)
    sheet.repeat_rows(2, 5)
    _page(sheet, True, f"Årsplan {spec.school_year_label}", pages_wide=2, pages_tall=0)


# --- Årshjul (the circle) ----------------------------------------------------------------------

def _wheel_sheet(workbook, f, spec, weeks, plan, refs) -> None:
    """The year as a circle: an inner ring of school weeks (month names at each month's first
    week, holidays grey) and an outer ring with the number of tests planned that week."""
    sheet = workbook.add_worksheet(WHEEL)
    year = spec.school_year_label
    sheet.write_string(0, 0, f"Årshjul {year}", f["title"])
    sheet.write_string(1, 0, "Inderst skoleugerne (grå: ferie), yderst antal planlagte prøver i ugen "
                             "(mørkere: flere). Tallene står i tabellen under hjulet.", f["info"])
    top = 32
    for col, text in enumerate(("Uge", "Etiket", "Ferie", "Prøver", "Værdi")):
        sheet.write_string(top, col, text, f["head"])
    tests = {}
    for a in plan:
        activity = spec.activity(a.activity)
        if activity and activity.is_test and a.class_name in spec.classes:
            tests[a.week] = tests.get(a.week, 0) + 1
    starts = {start for _, start, _ in _month_runs(weeks)}
    for i, week in enumerate(weeks):
        r = top + 1 + i
        label = f"{MONTHS[week.month - 1][:3]} {week.week}" if i in starts else str(week.week)
        sheet.write_number(r, 0, week.week, f["num"])
        sheet.write_string(r, 1, label, f["text"])
        sheet.write_string(r, 2, week.holiday, f["text"]) if week.holiday else sheet.write_blank(r, 2, None, f["text"])
        sheet.write_formula(r, 3, f'COUNTIFS({refs.week},{xl_rowcol_to_cell(r, 0)}&"",{refs.type},"prøve")', f["num"],
                            tests.get(week.week, 0))
        sheet.write_number(r, 4, 1, f["num"])
    last = top + len(weeks)
    busiest = max(tests.values(), default=0) or 1

    def shade(count: int) -> str:
        if not count:
            return "#FFFFFF"
        return ["#FBE5D6", "#F8CBAD", "#F4B183", "#C55A11"][min(3, (4 * count - 1) // busiest)]

    chart = workbook.add_chart({"type": "doughnut"})
    chart.add_series({
        "name": "Skoleuger", "categories": [WHEEL, top + 1, 1, last, 1], "values": [WHEEL, top + 1, 4, last, 4],
        "data_labels": {"category": True, "font": {"size": 7}},
        "points": [{"fill": {"color": HOLIDAY_FILL if w.holiday else "#DEEBF7"}, "border": {"color": "#FFFFFF"}}
                   for w in weeks],
    })
    chart.add_series({
        "name": "Prøver", "categories": [WHEEL, top + 1, 1, last, 1], "values": [WHEEL, top + 1, 4, last, 4],
        "data_labels": {"custom": [{"value": f"={quote_sheetname(WHEEL)}!$D${top + 2 + i}"} for i in range(len(weeks))],
                        "font": {"size": 7, "bold": True}},
        "points": [{"fill": {"color": shade(tests.get(w.week, 0))}, "border": {"color": "#BFBFBF"}} for w in weeks],
    })
    chart.set_hole_size(30)
    chart.set_legend({"none": True})
    chart.set_title({"name": f"Årshjul {year}"})
    chart.set_size({"width": 700, "height": 600})
    sheet.insert_chart(2, 0, chart)
    sheet.set_column(0, 4, 10)
    protect_inputs_only(sheet)
    sheet.print_area(0, 0, 31, 10)
    _page(sheet, False, "Årshjul")


# --- Tjek -------------------------------------------------------------------------------

CHECK_WEEK_TOP = 10  # 0-based header rows of the week grid, under the totals
TOTAL_COL = 8  # the Tjek sheet's totals: labels in the columns before
MISSING = "X"  # a compulsory activity not planned for a class: fits the Tjek sheet's narrow columns


def check_layout(spec: PlanSpec, weeks: list[SchoolWeek]) -> dict:
    """Row positions of the Tjek sheet's sections (shared with the tests)."""
    n = len(spec.classes)
    week_rows = (CHECK_WEEK_TOP + 4, CHECK_WEEK_TOP + 3 + n)
    month_top = week_rows[1] + 3
    months = [m for m, _, _ in _month_runs(weeks)]
    month_rows = (month_top + 1, month_top + n)
    compulsory_top = month_rows[1] + 3
    compulsory_rows = (compulsory_top + 1, compulsory_top + n)
    term_top = compulsory_rows[1] + 3
    term_rows = (term_top + 1, term_top + n)
    return {"week_rows": week_rows, "month_top": month_top, "months": months, "month_rows": month_rows,
            "compulsory_top": compulsory_top, "compulsory_rows": compulsory_rows, "term_top": term_top,
            "term_rows": term_rows}


def _check_sheet(workbook, f, spec, weeks, plan, refs, findings) -> None:
    sheet = workbook.add_worksheet(CHECK)
    layout = check_layout(spec, weeks)
    n_weeks = len(weeks)
    sheet.write_string(0, 0, "Tjek af planen", f["title"])
    sheet.write_string(1, 0, f"Højst {spec.max_tests_per_week} prøver pr. klasse pr. uge og {spec.max_tests_per_month} "
                             "pr. måned; alle obligatoriske aktiviteter planlagt; prøver i både efterår og forår. "
                             "Røde felter skal rettes på arket Plan (se også kolonnen Tjek dér).", f["info"])
    summary = {
        "too-many-in-week": "Uger med for mange prøver", "too-many-in-month": "Måneder med for mange prøver",
        "missing-compulsory": "Manglende obligatoriske aktiviteter", "row": "Rækker på arket Plan med fejl",
        "no-tests-in-term": "Terminer uden prøver",
    }
    sheet.write_string(3, 0, "I alt", f["head"])
    # Prøver pr. uge
    top = CHECK_WEEK_TOP
    sheet.write_string(top, 0, f"Prøver pr. klasse og uge (rød: over {spec.max_tests_per_week})", f["head"])
    _week_header(sheet, f, weeks, 1, top)
    first, last = layout["week_rows"]
    tests = {}
    for a in plan:
        activity = spec.activity(a.activity)
        if activity and activity.is_test:
            tests[(a.class_name, a.week)] = tests.get((a.class_name, a.week), 0) + 1
    for r, class_name in enumerate(spec.classes, start=first):
        sheet.write_string(r, 0, class_name, f["class"])
        for i, week in enumerate(weeks):
            col = 1 + i
            sheet.write_formula(r, col, f'COUNTIFS({refs.klass},$A{r + 1},{refs.week},{xl_col_to_name(col)}${top + 2}&"",'
                                        f'{refs.type},"prøve")', f["num"], tests.get((class_name, week.week), 0))
    sheet.conditional_format(first, 1, last, n_weeks, {"type": "cell", "criteria": ">", "value": spec.max_tests_per_week,
                                                       "format": f["bad"]})
    # Prøver pr. måned
    mt = layout["month_top"]
    sheet.write_string(mt, 0, f"Prøver pr. klasse og måned (rød: over {spec.max_tests_per_month})", f["head"])
    month_of = {w.week: w.month for w in weeks}
    for j, month in enumerate(layout["months"]):
        sheet.write_string(mt, 1 + j, MONTHS[month - 1][:3], f["month"])
    week_months = "{" + ",".join(str(w.month) for w in weeks) + "}"
    for r, class_name in enumerate(spec.classes, start=layout["month_rows"][0]):
        sheet.write_string(r, 0, class_name, f["class"])
        grid_row = _abs(CHECK, first + (r - layout["month_rows"][0]), 1, first + (r - layout["month_rows"][0]), n_weeks)
        for j, month in enumerate(layout["months"]):
            value = sum(c for (k, w), c in tests.items() if k == class_name and month_of.get(w) == month)
            sheet.write_formula(r, 1 + j, f"SUMPRODUCT(({week_months}={month})*{grid_row})", f["num"], value)
    sheet.conditional_format(layout["month_rows"][0], 1, layout["month_rows"][1], len(layout["months"]),
                             {"type": "cell", "criteria": ">", "value": spec.max_tests_per_month, "format": f["bad"]})
    # Obligatoriske aktiviteter
    ct = layout["compulsory_top"]
    compulsory = [a for a in spec.activities if a.compulsory]
    sheet.write_string(ct, 0, f"Obligatoriske aktiviteter ({MISSING} = ikke planlagt, – = ikke for klassetrinnet)", f["head"])
    for j, activity in enumerate(compulsory):
        sheet.write_string(ct, 1 + j, activity.short, f["head_up"])
    sheet.set_row(ct, 80)
    planned = {(a.activity, a.class_name) for a in plan}
    for r, class_name in enumerate(spec.classes, start=layout["compulsory_rows"][0]):
        sheet.write_string(r, 0, class_name, f["class"])
        for j, activity in enumerate(compulsory):
            if not applicable(activity, class_name):
                sheet.write_string(r, 1 + j, "–", f["num"])
                continue
            value = "ok" if (activity.name, class_name) in planned else MISSING
            sheet.write_formula(r, 1 + j, f'IF(COUNTIFS({refs.activity},{exact_criterion(activity.name)},{refs.klass},'
                                          f'$A{r + 1})>0,"ok","{MISSING}")',
                                f["num"], value)
    sheet.conditional_format(layout["compulsory_rows"][0], 1, layout["compulsory_rows"][1], len(compulsory),
                             {"type": "cell", "criteria": "==", "value": f'"{MISSING}"', "format": f["bad"]})
    # Prøver i hver termin
    tt = layout["term_top"]
    for col, text in enumerate(("Prøver pr. termin", "Efterår", "Forår")):
        sheet.write_string(tt, col, text, f["head_up"] if col else f["head"])
    sheet.set_row(tt, 50)
    autumn = "{" + ",".join("1" if w.term == "efterår" else "0" for w in weeks) + "}"
    spring = "{" + ",".join("1" if w.term == "forår" else "0" for w in weeks) + "}"
    for r, class_name in enumerate(spec.classes, start=layout["term_rows"][0]):
        sheet.write_string(r, 0, class_name, f["class"])
        row_offset = r - layout["term_rows"][0]
        grid_row = _abs(CHECK, first + row_offset, 1, first + row_offset, n_weeks)
        for col, mask, term in ((1, autumn, "efterår"), (2, spring, "forår")):
            value = sum(c for (k, w), c in tests.items() if k == class_name and any(x.week == w and x.term == term for x in weeks))
            sheet.write_formula(r, col, f"SUMPRODUCT({mask}*{grid_row})", f["num"], value)
    sheet.conditional_format(layout["term_rows"][0], 1, layout["term_rows"][1], 2,
                             {"type": "cell", "criteria": "==", "value": 0, "format": f["warn"]})
    # Summary counts at the top (native).
    week_area = _abs(CHECK, first, 1, last, n_weeks)
    month_area = _abs(CHECK, layout["month_rows"][0], 1, layout["month_rows"][1], len(layout["months"]))
    comp_area = _abs(CHECK, layout["compulsory_rows"][0], 1, layout["compulsory_rows"][1], max(len(compulsory), 1))
    term_area = _abs(CHECK, layout["term_rows"][0], 1, layout["term_rows"][1], 2)
    plan_checks = _abs(PLAN, PLAN_HEADER + 1, 6, PLAN_HEADER + PLAN_ROWS, 6)
    counts = [
        (summary["too-many-in-week"], f"COUNTIF({week_area},\">{spec.max_tests_per_week}\")", "too-many-in-week"),
        (summary["too-many-in-month"], f"COUNTIF({month_area},\">{spec.max_tests_per_month}\")", "too-many-in-month"),
        (summary["missing-compulsory"], f'COUNTIF({comp_area},"{MISSING}")', "missing-compulsory"),
        (summary["row"], f'SUMPRODUCT(--(LEN({plan_checks})>0))', "row"),
        (summary["no-tests-in-term"], f"COUNTIF({term_area},0)", "no-tests-in-term"),
    ]
    for j, (label, formula, code) in enumerate(counts):
        if code == "row":
            expected = len({x.row for x in findings if x.check in ROW_CHECK_LABELS and x.row})
        else:
            expected = sum(1 for x in findings if x.check == code)
        row = 4 + j  # one total a row, its label across the narrow week columns (review: cut to "Uger m")
        sheet.merge_range(row, 0, row, TOTAL_COL - 1, label, f["label"])
        sheet.write_formula(row, TOTAL_COL, formula, f["num"], expected)
        sheet.conditional_format(row, TOTAL_COL, row, TOTAL_COL, {"type": "cell", "criteria": ">", "value": 0,
                                                                 "format": f["bad"] if code != "no-tests-in-term" else f["warn"]})
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, n_weeks, 4.5)
    sheet.set_row(CHECK_WEEK_TOP + 3, 58)
    sheet.freeze_panes(0, 1)
    protect_inputs_only(sheet)
    sheet.repeat_columns(0, 0)
    _page(sheet, True, "Tjek af årshjulet", pages_wide=1, pages_tall=0)


# --- Klasse (one class's årshjul) -----------------------------------------------------------

def _class_sheet(workbook, f, spec, weeks, plan, refs) -> None:
    sheet = workbook.add_worksheet(CLASS)
    chosen = spec.classes[0]
    sheet.write_string(0, 0, "Klassens årshjul", f["title"])
    sheet.write_string(1, 0, "Vælg klassen i den gule celle.", f["info"])
    sheet.write_string(2, 0, "Klasse:", f["head"])
    sheet.write_string(2, 1, chosen, f["choice"])
    sheet.data_validation(2, 1, 2, 1, {"validate": "list", "source": f"={refs.classes}", "error_title": "Klasse",
                                       "error_message": "Vælg en klasse fra listen."})
    for col, text in enumerate(("Uge", "Mandag", "Måned", "Ferie og helligdage", "Aktiviteter")):
        sheet.write_string(4, col, text, f["head"])
    for i, week in enumerate(weeks):
        r = 5 + i
        sheet.write_number(r, 0, week.week, f["num"])
        sheet.write_datetime(r, 1, dt.datetime.combine(week.monday, dt.time()), f["date"])
        sheet.write_string(r, 2, MONTHS[week.month - 1], f["text"])
        sheet.write_string(r, 3, week.holiday or ", ".join(n for _, n in week.days_off),
                           f["cell_holiday"] if week.holiday else f["text"])
        formula = _class_week_formula(refs, "$B$3", f"$A{r + 1}")
        sheet.write_array_formula(r, 4, r, 4, "{=" + formula + "}", f["wrap"],
                                  class_week_text(plan, chosen, week.week))
    for kind in ("prøve", "samtale", "andet"):
        sheet.conditional_format(5, 4, 4 + len(weeks), 4, {
            "type": "formula", "format": f[kind],
            "criteria": f'=COUNTIFS({refs.klass},$B$3,{refs.week},$A6&"",{refs.type},"{kind}")>0'})
    sheet.set_column(0, 2, 9)
    sheet.set_column(3, 3, 24)
    sheet.set_column(4, 4, 46)
    protect_inputs_only(sheet)
    sheet.print_area(0, 0, 4 + len(weeks), 4)
    _page(sheet, False, "Klassens årshjul")


def class_week_text(plan: list[Assignment], class_name: str, week: int) -> str:
    planned = [a.activity for a in plan if a.class_name == class_name and a.week == week]
    if not planned:
        return ""
    return planned[0] + (f" (+{len(planned) - 1} mere)" if len(planned) > 1 else "")


def _class_week_formula(refs: Refs, class_ref: str, week_ref: str) -> str:
    count = f'COUNTIFS({refs.klass},{class_ref},{refs.week},{week_ref}&"")'
    first = f'INDEX({refs.activity},MATCH(1,({refs.klass}={class_ref})*({refs.week}&""={week_ref}&""),0))'
    return f'IF({count}=0,"",{first}&IF({count}>1," (+"&({count}-1)&" mere)",""))'


# --- Katalog and Uger -------------------------------------------------------------------------

def _catalogue_sheet(workbook, f, spec) -> None:
    sheet = workbook.add_worksheet(CATALOGUE)
    sheet.write_string(0, 0, "Katalog over aktiviteter", f["title"])
    sheet.write_string(1, 0, "Kataloget rettes i skolens årshjul-fil (YAML) og laves med xlkit new aarshjul. Farven "
                             "viser typen, som på de andre ark: " + ", ".join(TYPE_COLOURS) + ".", f["info"])
    headers = ["Aktivitet", "Kort navn", "Type", "Klassetrin", "Fra uge", "Til uge", "Varighed (uger)", "Ansvarlig",
               "Obligatorisk", "Fag"]
    for col, text in enumerate(headers):
        sheet.write_string(3, col, text, f["head"])
    for r, a in enumerate(spec.activities, start=4):
        values = [a.name, a.short, a.kind, ", ".join(map(str, a.grades)), a.window[0], a.window[1], a.duration,
                  a.responsible, "ja" if a.compulsory else "nej", a.subject]
        sheet.write_string(r, GRADES_LOOKUP_COL, "," + ",".join(map(str, a.grades)) + ",")  # what SEARCH looks in
        for col, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(r, col, value, f["num"])
            else:
                sheet.write_string(r, col, value, f["text"])
        sheet.conditional_format(r, 0, r, 0, {"type": "no_errors", "format": f[a.kind]})  # as on every other sheet
    top = 5 + len(spec.activities)
    sheet.write_string(top, 0, "Klasser", f["head"])
    for r, class_name in enumerate(spec.classes, start=top + 1):
        sheet.write_string(r, 0, class_name, f["text"])
    sheet.set_column(0, 0, 38)
    sheet.set_column(1, 9, 12)
    sheet.set_column(GRADES_LOOKUP_COL, GRADES_LOOKUP_COL, None, None, {"hidden": True})
    protect_inputs_only(sheet)
    _page(sheet, True, "Katalog over aktiviteter", pages_wide=1, pages_tall=0)


def _weeks_sheet(workbook, f, weeks) -> None:
    sheet = workbook.add_worksheet(WEEKS)
    sheet.write_string(0, 0, "Skoleugerne", f["title"])
    for col, text in enumerate(("Nr", "Uge", "År", "Mandag", "Ferie", "Helligdage", "Måned", "Termin")):
        sheet.write_string(3, col, text, f["head"])
    for r, week in enumerate(weeks, start=4):
        sheet.write_number(r, 0, week.index + 1, f["num"])
        sheet.write_number(r, 1, week.week, f["num"])
        sheet.write_number(r, 2, week.iso_year, f["num"])
        sheet.write_datetime(r, 3, dt.datetime.combine(week.monday, dt.time()), f["date"])
        sheet.write_string(r, 4, week.holiday, f["text"]) if week.holiday else sheet.write_blank(r, 4, None, f["text"])
        sheet.write_string(r, 5, ", ".join(n for _, n in week.days_off), f["text"])
        sheet.write_number(r, 6, week.month, f["num"])
        sheet.write_string(r, 7, week.term, f["text"])
    sheet.set_column(0, 7, 11)
    sheet.repeat_rows(3)
    protect_inputs_only(sheet)
    _page(sheet, False, "Skoleugerne", pages_wide=1, pages_tall=0)


# --- Reading ---------------------------------------------------------------------------------

WEEK_DIGITS = re.compile(r"[1-9][0-9]*")  # a week typed as text that the sheets' formulas count


def read(workbook, metadata: dict, file: str) -> WorkbookData:
    """The plan rows as assignments (kept on the WorkbookData) plus problems."""
    try:
        spec = spec_from_json(metadata.get("plan_spec"), file)
    except (SpecError, ValueError) as error:
        reason = "; ".join(error.faults[:5]) if isinstance(error, SpecError) else str(error)
        raise InvalidWorkbook(f"Årshjulets skjulte oplysninger er ugyldige ({reason}). Lav årshjulet igen med xlkit.") from None
    data = WorkbookData(file, KIND, "", "", metadata)
    defined = workbook.defined_names.get(NAME_PREFIX + "plan")
    try:
        [(sheet_title, area)] = list(defined.destinations)
        rows = workbook[sheet_title][area.replace("$", "")]
    except (AttributeError, KeyError, ValueError, TypeError):
        raise InvalidWorkbook("Planens tabel (arket Plan) kan ikke findes; brug et nyt årshjul.") from None
    done = _done_rows(workbook, data)
    plan = []
    for cells in rows:
        values = [_without_cpr(c, data, sheet_title) for c in cells[:5]]
        if all(v in (None, "") or v.__class__ is ErrorValue for v in values):
            continue  # a lookup filled down past the plan shows errors in rows no one uses
        for i, (cell, value, what) in enumerate(zip(cells, values, FIELD_NAMES)):
            if value.__class__ is ErrorValue:  # read as the text "#N/A" it named an activity or a class
                data.problems.append(Problem(*error_field(value, what), data.file, sheet_title, cell.coordinate))
                values[i] = None
        activity, klass, week, responsible, note = values
        if all(v in (None, "") for v in (activity, klass, week)):
            continue
        row = cells[0].row
        if isinstance(week, str) and WEEK_DIGITS.fullmatch(week):
            week = int(week)  # as the sheets' COUNTIFS (criterion "39") count it; " 39" or "²" is text
        number = isinstance(week, (int, float)) and not isinstance(week, bool) and float(week).is_integer()
        # a blank or other text week is week 0, never a school week, exactly as the Tjek column says;
        # what was typed is kept, so `plan suggest` repeats it instead of writing 0 (found in review)
        typed = None if number or week in (None, "") else week
        plan.append(Assignment("" if activity is None else str(activity), "" if klass is None else str(klass),
                               int(week) if number else 0, str(responsible or "").strip(), str(note or "").strip(), row,
                               typed, row in done))
    _rows_below_the_plan(workbook, sheet_title, rows, data)
    data.plan_spec, data.plan, data.plan_sheet = spec, plan, sheet_title
    data.left_behind = _left_behind(workbook, sheet_title, rows)
    return data


def _left_behind(workbook, sheet_title: str, rows) -> list[tuple[str, str]]:
    """What `plan suggest`'s new årshjul, made afresh, does not have: sheets the user added and
    cells typed outside the plan's table (beside it or below it) on its sheet. It dropped them
    without a word (found by the red team)."""
    last_row = rows[-1][0].row
    last_col = rows[0][0].column + DONE_COL  # the table reaches the Gennemført column
    sheets = [(title, "") for title in workbook.sheetnames if title not in (sheet_title, METADATA_SHEET, *OWN_SHEETS)]
    return sheets + [(sheet_title, f"{xl_col_to_name(col - 1)}{row}") for row, col in workbook[sheet_title].filled_cells()
                     if row > last_row or col > last_col]


def _rows_below_the_plan(workbook, sheet_title: str, rows, data: WorkbookData) -> None:
    """Excel grows the table when a row is typed just under it, but not the name xlkit reads
    the plan by, so such rows were left out of every check without a word (found in review)."""
    first_col, last_col, last_row = rows[0][0].column, rows[0][-1].column, rows[-1][0].row
    lines = workbook[sheet_title].iter_rows(min_row=last_row + 1, max_row=MAX_ROWS, max_col=last_col)
    for row, line in enumerate(lines, start=last_row + 1):
        typed = [col for col, value in enumerate(line[first_col - 1:], start=first_col) if value not in (None, "")]
        if typed:
            data.problems.append(Problem(
                "rows-below-plan", f"Rækken står under årshjulets tabel (efter række {last_row}) og er ikke læst.",
                "Flyt aktiviteten op i en tom række i tabellen, og slet rækken.", data.file, sheet_title,
                f"{xl_col_to_name(typed[0] - 1)}{row}"))


def _done_rows(workbook, data: WorkbookData) -> set[int]:
    """The sheet rows marked as done in the Gennemført column ("ja", as Excel compares text);
    an årshjul made before the column existed has none. Anything else typed there (pasted past
    the list) is reported with its cell and counts as not done."""
    defined = workbook.defined_names.get(NAME_PREFIX + "plan_done")
    try:
        [(sheet_title, area)] = list(defined.destinations)
        cells = workbook[sheet_title][area.replace("$", "")]
    except (AttributeError, KeyError, ValueError, TypeError):
        return set()
    done = set()
    for (cell,) in cells:
        if isinstance(cell.value, str) and cell.value.strip().casefold() == DONE.casefold():
            done.add(cell.row)
        elif cell.value.__class__ is ErrorValue:
            data.problems.append(Problem(
                "error-value", f"Gennemført-feltet viser {cell.value.shown}.",
                f"Aktiviteten tælles som ikke gennemført. Skriv '{DONE}', eller lad feltet stå tomt.",
                data.file, sheet_title, cell.coordinate))
        elif cell.value not in (None, ""):
            data.problems.append(Problem(
                "unknown-done", f"Gennemført-feltet indeholder '{quoted(str(cell.value))}'; kun '{DONE}' betyder gennemført.",
                f"Aktiviteten tælles som ikke gennemført. Skriv '{DONE}', eller lad feltet stå tomt.",
                data.file, sheet_title, cell.coordinate))
    return done


def _without_cpr(cell, data: WorkbookData, sheet: str):
    """The cell's value, with any CPR number reported and cut out: plan suggest, plan
    check and the calendar export repeat these texts in files of their own."""
    value = cell.value
    if not looks_like_cpr(value):
        return value
    data.problems.append(Problem("cpr-number", "Cellen indeholder noget, der ligner et CPR-nummer. CPR-numre hører ikke hjemme i årshjulet.",
                                 "Nummeret er ikke kopieret videre. Slet det fra cellen.", data.file, sheet, cell.coordinate))
    return without_cpr(value) if isinstance(value, str) else None

"""Dagnæsskolen's elevvurderingsskema: every student rated 1–5 in DANSK, MAT and SOC per
term, one workbook that follows a class through the years.

`build()` writes the workbook with XlsxWriter; `read()` gets tidy records back out of a
filled copy through its defined names. Layout (0-based rows/cols):

    row 0  title                          row 3  term (efterår · 1. termin) per block
    row 1  instructions, current term     row 4  Nr | Elev | UNI-login | Fokus | DANSK MAT SOC ...
    row 2  class and school year per grade
    rows 5..  one row per student, then summary rows, then the legend.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils import get_column_letter
from xlsxwriter.utility import xl_col_to_name, xl_range_abs, xl_rowcol_to_cell

from xlkit import rules, stored
from xlkit.errors import InvalidWorkbook, RosterError, XlkitError
from xlkit.problems import DUPLICATE_LOGIN_ACTION, DUPLICATE_NAME_ACTION, Problem
from xlkit.records import Record, WorkbookData
from xlkit.roster import Student
from xlkit.rules import Scale
from xlkit.spec import ElevvurderingSpec, rating_column_name
from xlkit.terms import Season, Term, class_terms
from xlkit.values import (
    SWAPPED_ACTION, SWAPPED_MESSAGE, ErrorValue, danish_number, error_field, names_and_logins_swapped, read_nr, read_rating,
    read_text,
)
from xlkit.workbook import (
    BORDER, CENTER, MAX_FORMULA, METADATA_SHEET, NAME_PREFIX, NOTE, TITLE, define_cell_name, define_range_name, generated_at,
    INVALID_INPUT, new_workbook, print_page, protect_inputs_only, write_metadata, write_text_or_blank,
)

KIND = "elevvurdering"
SHEET = "Elevvurdering"
TITLE_ROW, INFO_ROW, GRADE_ROW, TERM_ROW, HEADER_ROW = 0, 1, 2, 3, 4
OWN_SHEETS: tuple[str, ...] = ()  # every sheet xlkit makes here is named (or the metadata sheet)
UNREAD_SHEET_ACTION = ("Står der vurderinger i arket, er de ikke med i oversigten. Skriv dem i skemaets eget ark "
                       "(et kopieret ark læses ikke).")
FIRST_STUDENT_ROW = 5
COUNT_LABEL = "Antal"  # begins the labels of the count rows under the student list
MAX_ROWS_BELOW_LIST = 40  # rows searched under the list for one inserted above the counts
MAX_RATINGS_ON_ONE_PAGE = 18  # rating columns: three years of two terms and three subjects fit one A4 page
COLUMN_WIDTHS = (4.5, 26, 12, 34)  # Nr, Elev, UNI-login, Fokus
RATING_WIDTH = 7.2
ROW_HEIGHTS = {TITLE_ROW: 24, TERM_ROW: 30}  # points; the scale's rows are 28
NR_COL, NAME_COL, UNI_COL, FOCUS_COL, FIRST_RATING_COL = 0, 1, 2, 3, 4
CURRENT_TERM_CELL = (0, 3)  # on the metadata sheet

# (student position, term index, subject id) -> what the teacher typed
Ratings = dict[tuple[int, int, str], object]


@dataclass(frozen=True)
class Layout:
    """Where everything sits; derived from the spec, the terms and the class size."""

    spec: ElevvurderingSpec
    terms: list[Term]
    rows: int

    @property
    def last_student_row(self) -> int:
        return FIRST_STUDENT_ROW + self.rows - 1

    @property
    def last_input_row(self) -> int:
        """The blank row under the students belongs to every input region, so a row a
        teacher inserts right under the last student is inside the names and formulas."""
        return self.last_student_row + 1

    def col(self, term: Term, subject_index: int) -> int:
        return FIRST_RATING_COL + (term.index - 1) * len(self.spec.subjects) + subject_index

    @property
    def last_col(self) -> int:
        return FIRST_RATING_COL + len(self.terms) * len(self.spec.subjects) - 1

    @property
    def count_rows(self) -> dict[int, int]:
        first = self.last_student_row + 2
        return {level.value: first + i for i, level in enumerate(self.spec.scale.levels)}

    @property
    def total_row(self) -> int:
        return self.last_student_row + 2 + len(self.spec.scale.levels)

    @property
    def mean_row(self) -> int:
        return self.total_row + 1

    @property
    def focus_count_row(self) -> int:
        return self.total_row + 2

    @property
    def legend_row(self) -> int:
        return self.focus_count_row + 2

    def rating_range(self, term: Term, subject_index: int) -> str:
        col = self.col(term, subject_index)
        return xl_range_abs(FIRST_STUDENT_ROW, col, self.last_input_row, col)


def range_name(term: Term, subject_id: str) -> str:
    """Defined name (without prefix) of one term × subject input column."""
    return rating_column_name(term.grade, term.season.id, subject_id)


def build(
    spec: ElevvurderingSpec,
    path: str | Path,
    school: str,
    class_letter: str,
    start_year: int,
    start_grade: int | None = None,
    students: list[Student] | None = None,
    ratings: Ratings | None = None,
) -> Path:
    """Write one class's workbook. `ratings` pre-fills cells (used by the demo and tests)."""
    students = students or []
    ratings = ratings or {}
    if len(students) > spec.max_students:
        raise RosterError(
            f"Elevlisten har {len(students)} elever, men skemaet har plads til {spec.max_students}. "
            f"Kopiér {spec.path}, ret max_students i kopien, og giv kopien med --spec (en rettelse i xlkits egen "
            "fil forsvinder ved næste opdatering)."
        )
    start_grade = spec.grades[0] if start_grade is None else start_grade
    if start_grade not in spec.grades:
        raise RosterError(
            f"Klassetrin {start_grade} findes ikke i skabelonen ({', '.join(map(str, spec.grades))})."
        )
    layout = Layout(spec, class_terms(spec.grades, spec.seasons, start_grade, start_year), spec.max_students)
    grid = [
        [[ratings.get((row, term.index, subject.id)) for subject in spec.subjects] for term in layout.terms]
        for row in range(layout.rows)
    ]
    cached = cached_values(spec, layout.terms, grid)

    path = Path(path)
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet(SHEET)
    formats = _formats(workbook, spec.scale)
    current_name = NAME_PREFIX + "current_term"
    first_name = layout.terms[0].class_name(class_letter)
    last_name = layout.terms[-1].class_name(class_letter)
    class_span = first_name if first_name == last_name else f"{first_name}–{last_name}"

    # Title and instructions.
    title = f"{spec.title} · {spec.group_label} · {school} · {class_span}".replace(" ·  · ", " · ")
    sheet.write_string(TITLE_ROW, NR_COL, title, formats["title"])
    sheet.set_row(TITLE_ROW, ROW_HEIGHTS[TITLE_ROW])
    levels_text = ", ".join(f"{lv.value} = {lv.name}" for lv in spec.scale.levels)
    sheet.write_string(
        INFO_ROW, NR_COL,
        f"Skriv {spec.scale.low}–{spec.scale.high} i de hvide felter ({levels_text}). {spec.deadline_note}".strip(),
        formats["info"],
    )
    labels = [_text(f"Fokus · {t.class_name(class_letter)} {t.season.label.lower()} {t.calendar_year}") for t in layout.terms]
    focus_header = (
        f'IF({current_name}=0,"Fokus (ingen vurderinger endnu)",CHOOSE({current_name},{",".join(labels)}))'
    )

    # Grouped headers: class and school year, term, subject.
    for col, text in ((NR_COL, "Nr"), (NAME_COL, "Elev"), (UNI_COL, "UNI-login"), (FOCUS_COL, "")):
        sheet.merge_range(GRADE_ROW, col, HEADER_ROW, col, text, formats["header"])
    sheet.write_formula(GRADE_ROW, FOCUS_COL, focus_header, formats["header"],
                        _focus_header(cached.current, layout.terms, class_letter))
    width = len(spec.subjects)
    for term in layout.terms:
        first = layout.col(term, 0)
        if term.season == spec.seasons[0] or term.index == 1:
            span = sum(1 for t in layout.terms if t.grade == term.grade) * width
            _merge(sheet, GRADE_ROW, first, first + span - 1,
                   f"{term.class_name(class_letter)} · {term.school_year_label}", formats["grade"])
        _merge(sheet, TERM_ROW, first, first + width - 1,
               f"{term.season.label} · {term.season.termin}", formats["term"])
        for i, subject in enumerate(spec.subjects):
            sheet.write_string(HEADER_ROW, first + i, subject.label, formats["subject_first" if i == 0 else "subject"])
    sheet.set_row(TERM_ROW, ROW_HEIGHTS[TERM_ROW])

    # Student rows: inputs unlocked, fokus as a native formula.
    for row in range(layout.rows):
        r = FIRST_STUDENT_ROW + row
        student = students[row] if row < len(students) else None
        sheet.write_number(r, NR_COL, row + 1, formats["nr"])
        write_text_or_blank(sheet, r, NAME_COL, student.name if student else "", formats["name_input"])
        write_text_or_blank(sheet, r, UNI_COL, student.uni_login if student else "", formats["name_input"])
        for term in layout.terms:
            for i, subject in enumerate(spec.subjects):
                raw = grid[row][term.index - 1][i]
                fmt = formats["rating_first" if i == 0 else "rating"]
                col = layout.col(term, i)
                if raw is None:
                    sheet.write_blank(r, col, None, fmt)
                elif rules.is_number(raw):
                    sheet.write_number(r, col, raw, fmt)
                else:
                    sheet.write_string(r, col, str(raw), fmt)
        focus = _focus_formula(layout, current_name)
        if len(focus) > MAX_FORMULA:  # Excel would refuse the file (about 18 subjects; the terms do not count)
            raise XlkitError(f"Skemaet har så mange fag, at fokusformlen bliver {danish_number(len(focus))} tegn lang; "
                             f"Excel tillader {danish_number(MAX_FORMULA)}. Fordel fagene på flere skemaer.")
        sheet.write_formula(r, FOCUS_COL, focus, formats["focus"], cached.focus[row])

    _write_summary(sheet, layout, cached, formats)
    _write_legend(sheet, layout, formats)
    _conditional_formats(sheet, layout, formats)
    sheet.data_validation(
        FIRST_STUDENT_ROW, FIRST_RATING_COL, layout.last_input_row, layout.last_col,
        {
            "validate": "integer", "criteria": "between",
            "minimum": spec.scale.low, "maximum": spec.scale.high,
            "error_title": "Ugyldig vurdering",
            "error_message": (
                f"Skriv et helt tal fra {spec.scale.low} til {spec.scale.high}: {levels_text}. "
                "Lad feltet stå tomt, hvis eleven ikke er vurderet."
            )[:255],
        },
    )

    # Columns, panes, print, protection.
    for col, width in enumerate(COLUMN_WIDTHS):
        sheet.set_column(col, col, width)
    sheet.set_column(FIRST_RATING_COL, layout.last_col, RATING_WIDTH)
    sheet.freeze_panes(FIRST_STUDENT_ROW, FIRST_RATING_COL)
    sheet.print_area(0, 0, layout.legend_row + len(spec.scale.levels) + 1, layout.last_col)
    print_page(sheet, school, f"{spec.title} {class_span}", (GRADE_ROW, HEADER_ROW), groups=_year_groups(layout))
    protect_inputs_only(sheet, insert_rows=True)
    sheet.activate()

    # Identity and names: how the reader finds everything again.
    meta = write_metadata(workbook, {
        "kind": KIND,
        "spec_id": spec.id,
        "spec_version": spec.version,
        "school": school,
        "class_letter": class_letter,
        "start_year": start_year,
        "start_grade": start_grade,
        "terms": [_term_json(t) for t in layout.terms],
        "subjects": [{"id": s.id, "label": s.label, "name": s.name} for s in spec.subjects],
        "scale": [{"value": lv.value, "name": lv.name, "color": lv.color, "font_color": lv.font_color}
                  for lv in spec.scale.levels],
        "focus": {"at_or_below": spec.focus.at_or_below, "drop_steps": spec.focus.drop_steps},
        "generated_at": generated_at(),
    })
    meta.write_string(CURRENT_TERM_CELL[0], CURRENT_TERM_CELL[1] - 1, "current_term")
    meta.write_formula(*CURRENT_TERM_CELL, _current_term_formula(layout), None, cached.current)
    define_cell_name(workbook, "current_term", METADATA_SHEET, *CURRENT_TERM_CELL)
    last = layout.last_input_row
    define_range_name(workbook, "nr", SHEET, FIRST_STUDENT_ROW, NR_COL, last, NR_COL)
    define_range_name(workbook, "elev", SHEET, FIRST_STUDENT_ROW, NAME_COL, last, NAME_COL)
    define_range_name(workbook, "uni_login", SHEET, FIRST_STUDENT_ROW, UNI_COL, last, UNI_COL)
    define_range_name(workbook, "fokus", SHEET, FIRST_STUDENT_ROW, FOCUS_COL, last, FOCUS_COL)
    define_range_name(workbook, "vurderinger", SHEET, FIRST_STUDENT_ROW, FIRST_RATING_COL, last, layout.last_col)
    for term in layout.terms:
        for i, subject in enumerate(spec.subjects):
            col = layout.col(term, i)
            define_range_name(workbook, range_name(term, subject.id), SHEET, FIRST_STUDENT_ROW, col, last, col)
    workbook.set_properties({"title": title, "subject": spec.title, "comments": "Lavet med xlkit"})
    workbook.close()
    return path


def _merge(sheet, row: int, first: int, last: int, text: str, fmt) -> None:
    if first == last:
        sheet.write_string(row, first, text, fmt)
    else:
        sheet.merge_range(row, first, row, last, text, fmt)


def _text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _term_json(term: Term) -> dict:
    return {
        "index": term.index, "grade": term.grade, "school_year": term.school_year,
        "season": {"id": term.season.id, "label": term.season.label,
                   "termin": term.season.termin, "year_offset": term.season.year_offset},
    }


def _focus_header(current: int, terms: list[Term], letter: str) -> str:
    if current == 0:
        return "Fokus (ingen vurderinger endnu)"
    term = terms[current - 1]
    return f"Fokus · {term.class_name(letter)} {term.season.label.lower()} {term.calendar_year}"


def _current_term_formula(layout: Layout) -> str:
    """Index of the latest term with any valid rating (0 when none): MAX of IF per term."""
    parts = []
    for term in layout.terms:
        cells = "+".join(
            f"'{SHEET}'!{xl_rowcol_to_cell(layout.total_row, layout.col(term, i), True, True)}"
            for i in range(len(layout.spec.subjects))
        )
        parts.append(f"IF({cells}>0,{term.index},0)")
    return f"MAX({','.join(parts)})"


def _focus_formula(layout: Layout, current_name: str) -> str:
    """The row's focus text. Each rating is picked from the block of rating columns in the
    formula's own row by its position (INDEX($E:$V,ROW(),k)), not named as the cell E6:
    Excel rewrites a reference to a cell that is cut and pasted, so a teacher moving ratings
    typed one row too low made the sheet judge one student by another's ratings and the
    other by none (found in review). The formula's length no longer grows with the terms."""
    n = len(layout.spec.subjects)
    block = f"{xl_col_to_name(FIRST_RATING_COL, col_abs=True)}:{xl_col_to_name(layout.last_col, col_abs=True)}"

    def pick(column: str) -> str:
        return f"INDEX({block},ROW(),{column})"

    ratings = []
    for i, subject in enumerate(layout.spec.subjects):  # its column in term t is (t - 1) * n + i + 1
        current = pick(f"{current_name}*{n}-{n - 1 - i}")
        previous = f'IF({current_name}>1,{pick(f"{current_name}*{n}-{2 * n - 1 - i}")},"")'  # none before term 1
        ratings.append((subject.label, current, previous))
    return rules.excel_focus_formula(layout.spec.scale, layout.spec.focus, ratings)


@dataclass(frozen=True)
class CachedValues:
    """What the native formulas evaluate to, computed by the rules module, so previews
    that do not recalculate show the right numbers."""

    counts: dict[tuple[int, int], dict[int, int]]  # (term index, subject index) -> level -> n
    current: int
    focus: list[str]
    focus_count: int


def cached_values(spec: ElevvurderingSpec, terms: list[Term], grid: list[list[list[object]]]) -> CachedValues:
    counts = {
        (term.index, i): spec.scale.distribution([row[term.index - 1][i] for row in grid])
        for term in terms
        for i in range(len(spec.subjects))
    }
    current = max(
        (t.index for t in terms if sum(sum(counts[(t.index, i)].values()) for i in range(len(spec.subjects)))),
        default=0,
    )
    focus = []
    for row in grid:
        if current == 0:
            focus.append("")
            continue
        ratings = [
            (subject.label, row[current - 1][i], row[current - 2][i] if current > 1 else None)
            for i, subject in enumerate(spec.subjects)
        ]
        focus.append(rules.focus_text(rules.focus_reasons(spec.scale, spec.focus, ratings)))
    return CachedValues(counts, current, focus, sum(1 for text in focus if text))


def _write_summary(sheet, layout: Layout, cached: CachedValues, formats) -> None:
    spec = layout.spec
    for level in spec.scale.levels:
        r = layout.count_rows[level.value]
        sheet.write_string(r, NAME_COL, f"{COUNT_LABEL} {level.value} – {level.name}", formats[f"level_{level.value}"])
    sheet.write_string(layout.total_row, NAME_COL, f"{COUNT_LABEL} vurderet", formats["summary_label"])
    sheet.write_string(layout.mean_row, NAME_COL, "Gennemsnit", formats["summary_label"])
    sheet.write_string(layout.focus_count_row, NAME_COL, "Elever i fokus (seneste termin)", formats["summary_label"])
    first, last = FIRST_STUDENT_ROW, layout.last_input_row
    sheet.write_formula(
        layout.focus_count_row, FOCUS_COL,
        f"SUMPRODUCT(--(LEN({xl_range_abs(first, FOCUS_COL, last, FOCUS_COL)})>0))",
        formats["summary_int"], cached.focus_count,
    )
    for term in layout.terms:
        for i in range(len(spec.subjects)):
            col = layout.col(term, i)
            counts = cached.counts[(term.index, i)]
            count_cells = []
            for level in spec.scale.levels:
                r = layout.count_rows[level.value]
                sheet.write_formula(r, col, rules.excel_count_formula(layout.rating_range(term, i), level.value),
                                    formats["summary_int"], counts[level.value])
                count_cells.append((level.value, xl_rowcol_to_cell(r, col)))
            total_cell = xl_rowcol_to_cell(layout.total_row, col)
            sheet.write_formula(layout.total_row, col, "+".join(cell for _, cell in count_cells),
                                formats["summary_int"], sum(counts.values()))
            mean = rules.mean_of(counts)
            sheet.write_formula(layout.mean_row, col, rules.excel_mean_formula(count_cells, total_cell),
                                formats["summary_mean"], "" if mean is None else mean)


def _year_groups(layout: Layout) -> tuple[list[float], list[float], list[int], int] | None:
    """For a sheet of more than three school years (indskoling: one page printed at ~5 pt,
    review): pages that break between years, each with the students' names; else None,
    one page wide."""
    if layout.last_col - FIRST_RATING_COL + 1 <= MAX_RATINGS_ON_ONE_PAGE:
        return None
    widths = list(COLUMN_WIDTHS) + [RATING_WIDTH] * (layout.last_col - FIRST_RATING_COL + 1)
    last_row = layout.legend_row + len(layout.spec.scale.levels) + 1
    legend = {row: 28 for row in range(layout.legend_row + 1, last_row)} | {last_row: 20}
    heights = [(ROW_HEIGHTS | legend).get(row, 15) for row in range(last_row + 1)]
    years = [layout.col(t, 0) for t in layout.terms if t.season.year_offset == 0 and t.index > 1]
    return widths, heights, [UNI_COL] + years, NAME_COL + 1


def _write_legend(sheet, layout: Layout, formats) -> None:
    row = layout.legend_row
    sheet.write_string(row, NR_COL, "Skala: bred faglig og social helhedsvurdering", formats["legend_title"])
    for level in layout.spec.scale.levels:
        row += 1
        sheet.write_number(row, NR_COL, level.value, formats[f"level_{level.value}"])
        sheet.write_string(row, NAME_COL, level.name, formats[f"level_{level.value}"])
        sheet.merge_range(row, UNI_COL, row, max(layout.last_col, FOCUS_COL + 6), level.definition, formats["legend_text"])
        sheet.set_row(row, 28)
    scale = layout.spec.scale  # the grey of a value the sheet cannot use, explained nowhere before (review)
    row += 1
    sheet.write_string(row, NR_COL, "", formats["legend_invalid"])
    sheet.write_string(row, NAME_COL, "Grå: ugyldig", formats["legend_invalid"])
    sheet.merge_range(row, UNI_COL, row, max(layout.last_col, FOCUS_COL + 6),
                      f"Værdien er ikke et helt tal fra {scale.low} til {scale.high} og tælles ikke med. Ret den.",
                      formats["legend_text"])
    sheet.set_row(row, 20)


def _conditional_formats(sheet, layout: Layout, formats) -> None:
    area = (FIRST_STUDENT_ROW, FIRST_RATING_COL, layout.last_input_row, layout.last_col)
    top_left = xl_rowcol_to_cell(FIRST_STUDENT_ROW, FIRST_RATING_COL)
    sheet.conditional_format(*area, {
        "type": "formula",
        "criteria": f'=IF(ISNUMBER({top_left}),OR({top_left}<{layout.spec.scale.low},'
                    f'{top_left}>{layout.spec.scale.high},{top_left}<>INT({top_left})),{top_left}<>"")',
        "format": formats["cf_invalid"],
        "stop_if_true": True,
    })
    for level in layout.spec.scale.levels:
        sheet.conditional_format(*area, {
            "type": "cell", "criteria": "==", "value": level.value, "format": formats[f"cf_{level.value}"],
        })
    focus_top = xl_rowcol_to_cell(FIRST_STUDENT_ROW, FOCUS_COL)
    sheet.conditional_format(FIRST_STUDENT_ROW, FOCUS_COL, layout.last_input_row, FOCUS_COL, {
        "type": "formula", "criteria": f"=LEN({focus_top})>0", "format": formats["cf_focus"],
    })


def _formats(workbook, scale: Scale) -> dict:
    border, center = BORDER, CENTER
    f = {
        "title": workbook.add_format(TITLE),
        "info": workbook.add_format(NOTE),
        "header": workbook.add_format({**border, **center, "bold": True, "bg_color": "#D9E1F2", "text_wrap": True}),
        "grade": workbook.add_format({**border, **center, "bold": True, "bg_color": "#B4C6E7", "left": 2}),
        "term": workbook.add_format({**border, **center, "bg_color": "#D9E1F2", "text_wrap": True, "left": 2}),
        "subject": workbook.add_format({**border, **center, "bold": True, "bg_color": "#D9E1F2"}),
        "subject_first": workbook.add_format({**border, **center, "bold": True, "bg_color": "#D9E1F2", "left": 2}),
        "nr": workbook.add_format({**border, **center, "font_color": "#666666"}),
        "name_input": workbook.add_format({**border, "locked": False}),
        "rating": workbook.add_format({**border, **center, "locked": False}),
        "rating_first": workbook.add_format({**border, **center, "locked": False, "left": 2}),
        "focus": workbook.add_format({**border, "font_color": "#9C0006", "shrink": True}),
        "summary_label": workbook.add_format({**border, "bold": True}),
        "summary_int": workbook.add_format({**border, **center, "num_format": "0"}),
        "summary_mean": workbook.add_format({**border, **center, "num_format": "0.00", "bold": True}),
        "legend_title": workbook.add_format({"bold": True, "font_size": 12}),
        "legend_text": workbook.add_format({**border, "text_wrap": True, "valign": "vcenter"}),
        "cf_invalid": workbook.add_format(INVALID_INPUT),
        "legend_invalid": workbook.add_format({**border, **center, **INVALID_INPUT}),
        "cf_focus": workbook.add_format({"bg_color": "#FDE2E1"}),
    }
    for level in scale.levels:
        colors = {"bg_color": level.color, "font_color": level.font_color}
        f[f"level_{level.value}"] = workbook.add_format({**border, **center, "bold": True, **colors})
        f[f"cf_{level.value}"] = workbook.add_format(colors)
    return f


# ---------------------------------------------------------------------------
# Reading a filled workbook
# ---------------------------------------------------------------------------


def read(workbook, metadata: dict, file: str) -> WorkbookData:
    """Tidy records and problems from a filled elevvurderingsskema (a view from reader.open_book).

    A student is identified by their row within the named region (`student_key`), never by
    the Nr column: a row a teacher inserts has no Nr.
    """
    data, subjects = _stored_settings(metadata, file)
    scale = data.scale
    names, logins, numbers = (_named_column(workbook, name) for name in ("elev", "uni_login", "nr"))
    swapped = names_and_logins_swapped(names.column(), logins.column())
    if swapped:
        names, logins = logins, names
    sheet_name, rows = names.sheet, len(names.rows)
    if len(logins.rows) != rows or len(numbers.rows) != rows:
        raise InvalidWorkbook("Skemaets kolonner Nr, Elev og UNI-login er ikke længere lige lange; brug et nyt skema.")
    columns = _rating_columns(workbook, data, subjects, rows, sheet_name)

    def problem(code: str, message: str, action: str, region, position: int, student: str = "",
                student_id: str = "") -> None:
        data.problems.append(Problem(code, message, action, file, region.sheet, region.where(position), student,
                                     student_id))

    if swapped:
        problem("name-login-swapped", SWAPPED_MESSAGE, SWAPPED_ACTION, logins, 0)
    _rows_above_the_list(workbook, names, columns, data)
    _rows_below_the_list(workbook, names, logins, columns, data)

    seen_names: dict[str, str] = {}  # casefolded name or UNI-login -> the cell it is first typed in
    seen_logins: dict[str, str] = {}
    for position in range(rows):
        nr_value = numbers.rows[position][0]
        nr = read_nr(nr_value, lambda *p: problem(*p, numbers, position))
        if nr_value is None and names.rows[position][0] not in (None, "") and position < rows - 1:
            problem("inserted-row", "Rækken er indsat i elevlisten og har ikke skemaets egne formler (Nr. og Fokus), "
                    "så arket viser ikke, om eleven er i fokus.", "Eleven er læst og regnet med i oversigten. Skriv "
                    "hellere nye elever i de tomme rækker nederst i listen.", names, position)
        typed_name, typed_uni = names.rows[position][0], logins.rows[position][0]
        name = read_text(typed_name, "navn", lambda *p: problem(*p, names, position))
        uni = read_text(typed_uni, "UNI-login", lambda *p: problem(*p, logins, position))
        row_records = []
        for region, term, label, class_name, values in columns:
            reading = read_rating(values[position], scale)
            if reading is None:
                continue
            if reading.code:
                problem(reading.code, reading.message, reading.action, region, position)
            if reading.value is not None:
                row_records.append((region, term, label, class_name, reading.value, reading.code == "text-as-number"))
        if name or uni or row_records:  # a lookup of names filled down past the class shows errors in no one's row
            for typed, what, region in ((typed_name, "navn", names), (typed_uni, "UNI-login", logins),
                                        (nr_value, "nummeret (Nr.)", numbers)):  # Nr's error was silent (review)
                if typed.__class__ is ErrorValue:
                    problem(*error_field(typed, what), region, position)
        if not name and not row_records:
            continue
        row = names.top + position
        if not name:
            name = f"Elev uden navn (række {row})"
            problem("missing-name", "Rækken har vurderinger, men intet elevnavn.",
                    f"Vurderingerne er medtaget som '{name}'. Skriv elevens navn.", names, position)
        else:
            key = name.casefold()
            if key in seen_names:
                problem("duplicate-name", f"Navnet '{name}' står også i {seen_names[key]}.", DUPLICATE_NAME_ACTION,
                        names, position, name, uni or f"{sheet_name}!{row}")
            else:
                seen_names[key] = names.where(position)
        if uni:
            uni_key = uni.casefold()
            if uni_key in seen_logins:
                problem("duplicate-uni-login", f"Samme UNI-login står også i {seen_logins[uni_key]}.",
                        DUPLICATE_LOGIN_ACTION, logins, position)
            else:
                seen_logins[uni_key] = logins.where(position)
            data.login_cells.setdefault((uni_key, name.casefold()), (logins.sheet, logins.where(position)))
        student_key = f"{sheet_name}!{row}"
        if name:
            data.roster.append((name, uni, student_key))
        for region, term, measure, class_name, value, from_text in row_records:
            data.records.append(Record(
                file=file, sheet=region.sheet, cell=region.where(position), school=data.school,
                class_name=class_name, student_key=student_key, student_nr=nr,
                student=name, uni_login=uni, measure=measure, term=term, value=value,
                max_value=scale.high, from_text=from_text,
            ))
    return data


def _stored_settings(metadata: dict, file: str) -> tuple[WorkbookData, list[tuple[str, str]]]:
    """The workbook's data with its scale, terms and focus rule from the hidden sheet, and
    the subjects as (id, label); a forged or damaged hidden sheet is one clear message."""
    try:
        scale = Scale(tuple(
            rules.Level(stored.integer(s["value"], -100, 100, "En værdi på skalaen"), stored.text(s["name"], "Et trin på skalaen"),
                        "", stored.colour(s.get("color", "#FFFFFF"), "En farve på skalaen"),
                        stored.colour(s.get("font_color", "#000000"), "En skriftfarve på skalaen"))
            for s in stored.items(metadata["scale"], 2, stored.MAX_LEVELS, "Skalaen")
        ))
        if any(b.value != a.value + 1 for a, b in zip(scale.levels, scale.levels[1:])):
            raise ValueError("skalaens værdier skal være hele tal i træk fra lavest til højest")
        subjects = [(stored.text(s["id"], "Et fags id"), stored.text(s["label"], "Et fags navn"))
                    for s in stored.items(metadata["subjects"], 1, stored.MAX_SUBJECTS, "Fagene")]
        terms = [
            Term(stored.integer(t["index"], position, position, "En termins nummer"),
                 stored.integer(t["grade"], 0, 10, "En termins klassetrin"),
                 Season(stored.text(t["season"]["id"], "En termins id"), stored.text(t["season"]["label"], "En termins navn"),
                        stored.text(t["season"]["termin"], "En termins betegnelse"),
                        stored.integer(t["season"]["year_offset"], 0, 1, "En termins placering i skoleåret")),
                 stored.integer(t["school_year"], 1900, 2200, "Et skoleår"))
            for position, t in enumerate(stored.items(metadata["terms"], 1, stored.MAX_TERMS, "Terminerne"), start=1)
        ]
        if len(terms) * len(subjects) > stored.MAX_COLUMNS:
            raise ValueError("der er flere terminer og fag, end et ark har kolonner til")
        school, letter = stored.text(metadata["school"], "Skolens navn"), stored.text(metadata["class_letter"], "Klassens bogstav", 20)
        focus = stored.mapping(metadata["focus"], "Fokusreglen")
        focus_rule = rules.FocusRule(stored.integer(focus["at_or_below"], -100, 100, "Fokusgrænsen"),
                                     stored.integer(focus["drop_steps"], 1, 100, "Fokusreglens fald"))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidWorkbook(f"Skemaets skjulte oplysninger er ugyldige ({error}). Lav skemaet igen med xlkit.") from None
    data = WorkbookData(
        file, KIND, school, letter, metadata, terms,
        measures=[label for _, label in subjects], scale=scale, focus_rule=focus_rule,
    )
    return data, subjects


def _rating_columns(workbook, data: WorkbookData, subjects: list[tuple[str, str]], rows: int, sheet_name: str) -> list:
    """(region, term, subject label, class name, values) of each term's subject column with
    something typed; a column that cannot be found, or is another's cells, is reported."""
    file, letter = data.file, data.class_letter
    columns = []
    read_from: dict[tuple[str, int, int], str] = {}  # where a column's cells are -> which column that is
    for term in data.terms:
        for subject_id, label in subjects:
            name = range_name(term, subject_id)
            region = workbook.region(NAME_PREFIX + name)
            if region is None or len(region.rows) != rows:
                data.problems.append(Problem(
                    "missing-range", f"Kolonnen {label} for {term.class_name(letter)} "
                    f"{term.season.label.lower()} kan ikke findes (navnet {NAME_PREFIX}{name}).",
                    "Kolonnen er ikke læst. Brug et nyt skema, hvis kolonner er slettet.", file, sheet_name,
                ))
                continue
            where = (region.sheet, region.top, region.left)
            if where in read_from:  # a block of ratings dragged onto another term carries its names along
                data.problems.append(Problem(
                    "overlapping-range", f"Kolonnen {label} for {term.class_name(letter)} {term.season.label.lower()} "
                    f"peger på de samme celler som {read_from[where]} og er ikke læst.",
                    "Cellerne er læst én gang. Er vurderinger flyttet mellem terminer, så kopiér dem i stedet for at "
                    "flytte dem, eller brug et nyt skema.", file, region.sheet, region.where(0),
                ))
                continue
            read_from[where] = f"{label} for {term.class_name(letter)} {term.season.label.lower()}"
            values = region.column()
            if any(value is not None for value in values):
                columns.append((region, term, label, term.class_name(letter), values))
    return columns


def _rows_above_the_list(workbook, names, columns, data: WorkbookData) -> None:
    """A row inserted above the first student moves every name down past it (in Excel and
    LibreOffice alike), so what is typed there is in no region: the student was lost from
    the sheet's own counts and from the summary, unseen (found in review). Reported here."""
    if names.top <= FIRST_STUDENT_ROW + 1:
        return
    last_col = _last_input_column(names, columns)
    lines = workbook[names.sheet].values(1, 1, names.top - 1, last_col)
    labels = set(data.measures)  # the row of subject headings; rows inserted above it are no student's
    header = max((row for row, line in enumerate(lines, start=1) if labels.intersection(map(str, line))), default=None)
    if header is None:
        return
    _report_typed_rows(lines[header:], header + 1, names.sheet, data, "rows-above-list",
                       "Rækken står over skemaets elevliste (indsat over den første elev) og er ikke læst.",
                       "Skriv eleven i en tom række nederst i listen, og slet rækken.")


def _rows_below_the_list(workbook, names, logins, columns, data: WorkbookData) -> None:
    """A row inserted between the list's spare row and the counts is in no region either: a
    31st student typed there was in no count and no summary, unseen (found in review)."""
    last_col = _last_input_column(names, columns)
    below = names.top + len(names.rows)
    lines = workbook[names.sheet].values(below, 1, below + MAX_ROWS_BELOW_LIST - 1, last_col)
    label_col = min(names.left, logins.left) - 1  # the labels stand in the Elev column, also when swapped
    counts = next((offset for offset, line in enumerate(lines)
                   if isinstance(line[label_col], str) and line[label_col].startswith(COUNT_LABEL)), None)
    if counts is None:  # the count rows are gone: nothing tells where the list ends
        return
    _report_typed_rows(lines[:counts], below, names.sheet, data, "rows-below-list",
                       "Rækken står under skemaets elevliste (indsat over tællingerne) og er ikke læst.",
                       "Skriv eleven i en tom række i listen, og slet rækken. Er listen fuld, så lav et nyt skema "
                       "med plads til flere elever.")


def _last_input_column(names, columns) -> int:
    return max([region.left for region, *_ in columns] + [names.left])


def _report_typed_rows(lines: list[list], first_row: int, sheet: str, data: WorkbookData, code: str, message: str,
                       action: str) -> None:
    """One problem, at its first typed cell, for each row of `lines` (from `first_row`) with anything typed."""
    for row, line in enumerate(lines, start=first_row):
        typed = [col for col, value in enumerate(line, start=1) if value not in (None, "")]
        if typed:
            data.problems.append(Problem(code, message, action, data.file, sheet, f"{get_column_letter(typed[0])}{row}"))


def _named_column(workbook, name: str):
    """The region of a required single-column name, or InvalidWorkbook."""
    region = workbook.region(NAME_PREFIX + name)
    if region is None:
        raise InvalidWorkbook(
            f"Skemaet mangler området {NAME_PREFIX}{name}; kolonner kan være slettet, "
            "eller filen er ikke et elevvurderingsskema fra xlkit."
        )
    return region

"""The leaders' summary workbook: what consolidation found, written as sheets.

Aggregates per class and subject (no names), the students in focus with their reasons
(names, since that is what the meeting is for, but never UNI-logins or CPR numbers), the
development over terms, the overbliksark's tests, every problem found and every file.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from xlkit import overblik_summary, rules
from xlkit.consolidate import ClassSummary, Consolidation, FileStatus, danish_list, plural, school_key
from xlkit.privacy import encrypt_to, key_fingerprint
from xlkit.pseudonyms import pseudonymised
from xlkit.problems import PROBLEM_HEADERS, first_of_each_file
from xlkit.rules import Scale
from xlkit.values import quoted
from xlkit.workbook import (
    BORDER, CONFIDENTIAL, NOTE, OUTPUT_KIND_PROPERTY, SUMMARY_HEADER, TITLE, fit_row, new_workbook, print_wide,
    write_text_or_blank, written_whole,
)

MAX_PROBLEM_TEXT = 500  # characters in one cell of the Problemer sheet
MAX_PROBLEM_ROWS = 50_000  # rows of the Problemer sheet, a few seconds to write; every file keeps its first ones
MAX_CHART_ROWS = 90  # a school's classes and subjects; a municipality's thousands of bars would be unreadable


SUMMARY_KIND = "skoleoversigt"  # the summary's OUTPUT_KIND_PROPERTY


def write_summary(result: Consolidation, output: str | Path, pseudonym_key: bytes | None = None,
                  password: str | None = None) -> Path:
    """Write the summary; with `pseudonym_key` every student name becomes a keyed pseudonym,
    with `password` the file is encrypted (and no unencrypted copy is written)."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    key_note = ""
    if pseudonym_key is not None:
        result = pseudonymised(result, pseudonym_key)
        key_note = (f" Eleverne står med pseudonymer fra nøglen {key_fingerprint(pseudonym_key)}; oversigter med samme "
                    "nøgle giver den samme elev det samme pseudonym.")
    with written_whole(output) as partial:
        if password:  # assembled in memory only: not even XlsxWriter's temporary files hold the plain text
            plain = io.BytesIO()
            _write_sheets(new_workbook(plain, in_memory=True), result, key_note)
            encrypt_to(plain.getvalue(), password, partial)
        else:  # rows go to disk as they are written, so memory does not grow with the rows
            _write_sheets(new_workbook(partial, constant_memory=True), result, key_note)
    return output


def _write_sheets(workbook, result: Consolidation, key_note: str = "") -> None:
    """`key_note`: that the students are pseudonyms, and from which key (found by the red team:
    the summary did not say, so no one could tell whether two summaries were comparable)."""
    formats = _formats(workbook, result.scale)
    _overview_sheet(workbook, result, formats, key_note)
    _focus_sheet(workbook, result, formats)
    _development_sheet(workbook, result, formats)
    overblik_summary.write_sheets(workbook, result.tests, formats)
    _problems_sheet(workbook, result, formats)
    _files_sheet(workbook, result, formats)
    workbook.set_properties({"title": "Skoleoversigt", "comments": "Lavet med xlkit"})
    workbook.set_custom_property(OUTPUT_KIND_PROPERTY, SUMMARY_KIND)  # left out when a folder holding it is read
    workbook.close()


def _formats(workbook, scale: Scale | None) -> dict:
    border = BORDER
    f = {
        "title": workbook.add_format(TITLE),
        "note": workbook.add_format(NOTE),
        "header": workbook.add_format({**border, "bold": True, "bg_color": "#D9E1F2", "text_wrap": True, "valign": "top"}),
        "header_up": workbook.add_format({**border, "bold": True, "bg_color": "#D9E1F2", "text_wrap": True,
                                          "rotation": 90, "align": "center", "valign": "bottom"}),
        "text": workbook.add_format({**border, "valign": "top"}),
        "total_text": workbook.add_format({**border, "valign": "top", "bold": True}),
        "wrap": workbook.add_format({**border, "text_wrap": True, "valign": "top"}),
        "int": workbook.add_format({**border, "num_format": "0", "align": "center"}),
        "pct": workbook.add_format({**border, "num_format": "0%", "align": "center"}),
        "mean": workbook.add_format({**border, "num_format": "0.00", "align": "center"}),
        "change": workbook.add_format({**border, "num_format": "+0.00;-0.00;0.00", "align": "center"}),
        "pct_change": workbook.add_format({**border, "num_format": "+0%;-0%;0%", "align": "center"}),
        "blank": workbook.add_format(border),
        "text_plain": workbook.add_format({}),
        "bad": workbook.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"}),
        "good": workbook.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"}),
    }
    for level in scale.levels if scale else ():
        colors = {"bg_color": level.color, "font_color": level.font_color}
        f[f"level_{level.value}"] = workbook.add_format({**border, "bold": True, "text_wrap": True, "valign": "top", **colors})
        f[f"cell_{level.value}"] = workbook.add_format({**border, "align": "center", **colors})
    return f


def _headers(sheet, row: int, headers: list[str], formats, widths: list[float] | None = None) -> None:
    for col, header in enumerate(headers):
        sheet.write_string(row, col, header, formats["header"])
    for col, width in enumerate(widths or []):
        sheet.set_column(col, col, width)
    fit_row(sheet, row, zip(headers, widths or []))


def _as_shown(change: float, decimals: int) -> float:
    """A change its cell shows as 0 is written as 0, so its colour (better/worse than 0)
    matches the figure: -0.26 % was shown as "-0%" on the green of an improvement (found
    in review). Other changes stay exact; Excel rounds them for display itself."""
    return 0.0 if abs(change) < 0.5 * 10 ** -decimals else change


def _number(sheet, row: int, col: int, value: float | None, fmt) -> None:
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    else:
        sheet.write_number(row, col, value, fmt)


def _share(counts: dict[int, int], levels: tuple[int, ...]) -> float | None:
    total = sum(counts.values())
    return None if total == 0 else sum(counts[v] for v in levels) / total


KIND_NAMES = {"elevvurdering": "elevvurderingsskema", "overblik": "overbliksark", "aarshjul": "årshjul"}
KIND_PLURALS = {"elevvurdering": "elevvurderingsskemaer", "overblik": "overbliksark", "aarshjul": "årshjul"}


def _read_kinds(result: Consolidation) -> str:
    """'6 elevvurderingsskemaer og 3 overbliksark': what the summary is made from (review:
    "9 skemaer" counted the overbliksark among the ratings)."""
    kinds = Counter(f.data.kind for f in result.files if f.read and f.data)
    return danish_list([plural(kinds[kind], KIND_NAMES[kind], KIND_PLURALS[kind]) for kind in KIND_NAMES if kinds[kind]]) \
        or "ingen skemaer"


@dataclass
class OverviewRow:
    """One row of the Oversigt sheet: a class's subject, or all classes' together."""

    class_name: str
    measure: str
    term: str
    previous: str  # the term compared with; empty in a class's first term
    counts: dict[int, int]
    before: dict[int, int] | None  # None for all classes together
    change: rules.SameStudents | None  # None in a class's first term
    not_rated: int
    in_focus: int
    all_classes: bool = False


ALL_CLASSES = "Alle klasser"


def _overview_rows(result: Consolidation) -> list[OverviewRow]:
    """A row per class and subject, then, with more than one class, a row per subject for all
    of them (review: the leaders added the classes up by hand for their meeting)."""
    rows, several = [], _several_schools(result)
    for summary in result.classes:
        for measure in summary.data.measures:
            rows.append(OverviewRow(
                _class_label(summary, several), measure, summary.term.label,
                summary.previous.label if summary.previous else "", summary.counts[measure],
                summary.previous_counts[measure], summary.changes.get(measure),
                summary.not_rated.get(measure, 0), sum(1 for f in summary.focus if measure in f["measures"]),
            ))
    if len(result.classes) < 2:
        return rows
    # the term before is left blank for all classes together: classes in their first term have none, so
    # those figures would compare other students (review); the change is the same students' in every class
    totals = []
    for measure in dict.fromkeys(row.measure for row in rows):
        same = [row for row in rows if row.measure == measure]
        compared = [row.change for row in same if row.change is not None]
        totals.append(OverviewRow(
            ALL_CLASSES, measure, _one_or_several({row.term for row in same}), "", rules.added([row.counts for row in same]),
            None, rules.SameStudents.pooled(compared) if compared else None,
            sum(row.not_rated for row in same), sum(row.in_focus for row in same), all_classes=True,
        ))
    return rows + totals


def _schools(result: Consolidation) -> list[str]:
    """Each school of the classes once, as first spelt: consolidate takes "Skolen" and "skolen "
    for one school, and the sheets named two and put it before every class (red team)."""
    names: dict[str, str] = {}
    for summary in result.classes:
        names.setdefault(school_key(summary.data.school), summary.data.school)
    return sorted(names.values())


def _several_schools(result: Consolidation) -> bool:
    return len(_schools(result)) > 1


def _class_label(summary: ClassSummary, several_schools: bool) -> str:
    """The class as the summary names it: with its school when the folder holds several (a
    municipality's fifty 7.A would otherwise be one name; review)."""
    name = summary.data.class_name(summary.term)
    return f"{summary.data.school} {name}" if several_schools else name


def _one_or_several(terms: set[str]) -> str:
    return "" if not terms else next(iter(terms)) if len(terms) == 1 else "Flere terminer"


def _overview_sheet(workbook, result: Consolidation, formats, key_note: str = "") -> None:
    sheet = workbook.add_worksheet("Oversigt")
    sheet.write_string(0, 0, "Skoleoversigt · elevvurderinger", formats["title"])
    schools = _schools(result)
    sheet.write_string(
        1, 0,
        f"{', '.join(schools) or 'Ingen skemaer med vurderinger'} · lavet {date.today():%d.%m.%Y} ud fra "
        f"{_read_kinds(result)}. Fordeling pr. klasse og fag i den valgte termin; "
        "ændringer er regnet for de elever, der er vurderet i både den og terminen før." + key_note,
        formats["note"],
    )
    notes = []
    if len(result.terms_used) > 1:
        notes.append("klasserne er ikke opgjort i samme termin (" + ", ".join(result.terms_used) + "); se kolonnen Termin")
    from_text = [c for c in result.classes if c.from_text]
    if from_text:
        notes.append(f"{plural(sum(c.from_text for c in from_text), 'vurdering', 'vurderinger')} skrevet som tekst (i "
                     + ", ".join(c.data.class_name(c.term) for c in from_text) + ", denne eller forrige termin) er "
                     "talt med her, men ikke i klassernes egne ark; se arket Problemer")
    if notes:
        sheet.write_string(2, 0, "Bemærk: " + ". ".join(notes) + ".", formats["bad"])
    scale = result.scale
    if scale is None:
        sheet.write_string(3, 0, "Der var ingen vurderinger at opsummere. Se arket Problemer.", formats["note"])
        return
    rule = result.focus_rule or rules.FocusRule()
    low = tuple(v for v in scale.values if v <= rule.at_or_below)
    low_text = "–".join(str(v) for v in (low[0], low[-1])) if len(low) > 1 else "".join(map(str, low)) or "i fokus"
    levels = len(scale.levels)
    headers = ["Klasse", "Fag", "Termin", "Vurderet", "Ikke vurderet"]
    headers += [f"{lv.value} {lv.name}" for lv in scale.levels]
    headers += [f"Andel {lv.value}" for lv in scale.levels]
    headers += ["Gennemsnit", f"Andel {low_text}", "Forrige termin", "Gns. forrige", f"Andel {low_text} før",
                "Vurderet begge terminer", "Ændring i gns., samme elever", f"Ændring andel {low_text}, samme elever",
                "Elever i fokus i faget"]
    header_row = 3
    # fitted to four lines: "Ændring andel 1–2, samme elever" (review: cut at three)
    _headers(sheet, header_row, headers, formats,
             [30 if _several_schools(result) else 12, 10, 14, 9, 9] + [9] * (2 * levels) + [11, 9, 14, 10, 10, 10, 11, 12, 9])
    first_level_col = 5
    for i, level in enumerate(scale.levels):
        sheet.write_string(header_row, first_level_col + i, headers[first_level_col + i], formats[f"level_{level.value}"])
        sheet.write_string(header_row, first_level_col + levels + i, headers[first_level_col + levels + i],
                           formats[f"level_{level.value}"])
    change_col = first_level_col + 2 * levels + 6
    row = header_row
    for figures in _overview_rows(result):
        row += 1
        text = formats["total_text"] if figures.all_classes else formats["text"]
        sheet.write_string(row, 0, figures.class_name, text)
        sheet.write_string(row, 1, figures.measure, text)
        sheet.write_string(row, 2, figures.term, text)
        counts, before, change = figures.counts, figures.before, figures.change
        total = sum(counts.values())
        sheet.write_number(row, 3, total, formats["int"])
        _number(sheet, row, 4, figures.not_rated, formats["int"])
        col = first_level_col
        for level in scale.levels:
            sheet.write_number(row, col, counts[level.value], formats["int"])
            col += 1
        for level in scale.levels:
            _number(sheet, row, col, counts[level.value] / total if total else None, formats["pct"])
            col += 1
        _number(sheet, row, col, rules.mean_of(counts), formats["mean"])
        _number(sheet, row, col + 1, _share(counts, low), formats["pct"])
        write_text_or_blank(sheet, row, col + 2, figures.previous, formats["text"])
        _number(sheet, row, col + 3, rules.mean_of(before) if before else None, formats["mean"])
        _number(sheet, row, col + 4, _share(before, low) if before else None, formats["pct"])
        # the share columns' own focus levels, also for a class whose spec has another limit (review)
        mean_change, share_change = (change.mean_change(), change.share_change(low)) if change else (None, None)
        _number(sheet, row, col + 5, change.students if change else None, formats["int"])
        _number(sheet, row, col + 6, None if mean_change is None else _as_shown(mean_change, 2), formats["change"])
        _number(sheet, row, col + 7, None if share_change is None else _as_shown(share_change, 2),  # whole %
                formats["pct_change"])
        sheet.write_number(row, col + 8, figures.in_focus, formats["int"])
        sheet.write_string(row, col + 9, f"{figures.class_name} {figures.measure}")
    last_row = row
    label_col = len(headers)
    sheet.set_column(label_col, label_col, None, None, {"hidden": True})  # chart labels only
    for col, good_when in ((change_col, ">"), (change_col + 1, "<")):
        bad_when = "<" if good_when == ">" else ">"
        sheet.conditional_format(header_row + 1, col, last_row, col, {"type": "cell", "criteria": good_when, "value": 0, "format": formats["good"]})
        sheet.conditional_format(header_row + 1, col, last_row, col, {"type": "cell", "criteria": bad_when, "value": 0, "format": formats["bad"]})
    sheet.freeze_panes(header_row + 1, 2)
    sheet.autofilter(header_row, 0, last_row, len(headers) - 1)
    if header_row < last_row <= header_row + MAX_CHART_ROWS:
        _distribution_chart(workbook, sheet, scale, header_row, last_row, label_col, first_level_col)
    elif last_row > header_row:
        sheet.write_string(last_row + 2, 0, f"Diagrammet er udeladt, fordi oversigten har over {MAX_CHART_ROWS} rækker. "
                           "Brug filtrene i overskriftsrækken for at se én skole eller ét fag ad gangen.", formats["note"])
    print_wide(sheet, header_row, SUMMARY_HEADER, CONFIDENTIAL)


def _distribution_chart(workbook, sheet, scale: Scale, header_row: int, last_row: int, label_col: int,
                        first_level_col: int) -> None:
    """Stacked bars: share of students at each level per class and subject. The lower half of
    the scale is striped, so red and green stay apart in grey print and for red-green
    colour-blind readers (review)."""
    chart = workbook.add_chart({"type": "bar", "subtype": "percent_stacked"})
    chart.show_hidden_data()
    for i, level in enumerate(scale.levels):
        col = first_level_col + i
        look = ({"pattern": {"pattern": "light_upward_diagonal", "fg_color": "#FFFFFF", "bg_color": level.color}}
                if i < len(scale.levels) // 2 else {"fill": {"color": level.color}})
        chart.add_series({
            "name": ["Oversigt", header_row, col],
            "categories": ["Oversigt", header_row + 1, label_col, last_row, label_col],
            "values": ["Oversigt", header_row + 1, col, last_row, col],
            **look,
            "border": {"color": "#FFFFFF"},
            "gap": 40,
        })
    chart.set_title({"name": "Fordeling pr. klasse og fag (valgt termin)"})
    chart.set_x_axis({"num_format": "0%", "major_gridlines": {"visible": True, "line": {"color": "#DDDDDD"}}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    rows = last_row - header_row
    chart.set_size({"width": 900, "height": max(320, 22 * rows + 120)})
    sheet.insert_chart(last_row + 3, 0, chart)


def _focus_sheet(workbook, result: Consolidation, formats) -> None:
    sheet = workbook.add_worksheet("Elever i fokus")
    # every rated subject, in the order the classes have them (an årshjul or overbliksark
    # in the folder has none, and a school's own template may have other subjects)
    measures = list(dict.fromkeys(m for summary in result.classes for m in summary.data.measures))
    # without Nr when none is known: pseudonyms leave it out, as class and Nr would name the student
    with_nr = any(f["nr"] is not None for summary in result.classes for f in summary.focus)
    with_tests = bool(result.tests)  # an overbliksark in the folder: the student's latest test results too
    headers = (["Klasse"] + ["Nr"] * with_nr + ["Elev", "Termin", "Begrundelse", "I fokus i terminen før"]
               + ["Seneste prøve, andel af maks"] * with_tests + measures)
    sheet.write_string(0, 0, "Elever i fokus", formats["title"])
    rule = result.focus_rule or rules.FocusRule()
    sheet.write_string(
        1, 0,
        f"En elev er i fokus ved en vurdering på {rule.at_or_below} eller derunder, eller ved et fald på "
        f"{rule.drop_steps} trin eller mere siden terminen før. Fortroligt: del kun med dem, der skal bruge det.",
        formats["note"],
    )
    schools = _schools(result)
    if len(schools) == 1:
        counted = "; ".join(f"{summary.data.class_name(summary.term)}: {len(summary.focus)} af {summary.students}"
                            for summary in result.classes)
    else:  # a municipality: "7.A" alone names no class, and a thousand of them no one reads (review)
        counted = f"{plural(len(result.classes), 'klasse', 'klasser')} på {len(schools)} skoler"
    if result.classes:
        sheet.write_string(2, 0, f"{plural(result.focus_count, 'elev', 'elever')} i fokus (hver elev én gang). "
                           f"{counted}.", formats["note"])
    widths = [30 if len(schools) > 1 else 8] + [5] * with_nr + [26, 14, 48, 30] + [22] * with_tests + [8] * len(measures)
    _headers(sheet, 3, headers, formats, widths)  # "Seneste prøve, andel af maks" ran into the first row (review)
    first_measure = len(headers) - len(measures)
    row = 3
    for summary in result.classes:
        for focus in summary.focus:
            row += 1
            cells = [_class_label(summary, len(schools) > 1)] + [focus["nr"]] * with_nr + [focus["student"], focus["term"]]
            wrapped = [focus["reasons"], focus["before"] or ""] + [focus["latest_test"]] * with_tests
            fit_row(sheet, row, zip(wrapped, widths[len(cells):]))
            for col, value in enumerate(cells):
                if col == 1 and with_nr:
                    _number(sheet, row, col, value, formats["int"])  # no Nr: text typed there, or a CPR number
                else:
                    sheet.write_string(row, col, value, formats["text"])
            sheet.write_string(row, len(cells), focus["reasons"], formats["wrap"])
            write_text_or_blank(sheet, row, len(cells) + 1, focus["before"], formats["wrap"])
            if with_tests:
                write_text_or_blank(sheet, row, len(cells) + 2, focus["latest_test"], formats["wrap"])
            for i, measure in enumerate(measures):
                value = focus["current"].get(measure)
                fmt = formats.get(f"cell_{int(value)}", formats["int"]) if value is not None else formats["blank"]
                _number(sheet, row, first_measure + i, value, fmt)
    if row == 3:
        sheet.write_string(4, 0, "Ingen elever i fokus.", formats["note"])
    sheet.freeze_panes(4, 2 + with_nr)
    sheet.autofilter(3, 0, max(row, 4), len(headers) - 1)
    print_wide(sheet, 3, SUMMARY_HEADER, CONFIDENTIAL)


def _development_sheet(workbook, result: Consolidation, formats) -> None:
    """Mean per class and subject for every term with data: how classes develop."""
    sheet = workbook.add_worksheet("Udvikling")
    sheet.write_string(0, 0, "Udvikling: gennemsnit pr. termin", formats["title"])
    sheet.write_string(
        1, 0,
        "Klasser skifter elever; sammenlign med forsigtighed, når klassen har ændret sig.",
        formats["note"],
    )
    labels, several = result.terms_with_data, _several_schools(result)
    _headers(sheet, 3, ["Klasse (navn i den valgte termin)", "Fag"] + labels, formats,
             [30 if several else 12, 10] + [12] * len(labels))
    row = 3
    for summary in result.classes:
        data = summary.data
        for measure in data.measures:
            row += 1
            sheet.write_string(row, 0, _class_label(summary, several), formats["text"])
            sheet.write_string(row, 1, measure, formats["text"])
            for i, label in enumerate(labels):
                _number(sheet, row, 2 + i, summary.means.get((measure, label)), formats["mean"])
    if result.scale and row > 3 and labels:
        low, high = result.scale.levels[0], result.scale.levels[-1]
        middle = result.scale.levels[len(result.scale.levels) // 2]
        sheet.conditional_format(4, 2, row, 1 + len(labels), {
            "type": "3_color_scale",
            "min_type": "num", "min_value": low.value, "min_color": low.color,
            "mid_type": "num", "mid_value": middle.value, "mid_color": middle.color,
            "max_type": "num", "max_value": high.value, "max_color": "#8CCB7E",
        })
    sheet.freeze_panes(4, 2)
    print_wide(sheet, 3, SUMMARY_HEADER, CONFIDENTIAL)


def _problems_sheet(workbook, result: Consolidation, formats) -> None:
    sheet = workbook.add_worksheet("Problemer")
    sheet.write_string(0, 0, "Problemer fundet, da skemaerne blev læst", formats["title"])
    sheet.write_string(1, 0, "Send rækkerne til den lærer, der har udfyldt skemaet. Cellen viser, hvor i filen problemet er.", formats["note"])
    widths = [34, 14, 8, 60, 50, 20]
    _headers(sheet, 3, PROBLEM_HEADERS, formats, widths)
    problems = first_of_each_file(result.problems, MAX_PROBLEM_ROWS)
    for row, problem in enumerate(problems, start=4):
        # a forged file's text, up to a cell's 32,767 characters, must not swell the summary
        values = [quoted(value, MAX_PROBLEM_TEXT) for value in problem.as_row()]
        fit_row(sheet, row, zip(values, widths))
        for col, value in enumerate(values):
            sheet.write_string(row, col, value, formats["wrap"])
    if not problems:
        sheet.write_string(4, 0, "Ingen problemer.", formats["note"])
    sheet.freeze_panes(4, 0)
    sheet.autofilter(3, 0, max(3 + len(problems), 4), len(PROBLEM_HEADERS) - 1)
    print_wide(sheet, 3, SUMMARY_HEADER, CONFIDENTIAL)


def _file_class(status: FileStatus) -> str:
    """The class a file is about: in the term summarised, or at an overbliksark's latest test."""
    if status.data and status.term:
        return status.data.class_name(status.term)
    return status.class_name


def _files_sheet(workbook, result: Consolidation, formats) -> None:
    sheet = workbook.add_worksheet("Filer")
    sheet.write_string(0, 0, "Filer i mappen", formats["title"])
    sheet.write_string(1, 0, "Senest gemt: den dato, skemaet sidst blev gemt i Excel eller LibreOffice (UTC).",
                       formats["note"])
    _headers(sheet, 2, ["Fil", "Status", "Skabelon", "Skole", "Klasse", "Opgjort for termin", "Læste værdier",
                        "Senest gemt", "Bemærkning"], formats, [34, 12, 19, 20, 8, 14, 11, 12, 60])
    for row, status in enumerate(result.files, start=3):
        data = status.data
        cells = [
            status.file,
            "Læst" if status.read else "Ikke et skema" if status.own_output else "Sprunget over",
            KIND_NAMES.get(data.kind, data.kind) if data else "",
            data.school if data else "",
            _file_class(status),
            status.term.label if status.term else "",
        ]
        fit_row(sheet, row, [(status.note, 60)])
        for col, value in enumerate(cells):
            sheet.write_string(row, col, value, formats["text"])
        _number(sheet, row, 6, status.record_count if data else None, formats["int"])
        # the leaders' deadline (seed 000: sent four working days before the samtale) is checked by this date
        sheet.write_string(row, 7, f"{data.saved_at:%d.%m.%Y}" if data and data.saved_at else "", formats["text"])
        sheet.write_string(row, 8, status.note, formats["wrap"])
    sheet.freeze_panes(3, 0)
    print_wide(sheet, 2, SUMMARY_HEADER, CONFIDENTIAL)

"""Adding the next test to a filled overbliksark: a new workbook is built with every
typed value carried over (names, UNI-logins, points, also wrong ones and formulas), read
back and compared before it is kept. The teacher's file is only read."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import openpyxl
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

from xlkit.book import DefinedName, is_percent_format
from xlkit.errors import InvalidWorkbook, RosterError
from xlkit.roster import Student
from xlkit.rules import PointsThresholds, TrendRule, is_number
from xlkit.stored import MAX_TASK_POINTS
from xlkit.spec import OverblikSpec
from xlkit.templates.overblik import (
    FIRST_TASK_COL, KIND, MAX_LABEL, ROSTER_SHEET, MAX_LABEL_SEARCH, Formula, Points, build, point_owners, shown, stored_tests,
)
from xlkit.testdef import TestDefinition
from xlkit.values import ErrorValue, danish_number, looks_like_cpr, without_cpr
from xlkit.workbook import NAME_PREFIX

CELL_AREA = re.compile(r"\$?[A-Za-z]{1,3}\$?[0-9]{1,7}(?::\$?[A-Za-z]{1,3}\$?[0-9]{1,7})?")
OOXML_ESCAPE = re.compile(r"_x(00[01][0-9A-Fa-f]|005[Ff])_")  # what Excel writes: control characters and _


@dataclass
class Typed:
    """Everything typed in an overbliksark, as add-test carries it over."""

    students: list[Student]  # one per class-list row, the spare row under the list included
    points: Points
    metadata: dict
    titles: dict[str, str]  # each test's stored short name -> its sheet's current title
    name_cells: list[str]  # Elever!C5 ... for each class-list row, for messages
    maxima: dict[str, dict[str, float]] = field(default_factory=dict)  # short name -> task -> maks typed on the sheet
    maxima_changed: list[str] = field(default_factory=list)  # "Prøve 1!E6 (4 → 3)", for messages
    as_values: list[str] = field(default_factory=list)  # cells whose formula is carried over as its value
    sheets: list[str] = field(default_factory=list)  # every sheet's title
    cells: dict[str, list[str]] = field(default_factory=dict)  # filled cells on Elever and the test sheets, inputs aside


@dataclass
class AddedTest:
    """The new file and what add-test did besides adding the test, for the command to say."""

    output: Path
    grown: tuple[str, int, int] | None = None  # (the last student's cell, places before, places now)
    maxima: list[str] = field(default_factory=list)  # the Maks cells corrected on the sheets, carried over
    as_values: list[str] = field(default_factory=list)  # cells whose formula is written as the value it showed
    left_behind: list[str] = field(default_factory=list)  # "arket 'Noter'", "Elever!F5": not in the new file
    source: str = ""

    def notes(self) -> list[str]:
        """What the teacher should know, in Danish, one line each."""
        lines = []
        if self.grown:
            cell, before, now = self.grown
            lines.append(f"Elevlisten gik ud over skemaets {before} pladser (der står en elev i {cell}); den nye fil "
                         f"har plads til {now} elever.")
        if self.maxima:
            lines.append(f"Maks rettet på prøvearket er taget med, og xlkit regner nu også med det: "
                         f"{', '.join(self.maxima)}.")
        if self.as_values:
            lines.append("Formler, der henter fra noget, den nye fil ikke har (et ark, et navn eller celler uden for "
                         "skemaets felter til navne og point), er skrevet som den værdi, de viste, så de ikke bliver "
                         f"til fejl: {', '.join(cell_runs(self.as_values))}.")
        if self.left_behind:
            lines.append(f"Den nye fil er lavet forfra, så dette kommer ikke med: {'; '.join(self.left_behind)}. "
                         f"Kopiér det selv fra {self.source}.")
        return [f"OBS: {line}" for line in lines] + [
            "Alle navne og point er kontrolleret: de står i den nye fil, som de stod i det gamle skema"
            + (" (formlerne ovenfor som deres værdi)" if self.as_values else "")
            + "; lærerens egne cellefarver og kommentarer kommer ikke med."]


def cell_runs(cells: list[str]) -> list[str]:
    """'Elever!C5', 'Elever!C6', 'Elever!C7' as 'Elever!C5:C7': each cell named, in fewer words."""
    runs: list[list] = []
    for where in cells:
        sheet, _, cell = where.rpartition("!")
        column, row = coordinate_from_string(cell)
        last = runs[-1] if runs else None
        if last and last[0] == sheet and last[1] == column and last[3] == row - 1:
            last[3] = row
        else:
            runs.append([sheet, column, row, row])
    return [f"{sheet}!{column}{first}" + (f":{column}{last}" if last != first else "")
            for sheet, column, first, last in runs]


def typed_inputs(path: Path) -> Typed:
    """Everything a teacher typed, exactly as stored: the class list, every points cell
    (formulas kept as formulas), the metadata and each test's current sheet title."""
    from xlkit.reader import open_workbook

    values, formulas = open_workbook(path), open_workbook(path, formulas=True)
    try:
        metadata = _overblik_metadata(values, path)
        carried = _carried_cells(formulas, len(stored_tests(metadata)))
        as_values: list[str] = []

        def typed(name: str, points: bool = False) -> list[list]:
            shown_cells, raw_cells = _named_region(values, name), _named_region(formulas, name)
            if shown_cells is None or raw_cells is None:
                raise InvalidWorkbook(f"Skemaets område {NAME_PREFIX}{name} kan ikke findes; skemaet er ændret for meget.")
            return [[_typed(raw, cell, points, carried, as_values) for raw, cell in zip(raw_row, row)]
                    for raw_row, row in zip(raw_cells, shown_cells)]

        names, logins = typed("elev"), typed("uni_login")
        name_cells = [_where(row[0]) for row in _named_region(formulas, "elev")]
        students = [Student(n[0], u[0]) for n, u in zip(names, logins)]
        listed = [tuple(" ".join(text.split()) for text in map(shown, (s.name, s.uni_login)) if text)
                  for s in students]  # as the sheets show them: a name typed as a formula by its result (found in review)
        numbers = _named_region(values, "nr")
        roster_numbers = [row[0].value for row in numbers] if numbers else list(range(1, len(students) + 1))
        points: Points = {}
        titles: dict[str, str] = {}
        maxima: dict[str, dict[str, float]] = {}
        maxima_changed: list[str] = []
        for index, test in enumerate(stored_tests(metadata), start=1):
            region = _named_region(values, f"t{index}_point")
            if region is None or any(len(row) != len(test.tasks) for row in region):
                raise InvalidWorkbook(f"Prøvearket '{test.short_name}' er ændret, så pointene ikke kan flyttes sikkert.")
            titles[test.short_name] = region[0][0].parent.title
            _sheet_maxima(region, test, maxima, maxima_changed)
            beside = _beside(region)
            owners = point_owners([row[0] for row in beside], roster_numbers, [row[-1] for row in beside], listed)
            if not isinstance(owners, list):  # as the reader, which does not read such a sheet (found in review)
                raise InvalidWorkbook(f"Elevlisten eller prøvearket '{titles[test.short_name]}' er sorteret om, så det "
                                      "ikke kan ses, hvilken elev hver række point hører til. Fortryd sorteringen "
                                      "(sortér altid med kolonnen Nr.), og prøv igen.")
            for row, cells in enumerate(typed(f"t{index}_point", points=True)):  # keyed by the student's class-list row,
                for task, value in zip(test.tasks, cells):  # as the new file's sheets take them row by row
                    if value is None:
                        continue
                    if owners[row] is None:  # nothing is left behind unsaid (the reader reports the row too)
                        raise InvalidWorkbook(f"Prøvearket '{titles[test.short_name]}' har point i række "
                                              f"{region[row][0].row}, men rækken viser ingen elev (navnet er slettet "
                                              "eller skrevet over på arket Elever). Slet pointene, eller skriv eleven "
                                              "på arket Elever igen, og prøv igen.")
                    points[(owners[row], test.short_name, task.id)] = value
        own = [ROSTER_SHEET, *titles.values()]
        cells = {title: [cell.coordinate for row in formulas[title].iter_rows() for cell in row if cell.value
                         not in (None, "") and (title.casefold(), cell.row, cell.column) not in carried]
                 for title in own if title in formulas.sheetnames}
        sheets = list(formulas.sheetnames)
    finally:
        values.close()
        formulas.close()
    return Typed(students, points, metadata, titles, name_cells, maxima, maxima_changed, as_values, sheets, cells)


def _carried_cells(formulas, tests: int) -> set[tuple[str, int, int]]:
    """(sheet title casefolded, row, column) of every cell the new file has at the same place
    with the same content: the class list and each test's points. A formula referring to
    anything else (a sheet the teacher added, a note beside the list, a name) would show
    #NAME? or #REF! once the new file is calculated (found by the red team)."""
    carried = set()
    for name in ("nr", "uni_login", "elev", *(f"t{index}_point" for index in range(1, tests + 1))):
        for row in _named_region(formulas, name) or []:
            carried.update((cell.parent.title.casefold(), cell.row, cell.column) for cell in row)
    return carried


REFERENCE_FUNCTIONS = {"INDIRECT", "OFFSET"}  # a reference made from text or by counting: it cannot be followed
MAX_FOLLOWED_CELLS = 10_000


def refers_elsewhere(text: str, sheet: str, carried: set[tuple[str, int, int]]) -> bool:
    """Whether a formula (without its '=') on `sheet` refers to any cell outside `carried`,
    to a name, another workbook or a reference it makes itself; a formula of constants does not."""
    try:
        tokens = Tokenizer("=" + text).items
    except Exception:  # openpyxl's tokenizer raises several types on text it cannot split
        return True
    for token in tokens:
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            if token.value[:-1].upper().removeprefix("_XLFN.") in REFERENCE_FUNCTIONS:
                return True
        elif token.type == Token.OPERAND and token.subtype == Token.RANGE and not _within(token.value, sheet, carried):
            return True
    return False


def _within(reference: str, sheet: str, carried: set[tuple[str, int, int]]) -> bool:
    title, _, area = reference.rpartition("!")
    if title.startswith("'") and title.endswith("'") and len(title) > 1:
        title = title[1:-1].replace("''", "'")
    if not CELL_AREA.fullmatch(area):  # a name, whole columns or rows
        return False
    min_col, min_row, max_col, max_row = range_boundaries(area.replace("$", ""))
    if (max_col - min_col + 1) * (max_row - min_row + 1) > MAX_FOLLOWED_CELLS:
        return False
    title = (title or sheet).casefold()
    return all((title, row, col) in carried for row in range(min_row, max_row + 1) for col in range(min_col, max_col + 1))


OTHER_KINDS = {"elevvurdering": "et elevvurderingsskema", "aarshjul": "et årshjul"}
ONLY_OVERBLIK = "add-test virker kun på et overbliksark (et skema med prøvernes point)"


def _overblik_metadata(values, path: Path) -> dict:
    """The hidden metadata of an overbliksark. Another kind of workbook is named as what it
    is: an elevvurderingsskema was called invalid, to be made again, and a skoleoversigt
    not made with xlkit (found by the red team)."""
    from xlkit.reader import OUTPUT_KINDS, output_kind, read_metadata

    try:
        metadata = read_metadata(values)
    except InvalidWorkbook:
        kind = output_kind(path)
        if kind in OUTPUT_KINDS:
            raise InvalidWorkbook(f"{ONLY_OVERBLIK}; filen er {OUTPUT_KINDS[kind]} lavet af xlkit.") from None
        raise
    if metadata["kind"] != KIND:
        what = OTHER_KINDS.get(metadata["kind"], f"et skema af typen '{metadata['kind'][:40]}'")
        raise InvalidWorkbook(f"{ONLY_OVERBLIK}; filen er {what}.")
    return metadata


def _sheet_maxima(region: list[list], test: TestDefinition, maxima: dict, changed: list[str]) -> None:
    """The Maks a teacher corrected on a test sheet (protection lifted), into `maxima`: the
    new file was made from the stored test and put the old Maks back without a word, while
    consolidate's advice pointed to add-test (found by the red team). Found by its label, as
    the reader finds it; a Maks that is no usable maximum is refused, naming its cell."""
    first = region[0][0]
    sheet, label_col = first.parent, first.column - FIRST_TASK_COL
    if label_col < 1 or first.row <= 1:
        return
    rows = range(max(1, first.row - MAX_LABEL_SEARCH), first.row)
    labelled = [row for row in rows if sheet.cell(row, label_col).value == MAX_LABEL]
    if not labelled:
        return
    for column, task in enumerate(test.tasks):
        cell = sheet.cell(labelled[-1], first.column + column)
        value = cell.value
        if is_number(value) and float(value) == float(task.max):
            continue
        if not (is_number(value) and 0 < value <= MAX_TASK_POINTS and float(value * (2 if test.half_points else 1)).is_integer()):
            whole = "et halvt eller helt tal" if test.half_points else "et helt tal"
            raise InvalidWorkbook(f"Maks for opgave {task.id} i {_where(cell)} er ændret, men ikke til et pointtal "
                                  f"({whole} over 0). Skriv maks igen (prøven har {danish_number(task.max)}), og "
                                  "prøv igen.")
        maxima.setdefault(test.short_name, {})[task.id] = float(value)
        changed.append(f"{_where(cell)} ({danish_number(task.max)} → {danish_number(value)})")


def _beside(region: list[list]) -> list[list]:
    """Nr, UNI-login and name beside a test sheet's points (openpyxl cells), as read() finds them."""
    first = region[0][0]
    nr_col = first.column - FIRST_TASK_COL
    if nr_col < 1:
        return [[number, None] for number in range(1, len(region) + 1)]
    return [[_shown(first.parent.cell(first.row + offset, col)) for col in range(nr_col, first.column)]
            for offset in range(len(region))]


def _shown(cell):
    """A cell's value as the reader sees it: an error (#N/A from a name the class list lacks)
    is no name, so it does not make the sheet look sorted (found in review)."""
    return None if cell.data_type == "e" else _unescaped(cell.value)


def _typed(raw_cell, shown_cell, points: bool = False, carried: set | None = None, as_values: list | None = None):
    """The value to write in the new file for one input cell. A formula referring to what
    the new file lacks is written as the value it showed (named in `as_values`): kept, it
    would turn into an error when the new file is calculated, with every name lost."""
    raw = raw_cell.value
    if looks_like_cpr(raw) or looks_like_cpr(shown_cell.value):  # the new workbook would repeat it
        raise InvalidWorkbook(f"Cellen {_where(raw_cell)} ligner et CPR-nummer, og xlkit kopierer ikke CPR-numre. "
                              "Slet det i skemaet, og prøv igen.")
    if points and isinstance(shown_cell.value, (int, float)) and is_percent_format(shown_cell.number_format or ""):
        # the reader reports such a cell and skips it; carried over in the new file's own
        # format it would count as points (`100%` as 1 point) without a word (found in review)
        raise InvalidWorkbook(f"Cellen {_where(raw_cell)} er skrevet som procent, ikke som point. Sæt cellens talformat "
                              "til Standard (Formatér celler), skriv pointtallet igen, og prøv igen.")
    error = shown_cell.data_type == "e"
    cached = None if error else shown_cell.value  # the new file computes it again: no error text as its result
    text = raw[1:] if raw_cell.data_type == "f" and isinstance(raw, str) and raw.startswith("=") else \
        (raw.text or "").removeprefix("=") if isinstance(raw, ArrayFormula) else None
    if text is not None and not error and carried is not None and refers_elsewhere(text, raw_cell.parent.title, carried):
        as_values.append(_where(raw_cell))  # one showing an error is carried as it is: it shows one either way
        return _unescaped(cached)
    if raw_cell.data_type == "f" and isinstance(raw, str) and raw.startswith("="):  # not text typed as '=…
        return Formula(raw[1:], cached)  # (found in review: that came back as a live formula)
    if isinstance(raw, ArrayFormula):  # found in review: add-test failed on one, naming no cell
        if (raw.ref or raw_cell.coordinate).split(":")[0] != (raw.ref or raw_cell.coordinate).split(":")[-1]:
            raise InvalidWorkbook(f"Cellen {_where(raw_cell)} har en matrixformel over flere celler, som xlkit ikke "
                                  "kan flytte. Skriv værdierne i stedet, og prøv igen.")
        return Formula((raw.text or "").removeprefix("="), cached, array=True)
    if error:  # carried over, it would be the text "#N/A": a student of that name (found in review)
        raise InvalidWorkbook(f"Cellen {_where(raw_cell)} viser {ErrorValue(str(raw)).shown} uden en formel bag. "
                              "Slet den, eller skriv værdien, og prøv igen.")
    return _unescaped(raw)


def _where(cell) -> str:
    """Sheet!cell for a message; a sheet named with a CPR number is not repeated."""
    return without_cpr(f"{cell.parent.title}!{cell.coordinate}")


def _unescaped(value):
    """Excel's _x000D_ for a carriage return: openpyxl keeps the escape as text, and
    XlsxWriter would write it as the visible text '_x000D_' (found in review)."""
    if isinstance(value, str) and "_x" in value:
        return OOXML_ESCAPE.sub(lambda found: chr(int(found.group(1), 16)), value)
    return value


def spec_from_metadata(metadata: dict) -> OverblikSpec:
    return OverblikSpec(
        path="(skemaet)", id=metadata["spec_id"], version=int(metadata["spec_version"]), title="Overbliksark",
        max_students=int(metadata["max_students"]), thresholds=PointsThresholds(**metadata["thresholds"]),
        trend=TrendRule(float(metadata["trend_tolerance"]), "seneste"), below_level=float(metadata["below_level"]),
    )


def add_test(source: Path, test: TestDefinition, output: Path) -> AddedTest:
    """Write `output`: the workbook in `source` plus one more test sheet.

    Every typed value (names, UNI-logins, points, also wrong ones and formulas) and every
    renamed test sheet is carried over; the new file is read back and compared before it
    is kept. `source` is only read. The teacher's own cell colours and comments are not
    carried over (the sheets' own colours are conditional formats and come back), nor sheets
    the teacher added or cells typed outside the input areas: the result names them.
    """
    typed = typed_inputs(source)
    metadata, students = typed.metadata, typed.students
    titles = typed.titles
    tests = stored_tests(metadata)
    tests = [replace(t, short_name=titles.get(t.short_name, t.short_name),
                     tasks=tuple(replace(task, max=typed.maxima.get(t.short_name, {}).get(task.id, task.max))
                                 for task in t.tasks)) for t in tests]
    points = {(row, titles.get(sheet, sheet), task): value for (row, sheet, task), value in typed.points.items()}
    _not_there_yet(test, tests)
    if any(t.short_name.lower() == test.short_name.lower() for t in tests):
        raise RosterError(f"Skemaet har allerede en prøve med arknavnet '{test.short_name}'.")
    if tests and test.subject != tests[0].subject:
        raise RosterError(f"Prøven er i {test.subject}, men skemaet er i {tests[0].subject}.")
    added = AddedTest(output, maxima=typed.maxima_changed, as_values=typed.as_values, source=source.name)
    spec = made_as = spec_from_metadata(metadata)
    last_named = max((i for i, s in enumerate(students) if not _blank_student(s)), default=-1)
    if last_named >= spec.max_students:  # typed in the spare row under the list: it was cut off (red team)
        added.grown = (typed.name_cells[last_named], spec.max_students, last_named + 1)
        spec = replace(spec, max_students=last_named + 1)
    try:
        build(spec, output, str(metadata["school"]), str(metadata["class_letter"]),
              tests + [test], students[: last_named + 1], points)
        back = typed_inputs(output)
    except BaseException:  # no half-written file is left to block the next attempt
        output.unlink(missing_ok=True)
        raise
    carried = {key: value for key, value in back.points.items() if key[1] != test.short_name}
    if _listed(back.students) != _listed(students) or carried != points:
        output.unlink()
        raise InvalidWorkbook("Kontrollen af den nye fil fejlede: ikke alle værdier kom med. Den nye fil er slettet; "
                              "originalen er urørt.")
    added.left_behind = _left_behind(typed, made_as, tests)
    return added


def _left_behind(typed: Typed, spec: OverblikSpec, tests: list[TestDefinition]) -> list[str]:
    """What the new file, made afresh, lacks: the sheets a teacher added (a class list with
    notes on students was dropped without a word; found by the red team) and cells typed on
    Elever or a test sheet outside the names and points, as `plan suggest` names them. Told
    from the template's own cells by the workbook as xlkit makes it (in memory): the new file's
    rows move when the class list grows."""
    made = io.BytesIO()
    build(spec, made, str(typed.metadata["school"]), str(typed.metadata["class_letter"]), tests, [], {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        template = openpyxl.load_workbook(made)  # xlkit's own file: no need of the untrusted-file reader
    sheets = [f"arket '{title}'" for title in typed.sheets if title not in template.sheetnames]
    cells = [without_cpr(f"{title}!{cell}") for title, filled in typed.cells.items() if title in template.sheetnames
             for cell in filled if template[title][cell].value in (None, "")]
    return sheets + cells


def _not_there_yet(test: TestDefinition, tests: list[TestDefinition]) -> None:
    """Refuse a test the workbook already has, whatever its sheet is called now: only the
    titles were compared, so after a rename the same test came in twice (found by the red
    team). By name and date, as the teacher knows a test; a description corrected since (a
    task's maks) still describes the same test."""
    for there in tests:
        if " ".join(there.name.split()).casefold() == " ".join(test.name.split()).casefold() and there.date == test.date:
            corrected = "" if there.tasks == test.tasks else (
                " Er prøvebeskrivelsen rettet siden (fx et maks), så ret maks på prøvearket; add-test tager arkets "
                "maks med, når den næste prøve føjes til.")
            raise RosterError(f"Skemaet har allerede prøven '{there.name}' fra {there.date:%d.%m.%Y} (arket "
                              f"'{there.short_name}').{corrected}")


def _blank_student(student: Student) -> bool:
    return student.name in (None, "") and student.uni_login in (None, "")


def _listed(students: list[Student]) -> list[Student]:
    """The class list without the empty rows after its last student."""
    end = len(students)
    while end and _blank_student(students[end - 1]):
        end -= 1
    return students[:end]


def _named_region(workbook, name: str) -> list[list] | None:
    """The cells of a workbook-level name as rows of cells, or None. The destination is
    parsed as the reader parses it: openpyxl's own keeps an apostrophe in a sheet name
    doubled ("Mette''s prøve"), so such a test sheet was not found (found by the red team)."""
    defined = workbook.defined_names.get(NAME_PREFIX + name)
    if defined is None:
        return None
    try:  # xlkit's parser leaves out a name pointing to the hidden sheet: no input lives there
        [(sheet_title, area)] = list(DefinedName(defined.name, defined.attr_text).destinations)
        picked = workbook[sheet_title][area.replace("$", "")]
    except (KeyError, ValueError, TypeError, AttributeError, IndexError):
        return None
    if hasattr(picked, "coordinate"):
        return [[picked]]
    return [list(row) for row in picked]

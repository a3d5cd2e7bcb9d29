"""Test definitions (prøvebeskrivelser) for overbliksark: the tasks of one test with their
fagområde, signalord and maximum points.

Teachers do not write YAML, so a definition can also be a simple sheet in an .xlsx: a few
key/value rows (Navn, Fag, Klassetrin, Dato, Termin, Halve point) and then a table with one
row per task (Opgave, Fagområde, Signalord, Maks). Both forms are checked the same way and
every fault names the file and the field or cell.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from xlkit.errors import InvalidWorkbook, SpecError
from xlkit.spec import CPR_FAULT, Checker, read_yaml
from xlkit.values import looks_like_cpr, typed_number

FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f\ud800-\udfff]")


def usable_sheet_name(name: str) -> bool:
    """Whether Excel takes `name` for a sheet (found in review: an apostrophe at either end,
    31 characters that are more in Excel's UTF-16, or a control character stopped the
    writer with a Python error or broke the formulas that name the sheet)."""
    return (0 < len(name.encode("utf-16-le", "surrogatepass")) // 2 <= 31 and not FORBIDDEN_IN_SHEET_NAMES.search(name)
            and not name.startswith("'") and not name.endswith("'") and name.casefold() != "history")


TASK_ROWS = 200  # rows of the definition sheet whose Maks is checked
TABLE_HEADERS = {"opgave": "id", "fagområde": "area", "signalord": "signal", "maks": "max"}
KEY_ROWS = {
    "navn": "name", "kort navn": "short_name", "fag": "subject", "klassetrin": "grade",
    "dato": "date", "termin": "term", "halve point": "half_points",
}


@dataclass(frozen=True)
class Task:
    id: str
    area: str  # fagområde
    signal: str  # signalord
    max: float


@dataclass(frozen=True)
class TestDefinition:
    __test__ = False  # not a pytest test class, despite the name

    path: str
    name: str
    short_name: str  # the sheet name: at most 31 characters, none of []:*?/\
    subject: str
    grade: int
    date: dt.date
    term: str
    half_points: bool
    tasks: tuple[Task, ...]

    @cached_property
    def areas(self) -> list[str]:
        return list(dict.fromkeys(task.area for task in self.tasks))

    @cached_property
    def signals(self) -> list[str]:
        return list(dict.fromkeys(task.signal for task in self.tasks))

    @cached_property
    def groups(self) -> dict[tuple[str, str], list[int]]:
        """Task positions of the total, each fagområde and each signalord."""
        groups = {("total", ""): list(range(len(self.tasks)))}
        for kind, attribute in (("area", "area"), ("signal", "signal")):
            for position, task in enumerate(self.tasks):
                groups.setdefault((kind, getattr(task, attribute)), []).append(position)
        return groups

    @cached_property
    def maxima(self) -> list[float]:
        """Each task's maximum, in task order (as the rules functions take them)."""
        return [task.max for task in self.tasks]

    @property
    def step(self) -> float:
        """The smallest score step: whole or half points."""
        return 0.5 if self.half_points else 1.0

    @property
    def max_total(self) -> float:
        return sum(task.max for task in self.tasks)


def load_test(path: str | Path) -> TestDefinition:
    """A test definition from YAML or from the first sheet of an .xlsx."""
    path = Path(path)
    labels: dict[str, str] = {}
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        data, locations = _from_sheet(path)
        labels = _sheet_labels(data)
    else:
        data, locations = read_yaml(path), {}
    check = Checker(str(path), locations, labels, what="prøvebeskrivelsen")
    definition = _definition(check, data, str(path))
    if check.faults:
        raise SpecError(str(path), check.faults, "prøvebeskrivelsen")
    return definition


def _sheet_labels(data: dict) -> dict[str, str]:
    """The sheet's own Danish words for each field, so a teacher can find what to fix."""
    labels = {key: label.capitalize() for label, key in KEY_ROWS.items()}
    labels["tasks"] = "Opgaverne"
    columns = {"id": "Opgave", "area": "Fagområde", "signal": "Signalord", "max": "Maks"}
    for i, task in enumerate(data.get("tasks", [])):
        name = task.get("id") if isinstance(task.get("id"), str) and task["id"] else i + 1  # not a date (see below)
        for key, column in columns.items():
            labels[f"tasks[{i}].{key}"] = f"Opgave {name}: {column}"
    return labels


def _from_sheet(path: Path) -> tuple[dict, dict[str, str]]:
    from xlkit.reader import open_workbook

    try:
        workbook = open_workbook(path)
    except InvalidWorkbook as error:
        raise SpecError(str(path), [str(error)], "prøvebeskrivelsen") from None
    sheet = workbook.worksheets[0]
    data: dict[str, Any] = {"kind": "prove"}
    locations: dict[str, str] = {}
    header_row = None
    rows = list(sheet.iter_rows(max_row=500, max_col=10))
    for cells in rows:
        label = cells[0].value
        key = str(label).strip().lower() if label is not None else ""
        if key == "opgave":
            header_row = cells
            break
        if key in KEY_ROWS and len(cells) > 1 and cells[1].value not in (None, ""):
            data[KEY_ROWS[key]] = cells[1].value
            locations[KEY_ROWS[key]] = f"{sheet.title}!{cells[1].coordinate}"
    if header_row is None:
        raise SpecError(str(path), [f"{sheet.title}: der mangler en overskriftsrække, der begynder med 'Opgave'"],
                        "prøvebeskrivelsen")
    columns = {}
    for cell in header_row:
        name = str(cell.value).strip().lower() if cell.value is not None else ""
        if name.startswith("maks"):
            name = "maks"
        if name in TABLE_HEADERS:
            columns[TABLE_HEADERS[name]] = cell.column - 1
    missing = [title for title, key in (("Fagområde", "area"), ("Signalord", "signal"), ("Maks", "max")) if key not in columns]
    if missing:
        where = f"{sheet.title}!{header_row[0].coordinate}"
        raise SpecError(str(path), [f"kolonnen {', '.join(repr(m) for m in missing)} mangler i overskriftsrækken ({where})"],
                        "prøvebeskrivelsen")
    tasks = []
    for cells in rows[header_row[0].row:]:
        if all(c.value in (None, "") for c in cells):
            continue
        index = len(tasks)
        task = {}
        for key, col in columns.items():
            value = cells[col].value if col < len(cells) else None
            text = key != "max" and value is not None and not isinstance(value, (dt.date, dt.time))
            task[key] = str(value).strip() if text else value  # a date is refused by _definition, with its cell
            locations[f"tasks[{index}].{key}"] = f"{sheet.title}!{cells[col].coordinate}"
        tasks.append(task)
    data["tasks"] = tasks
    locations["tasks"] = f"{sheet.title}!{header_row[0].coordinate}"
    for task in tasks:  # a Maks pasted as text (" 3 ", "2,5") was "skal være et positivt antal point" (red team)
        if isinstance(task.get("max"), str) and typed_number(task["max"].strip()) is not None:
            task["max"] = typed_number(task["max"].strip())
    grade = GRADE_TEXT.fullmatch(data["grade"]) if isinstance(data.get("grade"), str) else None
    if grade:  # "7", "7." or "7. klasse" in a cell formatted as text
        data["grade"] = int(grade.group(1))
    if isinstance(data.get("half_points"), str):
        data["half_points"] = {"ja": True, "nej": False}.get(data["half_points"].strip().lower(), data["half_points"])
    if isinstance(data.get("date"), dt.datetime):
        data["date"] = data["date"].date()
    if isinstance(data.get("grade"), float) and data["grade"].is_integer():
        data["grade"] = int(data["grade"])
    return data, locations


GRADE_TEXT = re.compile(r"\s*(\d{1,2})\.?\s*(?:klasse)?\s*", re.IGNORECASE)
DANISH_DATE = re.compile(r"\s*(\d{1,2})[-./](\d{1,2})[-./](\d{4})\s*")


def _date_text(text: str) -> dt.date | None:
    """A date written as text: 2027-01-14, or the Danish way, 14-01-2027, 14.01.2027 or
    14/1/2027 (a Dato cell formatted as text keeps what was typed; red team)."""
    danish = DANISH_DATE.fullmatch(text)
    try:
        if danish:
            return dt.date(int(danish.group(3)), int(danish.group(2)), int(danish.group(1)))
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _definition(check: Checker, data: Any, name: str) -> TestDefinition:
    root = check.mapping(
        data, "", required={"kind", "name", "subject", "grade", "date", "term", "tasks"},
        optional={"short_name", "half_points"},
    )
    if "kind" in root and root["kind"] != "prove":
        check.fault("kind", f"'{root['kind']}' er ikke 'prove'")
    date = root.get("date")
    if isinstance(date, str):
        date = _date_text(date)
    if not isinstance(date, dt.date):
        check.fault("date", "skal være en dato som 2027-01-14")
        date = dt.date(2000, 1, 1)
    half_points = root.get("half_points", False)
    if not isinstance(half_points, bool):
        check.fault("half_points", "skal være ja/nej (true/false)")
        half_points = False
    test_name = check.text(root, "name", "")
    short_name = check.text(root, "short_name", "", default=test_name[:31]) or test_name[:31]
    if not usable_sheet_name(short_name):
        check.fault("short_name", "må højst være 31 tegn, ikke begynde eller slutte med en apostrof ('), ikke hedde History "
                                  "og ikke indeholde tegnene [ ] : * ? / \\ eller kontroltegn")
    tasks = []
    for i, item in enumerate(check.items(root, "tasks", "")):
        path = f"tasks[{i}]"
        fields = check.mapping(item, path, {"id", "area", "signal", "max"}, set())
        maximum = fields.get("max")
        if isinstance(maximum, bool) or not isinstance(maximum, (int, float)) or maximum <= 0:
            if isinstance(item, dict) and "max" in item:  # a missing one is said once, as missing
                check.fault(f"{path}.max", "skal være et positivt antal point")
            maximum = 1
        elif not half_points and not float(maximum).is_integer():
            check.fault(f"{path}.max", "skal være et helt tal, når prøven ikke giver halve point")
        elif half_points and not float(maximum * 2).is_integer():
            check.fault(f"{path}.max", "skal være et helt eller halvt tal")
        task_id = str(fields.get("id", "")).strip() if fields.get("id") is not None else ""
        if isinstance(fields.get("id"), (dt.date, dt.time)):
            # Danish Excel turns 1.1 typed in a General cell into 1 January (found in review:
            # the task was called "2026-01-01 00:00:00" on the test sheet)
            check.fault(f"{path}.id", "er blevet til en dato i regnearket. Formatér kolonnen Opgave som Tekst "
                                      "(Formatér celler), og skriv opgavenummeret igen (fx 1.1)")
        elif not task_id:
            check.fault(f"{path}.id", "mangler et opgavenummer")
        elif looks_like_cpr(task_id):
            check.fault(f"{path}.id", CPR_FAULT)
        tasks.append(Task(task_id, check.text(fields, "area", path), check.text(fields, "signal", path), float(maximum)))
    check.unique([t.id for t in tasks if t.id], "tasks", "opgave")
    return TestDefinition(
        path=name, name=test_name, short_name=short_name, subject=check.text(root, "subject", ""),
        grade=check.integer(root, "grade", "", 0, 10), date=date, term=check.text(root, "term", ""),
        half_points=half_points, tasks=tuple(tasks),
    )


def write_definition_sheet(path: str | Path, definition: TestDefinition | None = None) -> Path:
    """A test definition as the simple sheet teachers fill in (blank when no definition)."""
    from xlkit.workbook import new_workbook

    path = Path(path)
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet("Prøve")
    bold = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    cell = workbook.add_format({"border": 1})
    text = workbook.add_format({"border": 1, "num_format": "@"})  # a task typed as 1.1 stays 1.1, not 1 January
    text_column = workbook.add_format({"num_format": "@"})  # ... also in the empty rows, with nothing to print
    date = workbook.add_format({"border": 1, "num_format": "yyyy-mm-dd"})
    note = workbook.add_format({"italic": True, "font_color": "#444444"})
    d = definition
    keys = [
        ("Navn", d.name if d else ""), ("Kort navn", d.short_name if d else ""), ("Fag", d.subject if d else ""),
        ("Klassetrin", d.grade if d else ""), ("Dato", d.date if d else ""), ("Termin", d.term if d else ""),
        ("Halve point", ("ja" if d.half_points else "nej") if d else "nej"),
    ]
    for row, (label, value) in enumerate(keys):
        sheet.write_string(row, 0, label, bold)
        if isinstance(value, dt.date):
            sheet.write_datetime(row, 1, dt.datetime.combine(value, dt.time()), date)
        elif isinstance(value, int):
            sheet.write_number(row, 1, value, cell)
        else:
            sheet.write_string(row, 1, value, cell)
    sheet.write_string(len(keys), 2, "Kort navn bliver arkets navn (højst 31 tegn). Dato som 2027-01-14.", note)
    header_row = len(keys) + 1
    for col, title in enumerate(("Opgave", "Fagområde", "Signalord", "Maks")):
        sheet.write_string(header_row, col, title, bold)
    for row, task in enumerate(d.tasks if d else (), start=header_row + 1):
        sheet.write_string(row, 0, task.id, text)
        sheet.write_string(row, 1, task.area, cell)
        sheet.write_string(row, 2, task.signal, cell)
        sheet.write_number(row, 3, task.max, cell)
    sheet.data_validation(header_row + 1, 3, header_row + TASK_ROWS, 3, {
        "validate": "decimal", "criteria": ">", "value": 0,
        "error_title": "Maks point", "error_message": "Skriv opgavens maksimale antal point (større end 0).",
    })
    sheet.data_validation(len(keys) - 1, 1, len(keys) - 1, 1, {"validate": "list", "source": ["ja", "nej"],
                                                               "error_title": "Halve point", "error_message": "Vælg ja eller nej."})
    sheet.set_column(0, 0, 12, text_column)
    sheet.set_column(1, 2, 26)
    sheet.set_column(3, 3, 8)
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)  # review: the Maks column printed alone on a second page
    sheet.repeat_rows(header_row)
    workbook.close()
    return path

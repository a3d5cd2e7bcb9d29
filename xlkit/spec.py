"""Template specs and the årshjul's plan spec: what a school edits instead of code.

A spec is YAML in workbook_templates/. Loading checks every field before anything is
written and reports all faults at once, each with its path (`subjects[2].label`) and the
file name, in Danish.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from xlkit.errors import SpecError
from xlkit.rules import FocusRule, Level, PointsThresholds, Scale, TrendRule
from xlkit.terms import Season, school_year_label
from xlkit.values import looks_like_cpr, without_cpr

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
CONTROL_OR_SURROGATE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # tab and line breaks are text
# characters of a label or level name that the fokus and status formulas quote: Excel refuses
# a string literal over 255 characters (found in review: a long label made 341)
IN_FORMULAS = 40
COLOR_PATTERN = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Subject:
    id: str
    label: str  # column header, e.g. DANSK
    name: str  # full name, e.g. Dansk


@dataclass(frozen=True)
class ElevvurderingSpec:
    """The elevvurderingsskema: 1–5 ratings per subject per term."""

    path: str
    id: str
    version: int
    title: str
    group_label: str
    max_students: int
    grades: list[int]
    seasons: list[Season]
    subjects: list[Subject]
    scale: Scale
    focus: FocusRule
    deadline_note: str

    kind = "elevvurdering"


@dataclass(frozen=True)
class OverblikSpec:
    """A school's settings for overbliksark (test results per task); the tests themselves
    are test definitions (testdef.py)."""

    path: str
    id: str
    version: int
    title: str
    max_students: int
    thresholds: PointsThresholds
    trend: TrendRule
    below_level: float  # consolidation: a student below this share in most areas is listed

    kind = "overblik"


def default_spec_path(kind: str) -> Path:
    """The spec shipped with xlkit for a template kind."""
    return shipped_file(f"{kind}.yaml")


def shipped_file(relative: str) -> Path:
    """A file under workbook_templates/: in a checkout, or installed as xlkit.workbook_templates."""
    checkout = Path(__file__).resolve().parent.parent / "workbook_templates" / relative
    if checkout.is_file():
        return checkout
    return Path(str(resources.files("xlkit.workbook_templates").joinpath(relative)))


CPR_FAULT = "ligner et CPR-nummer, og xlkit skriver ikke CPR-numre i skemaer. Slet det"


class Checker:
    """Collects faults with their paths instead of stopping at the first.

    `locations` maps a path to a cell ('Prøve!D12') when the data came from a sheet, so the
    message says where to fix it.
    """

    def __init__(self, name: str, locations: dict[str, str] | None = None, labels: dict[str, str] | None = None,
                 what: str = "skabelonbeskrivelsen") -> None:
        self.name = name
        self.what = what
        self.faults: list[str] = []
        self.locations = locations or {}
        self.labels = labels or {}  # a sheet's own Danish words for a path, e.g. "Opgave 1.2: Maks"

    def fault(self, path: str, message: str) -> None:
        where = self.locations.get(path)  # a fault quoting a value repeats no CPR number typed in it
        self.faults.append(without_cpr(f"{self.labels.get(path, path)}: {message}" + (f" (celle {where})" if where else "")))

    def mapping(self, data: Any, path: str, required: set[str], optional: set[str]) -> dict:
        if not isinstance(data, dict):
            self.fault(path or "(roden)", "skal være en samling af nøgler og værdier" if data is not None
                       else "er tom")
            if not path:
                raise SpecError(self.name, self.faults, self.what)  # nothing else can be checked
            return {}
        for key in sorted(required - data.keys()):
            self.fault(_join(path, key), "mangler")
        for key in sorted(data.keys() - required - optional, key=str):
            self.fault(_join(path, str(key)), "ukendt nøgle (stavefejl?)")
        return data

    def text(self, data: dict, key: str, path: str, default: str | None = None, max_length: int | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            if key in data or default is None:
                self.fault(_join(path, key), "skal være en tekst, der ikke er tom")
            return ""
        if max_length is not None and len(value.strip()) > max_length:
            self.fault(_join(path, key), f"må højst være {max_length} tegn")
        if CONTROL_OR_SURROGATE.search(value):  # a workbook's XML cannot hold them (found in review)
            self.fault(_join(path, key), "må ikke indeholde kontroltegn eller ugyldige tegn")
        if looks_like_cpr(value):  # said here with its cell, not later by the writer without one (found in review)
            self.fault(_join(path, key), CPR_FAULT)
        return value.strip()

    def identifier(self, data: dict, key: str, path: str) -> str:
        value = self.text(data, key, path)
        if value and not ID_PATTERN.match(value):
            self.fault(
                _join(path, key),
                f"'{value}' må kun indeholde små bogstaver a-z, tal, - og _",
            )
        return value

    def integer(
        self, data: dict, key: str, path: str, low: int, high: int, default: int | None = None
    ) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            if key in data or default is None:
                self.fault(_join(path, key), f"skal være et helt tal fra {low} til {high}")
            return low
        return value

    def share(self, data: dict, key: str, path: str, default: float) -> float:
        """A share of the maximum, 0–1 with at most two decimals (a whole percentage)."""
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1 \
                or round(value * 100, 6) != round(value * 100):
            self.fault(_join(path, key), "skal være en andel fra 0 til 1 i hele procent, fx 0.5")
            return default
        return float(value)

    def items(self, data: dict, key: str, path: str) -> list:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            if key in data:
                self.fault(_join(path, key), "skal være en liste med mindst ét punkt")
            return []
        return value

    def unique(self, values: list[str], path: str, what: str) -> None:
        seen = set()
        for value in values:
            if value in seen:
                self.fault(path, f"{what} '{value}' står der mere end én gang")
            seen.add(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def load_spec(path: str | Path | None = None, kind: str = "elevvurdering"):
    """Load and check a spec of `kind`; raises SpecError listing every fault."""
    path = Path(path) if path is not None else default_spec_path(kind)
    name = str(path)
    data = read_yaml(path)
    check = Checker(name)
    spec = BUILDERS[kind](check, data, name)
    if check.faults:
        raise SpecError(name, check.faults)
    return spec


def read_yaml(path: Path):
    """YAML from a file, or SpecError with the line of a syntax error."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(name, ["filen findes ikke"]) from None
    except UnicodeDecodeError:
        raise SpecError(name, ["filen kan ikke læses som UTF-8-tekst; gem den som UTF-8"]) from None
    except OSError as error:
        raise SpecError(name, [f"filen kan ikke åbnes ({error.strerror or error})"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"linje {mark.line + 1}, kolonne {mark.column + 1}" if mark else "ukendt sted"
        raise SpecError(name, [f"{where}: ugyldig YAML ({getattr(error, 'problem', error)})"]) from None
    return data


def _check_kind(check: Checker, root: dict, kind: str) -> None:
    if "kind" in root and root["kind"] != kind:
        check.fault("kind", f"'{root['kind']}' er ikke '{kind}'")


def rating_column_name(grade: int, season_id: str, subject_id: str) -> str:
    """Defined name (without prefix) of one grade × season × subject input column; only
    letters, digits and _ (Excel rejects a name with '-')."""
    return re.sub(r"[^A-Za-z0-9_]", "_", f"v_{grade}_{season_id}_{subject_id}")


def _elevvurdering(check: Checker, data: Any, name: str) -> ElevvurderingSpec:
    root = check.mapping(
        data,
        "",
        required={"kind", "id", "version", "title", "grades", "seasons", "subjects", "scale"},
        optional={"group_label", "max_students", "focus", "deadline_note"},
    )
    _check_kind(check, root, "elevvurdering")
    grades = check.items(root, "grades", "")
    for i, grade in enumerate(grades):
        if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= 10:
            check.fault(f"grades[{i}]", "skal være et klassetrin fra 0 til 10")
    if grades and grades != sorted(set(grades)):
        check.fault("grades", "klassetrinene skal stå i stigende rækkefølge uden gentagelser")

    seasons = []
    for i, item in enumerate(check.items(root, "seasons", "")):
        path = f"seasons[{i}]"
        fields = check.mapping(item, path, {"id", "label", "termin"}, {"year_offset"})
        seasons.append(
            Season(
                id=check.identifier(fields, "id", path),
                label=check.text(fields, "label", path, max_length=IN_FORMULAS),
                termin=check.text(fields, "termin", path),
                year_offset=check.integer(fields, "year_offset", path, 0, 1, default=min(i, 1)),
            )
        )
    check.unique([s.id for s in seasons], "seasons", "id")

    subjects = []
    for i, item in enumerate(check.items(root, "subjects", "")):
        path = f"subjects[{i}]"
        fields = check.mapping(item, path, {"id", "label", "name"}, set())
        subjects.append(
            Subject(
                id=check.identifier(fields, "id", path),
                label=check.text(fields, "label", path, max_length=IN_FORMULAS),
                name=check.text(fields, "name", path),
            )
        )
    check.unique([s.id for s in subjects], "subjects", "id")
    check.unique([s.label for s in subjects], "subjects", "label")
    # found in review: 'dansk-1' and 'dansk_1' shared one defined name, and a rating was read
    # as the other subject's
    names = [rating_column_name(grade, season.id, subject.id) for grade in grades for season in seasons
             for subject in subjects]
    if len(set(names)) < len(names):
        check.fault("subjects", "to fag eller sæsoner får samme navn i skemaet, fordi deres id'er kun adskiller sig "
                                "ved - og _ (fx 'dansk-1' og 'dansk_1'); giv dem id'er med kun bogstaver og tal")

    levels = []
    for i, item in enumerate(check.items(root, "scale", "")):
        path = f"scale[{i}]"
        fields = check.mapping(item, path, {"value", "name", "definition", "color"}, {"font_color"})
        color = check.text(fields, "color", path)
        font_color = check.text(fields, "font_color", path, default="#000000")
        for key, value in (("color", color), ("font_color", font_color)):
            if value and not COLOR_PATTERN.match(value):
                check.fault(_join(path, key), f"'{value}' skal være en farvekode som #FFC000")
        levels.append(
            Level(
                value=check.integer(fields, "value", path, 1, 100),
                name=check.text(fields, "name", path, max_length=IN_FORMULAS),
                definition=check.text(fields, "definition", path),
                color=color,
                font_color=font_color,
            )
        )
    values = [level.value for level in levels]
    if "scale" in root and len(levels) == 1:
        check.fault("scale", "skal have mindst 2 niveauer")
    if len(levels) >= 2 and values != list(range(values[0], values[0] + len(values))):
        check.fault("scale", "værdierne skal være hele tal i træk fra lavest til højest (fx 1, 2, 3, 4, 5)")

    focus_data = check.mapping(root.get("focus", {}), "focus", set(), {"at_or_below", "drop_steps"})
    high = values[-1] if values else 5
    focus = FocusRule(
        at_or_below=check.integer(focus_data, "at_or_below", "focus", 0, high, default=2),
        drop_steps=check.integer(focus_data, "drop_steps", "focus", 1, max(len(values) - 1, 1), default=2),
    )
    return ElevvurderingSpec(
        path=name,
        id=check.identifier(root, "id", ""),
        version=check.integer(root, "version", "", 1, 10_000),
        title=check.text(root, "title", ""),
        group_label=check.text(root, "group_label", "", default=""),
        max_students=check.integer(root, "max_students", "", 1, 200, default=30),
        grades=[g for g in grades if isinstance(g, int)],
        seasons=seasons,
        subjects=subjects,
        scale=Scale(tuple(levels)),
        focus=focus,
        deadline_note=check.text(root, "deadline_note", "", default=""),
    )


def _overblik(check: Checker, data: Any, name: str) -> OverblikSpec:
    root = check.mapping(
        data, "", required={"kind", "id", "version", "title"},
        optional={"max_students", "thresholds", "trend", "below_level"},
    )
    _check_kind(check, root, "overblik")
    thresholds = check.mapping(root.get("thresholds", {}), "thresholds", set(), {"yellow_from", "green_from"})
    yellow = check.share(thresholds, "yellow_from", "thresholds", 0.5)
    green = check.share(thresholds, "green_from", "thresholds", 0.8)
    if yellow > green:
        check.fault("thresholds", "yellow_from må ikke være større end green_from")
    trend = check.mapping(root.get("trend", {}), "trend", set(), {"tolerance"})
    return OverblikSpec(
        path=name,
        id=check.identifier(root, "id", ""),
        version=check.integer(root, "version", "", 1, 10_000),
        title=check.text(root, "title", ""),
        max_students=check.integer(root, "max_students", "", 1, 200, default=30),
        thresholds=PointsThresholds(yellow, green),
        trend=TrendRule(check.share(trend, "tolerance", "trend", 0.05), "seneste"),
        below_level=check.share(root, "below_level", "", 0.5),
    )


BUILDERS = {"elevvurdering": _elevvurdering, "overblik": _overblik}


KINDS = ("prøve", "samtale", "andet")
MAX_ACTIVITY_NAME = 100  # quoted in the Tjek sheet's COUNTIFS, where Excel refuses literals over 255 characters
CLASS_PATTERN = re.compile(r"^(\d{1,2})\.([A-ZÆØÅ]{1,2})$", re.IGNORECASE)


@dataclass(frozen=True)
class Activity:
    id: str
    name: str
    short: str  # what fits in a week cell of the year grid
    kind: str  # prøve | samtale | andet
    subject: str
    grades: tuple[int, ...]
    window: tuple[int, int]  # ISO weeks, may wrap the new year (48, 5)
    duration: int  # weeks
    responsible: str
    compulsory: bool

    @property
    def is_test(self) -> bool:
        return self.kind == "prøve"


@dataclass(frozen=True)
class Assignment:
    activity: str  # the activity's name, as in the sheet
    class_name: str
    week: int  # ISO week
    responsible: str = ""
    note: str = ""
    row: int | None = None  # the sheet row it came from (for messages)
    typed_week: object = None  # the week cell when it is not a week number ("uge 50"), kept for a new årshjul
    done: bool = False  # marked "Ja" in the Gennemført column: taken, so never moved


@dataclass(frozen=True)
class HolidayWeeks:
    name: str
    weeks: tuple[int, ...]


@dataclass(frozen=True)
class PlanSpec:
    path: str
    id: str
    version: int
    title: str
    school_year: int  # 2026 for 2026/27
    first_week: int
    last_week: int
    holiday_weeks: tuple[HolidayWeeks, ...]
    easter_holiday: bool  # the week with skærtorsdag is a holiday week
    max_tests_per_week: int
    max_tests_per_month: int
    classes: tuple[str, ...]
    activities: tuple[Activity, ...]
    plan: tuple[Assignment, ...]

    kind = "aarshjul"

    @property
    def school_year_label(self) -> str:
        return school_year_label(self.school_year)

    def activity(self, name: str) -> Activity | None:
        return next((a for a in self.activities if a.name == name), None)


# ---------------------------------------------------------------------------
# The årshjul's plan spec
# ---------------------------------------------------------------------------


def load_plan(path: str | Path | None = None) -> PlanSpec:
    path = Path(path) if path is not None else shipped_file("aarshjul.yaml")
    return plan_from_data(read_yaml(path), str(path))


def plan_from_data(data: Any, name: str) -> PlanSpec:
    """A checked PlanSpec from parsed data: the YAML file, or the copy an årshjul keeps on its
    hidden sheet (untrusted, so it gets the same checks). SpecError lists every fault."""
    check = Checker(name)
    spec = _plan(check, data, name)
    if check.faults:
        raise SpecError(name, check.faults)
    return spec


def _week(check: Checker, value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 53:
        check.fault(path, "skal være et ugenummer fra 1 til 53")
        return 1
    return value


def _plan(check: Checker, data: Any, name: str) -> PlanSpec:
    root = check.mapping(
        data, "", required={"kind", "id", "version", "title", "school_year", "classes", "activities"},
        optional={"first_week", "last_week", "holiday_weeks", "easter_holiday", "limits", "plan"},
    )
    if "kind" in root and root["kind"] != "aarshjul":
        check.fault("kind", f"'{root['kind']}' er ikke 'aarshjul'")
    holiday_weeks = []
    for i, item in enumerate(root.get("holiday_weeks") or []):
        path = f"holiday_weeks[{i}]"
        fields = check.mapping(item, path, {"name", "weeks"}, set())
        weeks = tuple(_week(check, w, f"{path}.weeks") for w in check.items(fields, "weeks", path))
        check.unique(list(weeks), f"{path}.weeks", "ugen")
        holiday_weeks.append(HolidayWeeks(check.text(fields, "name", path), weeks))
    limits = check.mapping(root.get("limits", {}), "limits", set(), {"max_tests_per_week", "max_tests_per_month"})
    classes = []
    for i, value in enumerate(check.items(root, "classes", "")):
        if not isinstance(value, str) or not CLASS_PATTERN.match(value):
            check.fault(f"classes[{i}]", "skal være en klasse som 4.A")
        else:
            classes.append(value)
    check.unique(classes, "classes", "klassen")
    activities = []
    for i, item in enumerate(check.items(root, "activities", "")):
        path = f"activities[{i}]"
        fields = check.mapping(item, path, {"id", "name", "short", "kind", "grades", "window", "responsible"},
                               {"subject", "duration", "compulsory", "colour"})  # colour: older files; ignored,
        # since every sheet colours an activity by its kind (review: the Katalog alone used it and matched nothing)
        kind = fields.get("kind")
        if kind not in KINDS:
            check.fault(f"{path}.kind", f"skal være en af {', '.join(KINDS)}")
        grades = fields.get("grades")
        if not isinstance(grades, list) or not grades or len(set(grades)) != len(grades) or not all(
                type(g) is int and 0 <= g <= 10 for g in grades):
            check.fault(f"{path}.grades", "skal være en liste med forskellige klassetrin fra 0 til 10")
            grades = []
        window = fields.get("window")
        if not isinstance(window, list) or len(window) != 2:
            check.fault(f"{path}.window", "skal være [fra uge, til uge], fx [33, 43]")
            window = [1, 53]
        window = (_week(check, window[0], f"{path}.window"), _week(check, window[1], f"{path}.window"))
        compulsory = fields.get("compulsory", False)
        if not isinstance(compulsory, bool):
            check.fault(f"{path}.compulsory", "skal være true eller false")
            compulsory = False
        activities.append(Activity(
            id=check.identifier(fields, "id", path), name=check.text(fields, "name", path, max_length=MAX_ACTIVITY_NAME),
            short=check.text(fields, "short", path),
            kind=kind if kind in KINDS else "andet", subject=check.text(fields, "subject", path, default=""),
            grades=tuple(grades), window=window, duration=check.integer(fields, "duration", path, 1, 12, default=1),
            responsible=check.text(fields, "responsible", path), compulsory=compulsory,
        ))
    check.unique([a.id for a in activities], "activities", "id")
    check.unique([a.name for a in activities], "activities", "navnet")
    by_id = {a.id: a for a in activities}
    plan = []
    for i, item in enumerate(root.get("plan") or []):
        path = f"plan[{i}]"
        fields = check.mapping(item, path, {"activity", "class", "week"}, {"responsible", "note"})
        activity = by_id.get(fields.get("activity")) if isinstance(fields.get("activity"), str) else None
        if activity is None:
            check.fault(f"{path}.activity", f"'{fields.get('activity')}' er ikke et id i activities")
            continue
        plan.append(Assignment(activity.name, str(fields.get("class", "")), _week(check, fields.get("week"), f"{path}.week"),
                               check.text(fields, "responsible", path, default=""),
                               check.text(fields, "note", path, default="")))
    school_year = check.integer(root, "school_year", "", 2000, 2100)
    first_week = _week(check, root.get("first_week", 33), "first_week")
    last_week = _week(check, root.get("last_week", 25), "last_week")
    for key, week, year in (("first_week", first_week, school_year), ("last_week", last_week, school_year + 1)):
        if week > dt.date(year, 12, 28).isocalendar()[1]:
            check.fault(key, f"{year} har ingen uge {week}")
    if first_week <= last_week:
        check.fault("first_week", "skal være en uge i efteråret, efter last_week (skoleåret går over nytår)")
    return PlanSpec(
        path=name, id=check.identifier(root, "id", ""), version=check.integer(root, "version", "", 1, 10_000),
        title=check.text(root, "title", ""), school_year=school_year, first_week=first_week, last_week=last_week,
        holiday_weeks=tuple(holiday_weeks), easter_holiday=bool(root.get("easter_holiday", True)),
        max_tests_per_week=check.integer(limits, "max_tests_per_week", "limits", 1, 10, default=2),
        max_tests_per_month=check.integer(limits, "max_tests_per_month", "limits", 1, 30, default=4),
        classes=tuple(classes), activities=tuple(activities), plan=tuple(plan),
    )


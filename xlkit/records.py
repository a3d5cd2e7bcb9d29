"""The data contract between reading and consolidation: tidy records, one observation
per row, each pointing back to the cell it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from xlkit.problems import Problem
from xlkit.rules import FocusRule, PointsThresholds, Scale
from xlkit.terms import Term


@dataclass(slots=True)  # not frozen: a frozen dataclass takes four times as long to create
class Record:
    file: str
    sheet: str
    cell: str
    school: str
    class_name: str  # the class's name in that term, e.g. 8.A
    student_key: str  # unique within the workbook: the student's row ("Elevvurdering!9")
    student_nr: int | None  # the Nr column, for display; None for a row a teacher inserted
    student: str
    uni_login: str
    measure: str  # e.g. the subject label DANSK
    term: Term
    value: float
    max_value: float
    from_text: bool = False  # typed as text ("4,0", "gul"): used here, ignored by the sheet's formulas
    test: str = ""  # overblik: the test's sheet name, and the task's fagområde and signalord
    area: str = ""
    signal: str = ""


@dataclass
class WorkbookData:
    """Everything read from one workbook: identity, terms, records and problems."""

    file: str
    kind: str
    school: str
    class_letter: str
    metadata: dict
    terms: list[Term] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)  # e.g. subject labels, in sheet order
    scale: Scale | None = None
    focus_rule: FocusRule | None = None
    saved_at: datetime | None = None  # when the workbook was last saved (document properties)
    # overblik only: the workbook's own colour thresholds, level and tests
    thresholds: PointsThresholds | None = None
    below_level: float | None = None
    tests: list = field(default_factory=list)
    # aarshjul only: the plan spec stored in the workbook and the table's rows
    plan_spec: object = None
    plan: list = field(default_factory=list)
    plan_sheet: str = ""  # the sheet the plan table is on, for messages that name a cell
    left_behind: list[tuple[str, str]] = field(default_factory=list)  # (sheet, cell or "" for all of it) a rebuilt årshjul lacks
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # the class list's named rows (name, UNI-login, student key), to match copies of a class and name
    # students with no rating; not kept past reading
    roster: list[tuple[str, str, str]] = field(default_factory=list)
    # where each UNI-login is typed beside each name (both casefolded): (sheet, cell), for the conflicts
    # between files; folded into FileResult.logins and not kept past reading
    login_cells: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def class_name(self, term: Term) -> str:
        return term.class_name(self.class_letter)

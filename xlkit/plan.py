"""The årshjul: the test calendar the læsevejleder keeps.

A plan spec (YAML, loaded and checked in spec.py) gives the school year, holiday weeks,
classes, a catalogue of activities (window, grades, compulsory or not) and the planned
assignments (activity, class, week). This module holds the school-week arithmetic, the
checks (the same ones the workbook's Tjek sheet makes natively) and the suggestion of
weeks for unplanned compulsory activities.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from xlkit.errors import XlkitError
from xlkit.spec import CLASS_PATTERN, Activity, Assignment, PlanSpec
from xlkit.terms import is_autumn
from xlkit.values import quoted

MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december"]


@dataclass(frozen=True)
class SchoolWeek:
    index: int  # 0-based position in the school year
    iso_year: int
    week: int
    monday: dt.date
    holiday: str  # name of the holiday week, "" for a school week
    days_off: tuple[tuple[dt.date, str], ...]

    @property
    def month(self) -> int:
        """The month most of the school days (Mon–Fri) fall in."""
        return Counter((self.monday + dt.timedelta(days=d)).month for d in range(5)).most_common(1)[0][0]

    @property
    def term(self) -> str:
        return "efterår" if is_autumn(self.month) else "forår"


def grade_of(class_name: str) -> int | None:
    match = CLASS_PATTERN.match(class_name)
    return int(match.group(1)) if match else None


def in_window(week: int, window: tuple[int, int]) -> bool:
    """Is ISO week `week` inside the window (which may wrap the new year, e.g. 48–5)?"""
    start, end = window
    return start <= week <= end if start <= end else week >= start or week <= end


def school_weeks(spec: PlanSpec) -> list[SchoolWeek]:
    """Every ISO week from first_week (August) to last_week (June), across the new year."""
    start = dt.date.fromisocalendar(spec.school_year, spec.first_week, 1)
    end = dt.date.fromisocalendar(spec.school_year + 1, spec.last_week, 1)
    import holidays  # a large package; loaded only when a plan is built or checked

    public = holidays.Denmark(years=[spec.school_year, spec.school_year + 1], language="da")
    # not a public holiday to the library, but the schools' day off (FACTS); it was shown nowhere
    public.setdefault(dt.date(spec.school_year + 1, 6, 5), "Grundlovsdag")
    named = {w: h.name for h in spec.holiday_weeks for w in h.weeks}
    easter = next((d for d, n in public.items() if n == "Skærtorsdag" and d.year == spec.school_year + 1), None)
    weeks, monday = [], start
    while monday <= end:
        year, week, _ = monday.isocalendar()
        holiday = named.get(week, "")
        if spec.easter_holiday and easter and easter.isocalendar()[:2] == (year, week):
            holiday = "Påskeferie"
        days_off = tuple((d, public[d]) for d in (monday + dt.timedelta(days=i) for i in range(5)) if d in public)
        weeks.append(SchoolWeek(len(weeks), year, week, monday, holiday, days_off))
        monday += dt.timedelta(weeks=1)
    return weeks


def holiday_weeks_not_in_year(spec: PlanSpec) -> list[str]:
    """Danish notes on holiday weeks the school year does not have: week 53 exists only in some
    years (2026 has it, 2027 not), so a spec moved to another year with Juleferie [52, 53] kept
    a school week in the holiday without a word (found by the red team). A note, not a fault:
    older årshjul files store such lists."""
    weeks = {w.week for w in school_weeks(spec)}
    year = f"{spec.school_year}/{str(spec.school_year + 1)[2:]}"
    return [f"{h.name} har uge {w}, som ikke er med i skoleåret {year} (uge {spec.first_week}–{spec.last_week}"
            f"{f'; {spec.school_year} har ingen uge 53' if w == 53 else ''}). Ret ferieugerne i årshjulets "
            "beskrivelse (--spec), og lav årshjulet igen."
            for h in spec.holiday_weeks for w in h.weeks if w not in weeks]


def applicable(activity: Activity, class_name: str) -> bool:
    return grade_of(class_name) in activity.grades


# ---------------------------------------------------------------------------
# Checks: the same findings as the workbook's Tjek sheet
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    check: str  # stable code
    class_name: str
    where: str  # week, month, activity ...
    message: str  # Danish
    row: int | None = None
    blocking: bool = True


def canonical(spec: PlanSpec, plan: list[Assignment]) -> list[Assignment]:
    """Activity and class names matched without regard to case, as Excel's MATCH and
    COUNTIFS do, so the CLI and the Tjek sheet count the same rows (spaces still count)."""
    activities = {a.name.casefold(): a.name for a in spec.activities}
    classes = {c.casefold(): c for c in spec.classes}
    return [replace(a, activity=activities.get(a.activity.casefold(), a.activity),
                    class_name=classes.get(a.class_name.casefold(), a.class_name)) for a in plan]


def listed_class(spec: PlanSpec, typed: str) -> str | None:
    """The listed class a class typed as other school systems write it means ("7a", "7A",
    "7 A" for 7.A), or None; plan suggest wrote a second test for 7.A beside the row for "7 A"
    (found by the red team)."""
    def key(name: str) -> str:
        return re.sub(r"[\s.\-]+", "", name).casefold()
    matches = [c for c in spec.classes if key(c) == key(typed)]
    return matches[0] if len(matches) == 1 and typed not in spec.classes and key(typed) else None


def check_plan(spec: PlanSpec, plan: list[Assignment] | None = None, today: dt.date | None = None) -> list[Finding]:
    """What is wrong with the plan, row by row and per class; with `today`, also the
    activities whose week is over and that are not marked as done (the årshjul is to make
    sure the tests are taken, seed 000)."""
    plan = canonical(spec, list(spec.plan if plan is None else plan))
    weeks = school_weeks(spec)
    by_week = {w.week: w for w in weeks}
    findings: list[Finding] = []
    placed = []  # rows with a known activity and class in a school week
    for a in plan:
        activity = spec.activity(a.activity)
        if activity is not None and today is not None and not a.done and a.week in by_week \
                and by_week[a.week].monday + dt.timedelta(days=4) < today:
            findings.append(Finding("not-done", a.class_name, str(a.week),
                                    f"{activity.name} for {a.class_name} i uge {a.week} er ikke markeret som gennemført",
                                    a.row, blocking=False))
        if activity is None:
            findings.append(Finding("unknown-activity", a.class_name, str(a.week),
                                    f"Aktiviteten '{a.activity}' findes ikke i kataloget" if a.activity.strip()
                                    else "Rækken mangler en aktivitet fra kataloget", a.row))
            continue
        if a.class_name not in spec.classes:
            meant = listed_class(spec, a.class_name)
            hint = f"; skriv {meant} (xlkit plan suggest gør det)" if meant else ""
            findings.append(Finding("unknown-class", a.class_name, str(a.week),
                                    f"Klassen '{a.class_name}' findes ikke på årshjulets liste over klasser (arket Katalog)"
                                    f"{hint}" if a.class_name.strip() else "Rækken mangler en klasse fra listen (arket Katalog)",
                                    a.row))
            continue
        if a.week not in by_week:
            findings.append(Finding("not-a-school-week", a.class_name, str(a.week), _not_a_school_week(spec, a), a.row))
            continue
        placed.append(a)
        if not in_window(a.week, activity.window):
            findings.append(Finding("outside-window", a.class_name, str(a.week),
                                    f"{activity.name} i uge {a.week} ligger uden for vinduet uge "
                                    f"{activity.window[0]}–{activity.window[1]}", a.row))
        if by_week[a.week].holiday:
            findings.append(Finding("holiday-week", a.class_name, str(a.week),
                                    f"{activity.name} ligger i en ferieuge ({by_week[a.week].holiday.lower()}, uge {a.week})", a.row))
        if not applicable(activity, a.class_name):
            findings.append(Finding("wrong-grade", a.class_name, str(a.week),
                                    f"{activity.name} er ikke for {grade_of(a.class_name)}. klasse", a.row,
                                    blocking=False))
    # the same activity for a class twice in one week: a row copied or typed twice (found by the red team)
    rows: dict[tuple, list] = {}
    for a in placed:
        rows.setdefault((a.activity, a.class_name, a.week), []).append(a.row)
    for a in placed:
        if len(same := rows[(a.activity, a.class_name, a.week)]) > 1:
            where = f" (rækkerne {', '.join(map(str, same[:-1]))} og {same[-1]})" if None not in same else ""
            findings.append(Finding("duplicate-row", a.class_name, str(a.week),
                                    f"{a.activity} for {a.class_name} står {len(same)} gange i uge {a.week}{where}",
                                    a.row, blocking=False))
    tests = [a for a in plan if (act := spec.activity(a.activity)) and act.is_test and a.week in by_week
             and a.class_name in spec.classes]
    for class_name in spec.classes:
        per_week = Counter(a.week for a in tests if a.class_name == class_name)
        for week, count in sorted(per_week.items(), key=lambda item: by_week[item[0]].index):
            if count > spec.max_tests_per_week:
                findings.append(Finding("too-many-in-week", class_name, str(week),
                                        f"{class_name} har {count} prøver i uge {week} (højst {spec.max_tests_per_week})"))
        per_month = Counter(by_week[a.week].month for a in tests if a.class_name == class_name)
        for month in sorted(per_month, key=lambda m: (m < 8, m)):
            if per_month[month] > spec.max_tests_per_month:
                findings.append(Finding("too-many-in-month", class_name, MONTHS[month - 1],
                                        f"{class_name} har {per_month[month]} prøver i {MONTHS[month - 1]} "
                                        f"(højst {spec.max_tests_per_month})"))
        for activity in spec.activities:
            if activity.compulsory and applicable(activity, class_name) and not any(
                    a.activity == activity.name and a.class_name == class_name for a in plan):
                findings.append(Finding("missing-compulsory", class_name, activity.name,
                                        f"{class_name} mangler {activity.name} (obligatorisk)"))
        for term in ("efterår", "forår"):
            if not any(a.class_name == class_name and by_week[a.week].term == term for a in tests):
                findings.append(Finding("no-tests-in-term", class_name, term,
                                        f"{class_name} har ingen prøver i {term}et", blocking=False))
    return findings


# ---------------------------------------------------------------------------
# Suggesting weeks for unplanned compulsory activities
# ---------------------------------------------------------------------------


@dataclass
class Suggestion:
    plan: list[Assignment]  # the whole plan with the suggestions in it
    added: list[Assignment] = field(default_factory=list)
    moved: list[tuple[Assignment, Assignment]] = field(default_factory=list)  # (before, after)
    dated: list[Assignment] = field(default_factory=list)  # rows that had no week (or text: typed_week) and got one
    retyped: list[tuple[Assignment, Assignment]] = field(default_factory=list)  # "uge 10" written as 10
    reclassed: list[tuple[Assignment, Assignment]] = field(default_factory=list)  # "7a" written as 7.A
    impossible: list[str] = field(default_factory=list)  # Danish messages


class _Load:
    """How busy each class, month, responsible person and week is, as the plan changes."""

    def __init__(self, spec: PlanSpec, plan: list[Assignment], today: dt.date | None = None):
        self.spec = spec
        self.today = today
        self.weeks = school_weeks(spec)
        self.by_week = {w.week: w for w in self.weeks}
        self.class_week: Counter = Counter()
        self.class_month: Counter = Counter()
        self.person_week: Counter = Counter()
        self.school_week: Counter = Counter()
        for a in plan:
            self.count(a, +1)

    def count(self, a: Assignment, step: int) -> None:
        activity = self.spec.activity(a.activity)
        if activity is None or a.week not in self.by_week:
            return
        self.person_week[(a.responsible or activity.responsible, a.week)] += step
        self.school_week[a.week] += step
        if activity.is_test:
            self.class_week[(a.class_name, a.week)] += step
            self.class_month[(a.class_name, self.by_week[a.week].month)] += step

    def best_week(self, activity: Activity, class_name: str) -> SchoolWeek | None:
        """The least loaded allowed week (the class's, the person's, the school's; earliest on ties)."""
        candidates = self.allowed(activity, class_name)
        return min(candidates, key=lambda item: item[0])[1] if candidates else None

    def allowed(self, activity: Activity, class_name: str) -> list[tuple[tuple, SchoolWeek]]:
        """Every week the activity may go to for the class, with its load."""
        candidates = []
        for week in self.weeks:
            if week.holiday or not in_window(week.week, activity.window) or not self.ahead(week):
                continue
            if activity.is_test and (self.class_week[(class_name, week.week)] >= self.spec.max_tests_per_week
                                     or self.class_month[(class_name, week.month)] >= self.spec.max_tests_per_month):
                continue
            load = (self.class_week[(class_name, week.week)], self.person_week[(activity.responsible, week.week)],
                    self.school_week[week.week], week.index)
            candidates.append((load, week))
        return candidates

    def over_limits(self, a: Assignment) -> int:
        """How many of the limits (per week, per month) the test's class is over in its week."""
        month = self.by_week[a.week].month
        return ((self.class_week[(a.class_name, a.week)] > self.spec.max_tests_per_week)
                + (self.class_month[(a.class_name, month)] > self.spec.max_tests_per_month))

    def ahead(self, week: SchoolWeek) -> bool:
        """Has the week not begun yet? Suggesting a week that is over made a plan no one can
        carry out (found by the red team); without a day, every week counts."""
        return self.today is None or week.monday > self.today

    def no_week(self, activity: Activity) -> str:
        """Why no week was found for the activity, in Danish, after 'Aktivitet for 4.A: '."""
        window = f"uge {activity.window[0]}–{activity.window[1]}"
        if self.today and not any(self.ahead(w) for w in self.weeks if in_window(w.week, activity.window)):
            return f"alle uger i vinduet {window} er begyndt eller forbi (i dag er {self.today:%d.%m.%Y})"
        return f"ingen {self.upcoming}uge i vinduet {window} {FREE_WEEK}"

    @property
    def upcoming(self) -> str:
        """'kommende ' in messages when only weeks after today count."""
        return "kommende " if self.today else ""


WEEK_TEXT = re.compile(r"\s*(?:u(?:ge)?\s*\.?\s*)?0*(\d{1,2})\s*\.?\s*", re.IGNORECASE)  # "uge 10", "u10", "u. 10", " 010"


def typed_week_number(typed: object) -> int | None:
    """The week number a week cell gives in words ("uge 10", "u10") or as a date, or None."""
    if isinstance(typed, dt.date):
        return typed.isocalendar()[1]
    match = WEEK_TEXT.fullmatch(typed) if isinstance(typed, str) else None
    return int(match.group(1)) if match and 1 <= int(match.group(1)) <= 53 else None


def typed_text(typed: object) -> str:
    """A week cell's content as a message repeats it: a date as Danes write it."""
    return f"{typed:%d.%m.%Y}" if isinstance(typed, dt.date) else quoted(str(typed))


def _not_a_school_week(spec: PlanSpec, a: Assignment) -> str:
    """What is wrong with the row's week, in the words it was typed in (review: a week typed
    as "uge 53" or as a date was called "Uge 0")."""
    school_year = spec.school_year_label
    if a.week:
        return f"Uge {a.week} er ikke en skoleuge i {school_year}"
    if isinstance(a.typed_week, (dt.date, dt.datetime)):
        return (f"Ugen er skrevet som en dato ({a.typed_week:%d.%m.%Y}); skriv ugenummeret "
                f"({a.typed_week.isocalendar()[1]}) i stedet")
    if typed_week_number(a.typed_week):
        return (f"Ugen '{quoted(str(a.typed_week))}' er skrevet som tekst; skriv ugenummeret "
                f"({typed_week_number(a.typed_week)}) i stedet (xlkit plan suggest gør det)")
    if a.typed_week not in (None, ""):
        return (f"Ugen '{quoted(str(a.typed_week))}' er ikke et ugenummer; skriv et tal fra 1 til 53 "
                "(xlkit plan suggest kan foreslå en)")
    return "Rækken har ingen uge endnu (xlkit plan suggest kan foreslå en)"


def suggest(spec: PlanSpec, plan: list[Assignment] | None = None, max_rows: int | None = None,
            today: dt.date | None = None) -> Suggestion:
    """Resolve what `check_plan` finds where a week can be chosen: activities in a holiday week
    and tests beyond the per-week or per-month limit are moved, and missing compulsory
    activities are added, each to an allowed week (inside the window, not a holiday week,
    within the limits) that spreads the load over the classes' and the responsible person's
    weeks; a week typed in words ("uge 10") is written as its number first. What cannot be
    placed is reported, never forced. A plan that would outgrow `max_rows` (the sheet's
    table) stops at once: a spec with thousands of classes would otherwise keep it busy for
    long. With `today`, only weeks that have not begun yet are suggested."""
    plan = canonical(spec, list(spec.plan if plan is None else plan))
    load = _Load(spec, plan, today)
    result = Suggestion(plan)
    _write_classes_as_listed(spec, load, result)
    _write_weeks_as_numbers(load, result)
    _move_out_of_holidays(spec, load, result)
    _move_over_limits(spec, load, result)
    _date_rows_without_a_week(spec, load, result)
    for finding in check_plan(spec, plan):
        if finding.check != "missing-compulsory":
            continue
        activity = spec.activity(finding.where)
        week = load.best_week(activity, finding.class_name)
        if week is None:
            result.impossible.append(f"{activity.name} for {finding.class_name}: {load.no_week(activity)}")
            continue
        if max_rows is not None and len(plan) >= max_rows:
            raise XlkitError(f"Forslagene kan ikke være i årshjulet: planen ville få over {max_rows} rækker, og "
                             f"skemaet har plads til {max_rows}. {SPLIT_ADVICE}")
        assignment = Assignment(activity.name, finding.class_name, week.week, activity.responsible, SUGGESTED)
        load.count(assignment, +1)
        plan.append(assignment)
        result.added.append(assignment)
    return result


def _write_classes_as_listed(spec: PlanSpec, load: _Load, result: Suggestion) -> None:
    """A class typed "7a" or "7 A" is written as the listed 7.A before anything is added."""
    for index, a in enumerate(result.plan):
        if meant := listed_class(spec, a.class_name):
            listed = replace(a, class_name=meant)
            load.count(a, -1)
            load.count(listed, +1)
            result.plan[index] = listed
            result.reclassed.append((a, listed))


def _write_weeks_as_numbers(load: _Load, result: Suggestion) -> None:
    """A week typed as "uge 10", "u10" or a date is written as 10, which the sheet's formulas
    count; such rows were neither counted nor given a week (found by the red team)."""
    for index, a in enumerate(result.plan):
        week = None if a.week else typed_week_number(a.typed_week)
        if week:
            retyped = replace(a, week=week, typed_week=None)
            load.count(retyped, +1)
            result.plan[index] = retyped
            result.retyped.append((a, retyped))


def _date_rows_without_a_week(spec: PlanSpec, load: _Load, result: Suggestion) -> None:
    """A row planned without a week yet, blank or with text such as "aftales" or "?", gets one
    like a missing activity would; what was typed stays in the note (and in typed_week)."""
    for index, a in enumerate(result.plan):
        activity = spec.activity(a.activity)
        if activity is None or a.week or a.class_name not in spec.classes:
            continue
        target = load.best_week(activity, a.class_name)
        if target is None:
            result.impossible.append(f"{activity.name} for {a.class_name}: {load.no_week(activity)}")
            continue
        typed = f" (der stod '{typed_text(a.typed_week)}')" if a.typed_week not in (None, "") else ""
        dated = replace(a, week=target.week, note=_with_note(DATED + typed, a.note))
        load.count(dated, +1)
        result.plan[index] = dated
        result.dated.append(dated)


def _move(load: _Load, result: Suggestion, index: int, why: str) -> bool:
    """Move the plan's row to the best allowed week, noting `why`; False when there is none."""
    a = result.plan[index]
    load.count(a, -1)
    target = load.best_week(load.spec.activity(a.activity), a.class_name)
    if target is None:
        load.count(a, +1)
        return False
    moved = replace(a, week=target.week, note=_with_note(f"{MOVED} fra uge {a.week}{why}", a.note))
    load.count(moved, +1)
    result.plan[index] = moved
    result.moved.append((a, moved))
    return True


def _movable(spec: PlanSpec, load: _Load, a: Assignment, tests_only: bool) -> bool:
    activity = spec.activity(a.activity)
    return (activity is not None and (activity.is_test or not tests_only) and a.week in load.by_week
            and a.class_name in spec.classes and not a.done)


def _move_out_of_holidays(spec: PlanSpec, load: _Load, result: Suggestion) -> None:
    """Activities in a holiday week go first, limits or not: suggest left a test in the påskeferie
    and moved a valid one out of the crowded month instead (found by the red team)."""
    for index, a in enumerate(list(result.plan)):
        holiday = load.by_week[a.week].holiday if _movable(spec, load, a, tests_only=False) else ""
        if holiday and not _move(load, result, index, f" ({holiday.lower()})"):
            result.impossible.append(f"{a.activity} for {a.class_name} i uge {a.week} ({holiday.lower()}): "
                                     f"ingen anden tilladt {load.upcoming}uge")


def _move_over_limits(spec: PlanSpec, load: _Load, result: Suggestion) -> None:
    """Move tests out of weeks and months over the limits, class by class (the limits are per
    class), one at a time: first one that is over both, then the least constrained (the most
    weeks it may go to), then the first in the plan. A test with nowhere to go never gets
    anywhere later (moves only fill weeks), so it is set aside at once and named only if its
    week or month is still over at the end."""
    stuck: set[int] = set()
    for class_name in dict.fromkeys(a.class_name for a in result.plan):
        rows = [index for index, a in enumerate(result.plan) if a.class_name == class_name
                and _movable(spec, load, a, tests_only=True)]
        while True:
            over = [(load.over_limits(result.plan[index]), _freedom(load, result.plan[index]), -index) for index in rows
                    if index not in stuck and load.over_limits(result.plan[index])]
            stuck |= {-item[2] for item in over if not item[1]}
            movable = [item for item in over if item[1]]
            if not movable:
                break
            _move(load, result, -max(movable)[2], "")
    for index in sorted(stuck):
        a = result.plan[index]
        if load.over_limits(a):
            result.impossible.append(f"{a.activity} for {a.class_name} i uge {a.week}: ingen anden tilladt "
                                     f"{load.upcoming}uge")


def _freedom(load: _Load, a: Assignment) -> int:
    """How many weeks the test could be moved to."""
    load.count(a, -1)
    weeks = len(load.allowed(load.spec.activity(a.activity), a.class_name))
    load.count(a, +1)
    return weeks


SUGGESTED = "Forslag fra xlkit"
DATED = "Uge foreslået af xlkit"
FREE_WEEK = "er fri for ferie og under grænserne for prøver pr. uge og måned"


def _with_note(change: str, note: str) -> str:
    """xlkit's note on a changed row, first (the sheet colours rows by it), then the row's own."""
    return f"{change}; {note}" if note else change
SPLIT_ADVICE = "Del planen op i flere årshjul (færre klasser eller aktiviteter i hvert)."  # a plan too big for one
MOVED = "Flyttet af xlkit"

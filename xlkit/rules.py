"""The single source of truth for status, trend and focus rules.

Every rule exists twice on purpose: as a Python function (used by the reader, the
consolidation and the xlwings UDFs) and as the text of the native Excel formula
that templates write. Tests recalculate the formulas in LibreOffice and compare them with
the Python functions, so the two faces cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property


@dataclass(frozen=True)
class Level:
    """One step of a rating scale, e.g. 3 = Gul."""

    value: int
    name: str
    definition: str
    color: str
    font_color: str = "#000000"


@dataclass(frozen=True)
class Scale:
    """An ordered rating scale of consecutive whole numbers (lowest first)."""

    levels: tuple[Level, ...]

    @cached_property
    def values(self) -> tuple[int, ...]:
        return tuple(level.value for level in self.levels)

    @property
    def low(self) -> int:
        return self.levels[0].value

    @property
    def high(self) -> int:
        return self.levels[-1].value

    @cached_property
    def _positions(self) -> dict[int, int]:
        positions: dict[int, int] = {}
        for position, level in enumerate(self.levels):
            positions.setdefault(level.value, position)  # a value listed twice: the first counts, as MATCH finds it
        return positions

    def status(self, value: object) -> Level | None:
        """The level a cell value stands for, or None when it is not a rating.

        Mirrors the native formulas exactly: only numbers count (text never does, as in
        Excel's MATCH), and a number must equal one of the scale's values (4.0 is 4).
        """
        position = self._positions.get(value) if is_number(value) else None
        return None if position is None else self.levels[position]

    def steps(self, value: object) -> int | None:
        """Position of a rating on the scale (0 = lowest); None when not a rating."""
        return self._positions.get(value) if is_number(value) else None

    def distribution(self, values: list[object]) -> dict[int, int]:
        """Count of valid ratings at each level, blanks and non-ratings left out."""
        counts = {level.value: 0 for level in self.levels}
        for value in values:
            level = self.status(value)
            if level is not None:
                counts[level.value] += 1
        return counts


NUMBER_TYPES = (float, int)  # what readers give; checked first, as the common case


def is_number(value: object) -> bool:
    """True for what Excel stores as a number (bool is not one)."""
    return value.__class__ in NUMBER_TYPES or (isinstance(value, (int, float)) and not isinstance(value, bool))


def mean_of(counts: dict[int, int]) -> float | None:
    """Mean rating from a distribution; None when nobody is rated."""
    total = sum(counts.values())
    if total == 0:
        return None
    return sum(value * count for value, count in counts.items()) / total


@dataclass(frozen=True)
class SameStudents:
    """The students rated in both of two terms: their ratings now and before, as
    distributions (level -> count), so any share or mean is taken over the same students."""

    now: dict[int, int]
    before: dict[int, int]

    @property
    def students(self) -> int:
        return sum(self.now.values())

    def mean_change(self) -> float | None:
        now, before = mean_of(self.now), mean_of(self.before)
        return None if now is None or before is None else now - before

    def share_change(self, levels: tuple[int, ...]) -> float | None:
        """How the share rated at `levels` (the focus levels, say) moved."""
        if not self.students:
            return None
        return (sum(self.now[v] for v in levels) - sum(self.before[v] for v in levels)) / self.students

    @classmethod
    def pooled(cls, groups: list[SameStudents]) -> SameStudents:
        """Several classes together, each student counted once."""
        return cls(added([g.now for g in groups]), added([g.before for g in groups]))


def added(distributions: list[dict[int, int]]) -> dict[int, int]:
    """Distributions over the same scale, added level by level (several classes together)."""
    return {level: sum(d.get(level, 0) for d in distributions) for level in distributions[0]}


def same_students(scale: Scale, now: dict[str, object], before: dict[str, object]) -> SameStudents:
    """The change of a class between two terms, counted only for the students rated in
    both (keyed by student). A class's students come and go, and a student left unrated
    drops out of one term's average, so comparing everyone rated then with everyone rated
    now misleads (seed 003: "forskellige elevgrupper")."""
    both = [key for key in now if key in before]
    return SameStudents(scale.distribution([now[key] for key in both]), scale.distribution([before[key] for key in both]))


@dataclass(frozen=True)
class FocusRule:
    """When a student is 'i fokus' for a subject in a term.

    Default (Dagnæsskolen): a rating at or below 2 (Rød, Orange), or a drop of two or
    more steps since the previous term.
    """

    at_or_below: int = 2
    drop_steps: int = 2

    def reasons(self, scale: Scale, subject: str, current: object, previous: object) -> list[str]:
        """Danish reasons for focus in one subject; empty when not in focus."""
        reasons = []
        level = scale.status(current)
        if level is not None and level.value <= self.at_or_below:
            reasons.append(f"{subject} {level.value} ({level.name})")
        now, before = scale.steps(current), scale.steps(previous)
        if now is not None and before is not None and before - now >= self.drop_steps:
            reasons.append(
                f"{subject} faldet fra {scale.status(previous).value} til {level.value}"
            )
        return reasons


def focus_reasons(
    scale: Scale, rule: FocusRule, ratings: list[tuple[str, object, object]]
) -> list[str]:
    """Reasons over all subjects: `ratings` holds (subject label, current, previous)."""
    return [
        reason
        for subject, current, previous in ratings
        for reason in rule.reasons(scale, subject, current, previous)
    ]


FOCUS_SEPARATOR = ", "


MAX_FOCUS_TEXT = 2000  # characters of a fokus cell; the native formula cuts there too (MID)


def focus_text(reasons: list[str]) -> str:
    """The text of a fokus cell: the reasons in order, or empty."""
    return FOCUS_SEPARATOR.join(reasons)[:MAX_FOCUS_TEXT]


# ---------------------------------------------------------------------------
# Points against a maximum (red / yellow / green), e.g. a test task.
# ---------------------------------------------------------------------------

RED, YELLOW, GREEN = "Rød", "Gul", "Grøn"


@dataclass(frozen=True)
class PointsThresholds:
    """Share of the maximum from which a score is yellow and green (defaults 50 % / 80 %)."""

    yellow_from: float = 0.5
    green_from: float = 0.8

    def status(self, points: object, maximum: object) -> str | None:
        """Rød/Gul/Grøn, or None when the cell is not a usable score.

        Usable: both numbers, a positive maximum and 0 <= points <= maximum. A share
        exactly on a threshold belongs to the higher colour.
        """
        if not (is_number(points) and is_number(maximum)):
            return None
        if not (maximum > 0 and 0 <= points <= maximum):
            return None
        share = as_spreadsheets_compare(points / maximum)
        if share < self.yellow_from:
            return RED
        if share < self.green_from:
            return YELLOW
        return GREEN


def as_spreadsheets_compare(value: float) -> float:
    """The value to 15 significant digits, as Excel and LibreOffice compare numbers: 2.4 of 3
    is 0.7999999999999999 in floating point and green (80 %) in the sheet (found by the red
    team: yellow from the UDF)."""
    return float(f"{value:.15g}")


def valid_score(points: object, maximum: object, step: float | None = None) -> bool:
    """A usable score: numbers, a positive maximum, 0 <= points <= maximum and, when the
    test gives whole (step 1) or half (step 0.5) points, a multiple of the step."""
    if not (is_number(points) and is_number(maximum) and maximum > 0 and 0 <= points <= maximum):
        return False
    return step is None or float(points / step).is_integer()


def share_of_max(points: list[object], maxima: list[float], mask: list[bool] | None = None,
                 step: float | None = None) -> float | None:
    """Points earned / points possible over the tasks in `mask` that have a usable score.

    A blank task is 'not registered' and leaves both sums, and so does anything that is
    not a usable score (text, an error value, more than the maximum); None when nothing
    is registered.
    """
    count = min(len(points), len(maxima))
    positions = [i for i, included in enumerate((mask or [True] * count)[:count]) if included]
    return shares_of_max(points, maxima, {"": positions}, step)[""]


def usable_scores(points: list[object], maxima: list[float], step: float | None = None) -> list[bool]:
    """valid_score for each task, so several sums over one student's tasks check each score once."""
    return [valid_score(p, m, step) for p, m in zip(points, maxima)]


def shares_of_max(points: list[object], maxima: list[float], groups: dict[object, list[int]],
                  step: float | None = None, usable: list[bool] | None = None) -> dict[object, float | None]:
    """share_of_max for several groups of tasks at once (each group a list of task
    positions: the total, each fagområde, each signalord), checking each score once
    (`usable`, from usable_scores, when the caller has it already)."""
    if usable is None:
        usable = usable_scores(points, maxima, step)
    earned = [p if ok else 0 for p, ok in zip(points, usable)]  # a task that does not count adds 0 to both sums
    possible = [m if ok else 0 for m, ok in zip(maxima, usable)]
    shares = {}
    for name, positions in groups.items():
        most = sum([possible[i] for i in positions])
        shares[name] = sum([earned[i] for i in positions]) / most if most else None
    return shares


def points_total(points: list[object], maxima: list[float], step: float | None = None,
                 usable: list[bool] | None = None) -> float | None:
    """Sum of the usable scores; None when nothing is registered."""
    if usable is None:
        usable = usable_scores(points, maxima, step)
    scores = [p for p, ok in zip(points, usable) if ok]
    return float(sum(scores)) if scores else None


def percent(share: float) -> str:
    """A share as Danes write a percentage: '50 %'."""
    return f"{share * 100:.0f} %"


def mean_of_values(values: list[object]) -> float | None:
    """Mean of the numbers in `values` (Excel's AVERAGE: text and blanks ignored), to 12
    decimals: a plain float sum of shares 0, 0.6, 0.7, 0.7 gives 0.4999999999999999, red
    in the summary, where the spreadsheet's AVERAGE gives 0.5, yellow (found in review)."""
    numbers = [float(v) for v in values if is_number(v)]
    return round(math.fsum(numbers) / len(numbers), MEAN_DECIMALS) if numbers else None


MEAN_DECIMALS = 12  # far beyond what a cell shows, and far above a float sum's error


# ---------------------------------------------------------------------------
# Trend over a series (terms or tests in order; blanks and text are gaps).
# ---------------------------------------------------------------------------

UP, FLAT, DOWN = "Fremgang", "Stabil", "Tilbagegang"
TREND_DIGITS = 9  # both faces round the change to this many decimals before comparing


@dataclass(frozen=True)
class TrendRule:
    """Change within ±tolerance is 'Stabil'.

    method 'auto': latest minus previous when there are two values, the least-squares
    slope per step (x = position in the series) when there are three or more;
    method 'seneste': always latest minus previous value.
    """

    tolerance: float = 0.25
    method: str = "auto"


def round_half_up(value: float, digits: int) -> float:
    """Excel's ROUND (halves away from zero), not Python's banker's rounding."""
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def trend_change(values: list[object], method: str = "auto") -> float | None:
    """Latest change or slope of the numbers in `values` (None with fewer than two)."""
    points = [(x, float(y)) for x, y in enumerate(values, start=1) if is_number(y)]
    if len(points) < 2:
        return None
    if method == "seneste" or len(points) == 2:
        change = points[-1][1] - points[-2][1]
    else:
        n = len(points)
        sum_x = sum(x for x, _ in points)
        sum_y = sum(y for _, y in points)
        sum_xy = sum(x * y for x, y in points)
        sum_xx = sum(x * x for x, _ in points)
        change = (n * sum_xy - sum_x * sum_y) / (n * sum_xx - sum_x * sum_x)
    return round_half_up(change, TREND_DIGITS)


def trend(values: list[object], rule: TrendRule = TrendRule()) -> str | None:
    change = trend_change(values, rule.method)
    if change is None:
        return None
    if change > rule.tolerance:
        return UP
    if change < -rule.tolerance:
        return DOWN
    return FLAT


# ---------------------------------------------------------------------------
# Native Excel formula text. Only functions that Excel 2010+, Excel on the web and
# LibreOffice 7.4 all evaluate identically (no LAMBDA, XLOOKUP, TEXTJOIN).
# ---------------------------------------------------------------------------


def _array(values: tuple[int, ...]) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


def _text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _number(value: float) -> str:
    """A number as formula text that Excel reads back as the same double.

    Excel keeps 15 significant digits of a literal, so thresholds with more digits than
    that cannot be written exactly; specs use percentages, which fit easily.
    """
    text = repr(float(value))
    if "e" in text:
        text = f"{value:.15f}".rstrip("0").rstrip(".")
    return text[:-2] if text.endswith(".0") else text


def excel_count_formula(range_ref: str, value: int) -> str:
    """Count of cells holding the number `value`.

    MATCH is exact and type-strict, so text '4' never counts, and an error value in the
    range (#N/A pasted in) only fails its own MATCH instead of the whole count.
    """
    return f"SUMPRODUCT(--ISNUMBER(MATCH({range_ref},{{{value}}},0)))"


def excel_mean_formula(count_cells: list[tuple[int, str]], total_cell: str) -> str:
    """Mean from the level counts, blank when nobody is rated."""
    weighted = "+".join(f"{value}*{cell}" for value, cell in count_cells)
    return f'IF({total_cell}=0,"",({weighted})/{total_cell})'


def excel_focus_formula(
    scale: Scale, rule: FocusRule, ratings: list[tuple[str, str, str]]
) -> str:
    """Native twin of `focus_reasons` + `focus_text`.

    `ratings` holds (subject label, current expr, previous expr); the expressions may be
    cell references or CHOOSE(...) picks. MATCH against the scale's values (exact, so
    text and 2.5 never match) both validates a rating and gives its step, and each part
    begins with the separator so MID(...;3;...) drops the first one.
    """
    low_levels = [level for level in scale.levels if level.value <= rule.at_or_below]
    all_values = _array(scale.values)
    parts = []
    for subject, current, previous in ratings:
        if low_levels:
            texts = ",".join(
                _text(f"{FOCUS_SEPARATOR}{subject} {level.value} ({level.name})")
                for level in low_levels
            )
            low_values = _array(tuple(level.value for level in low_levels))
            parts.append(f'IFERROR(CHOOSE(MATCH({current},{low_values},0),{texts}),"")')
        parts.append(
            f"IFERROR(IF(MATCH({previous},{all_values},0)-MATCH({current},{all_values},0)"
            f">={rule.drop_steps},{_text(FOCUS_SEPARATOR + subject + ' faldet fra ')}&{previous}"
            f'&" til "&{current},""),"")'
        )
    return f"MID({'&'.join(parts)},{len(FOCUS_SEPARATOR) + 1},{MAX_FOCUS_TEXT})"


def excel_status_formula(value_ref: str, scale: Scale) -> str:
    """The level name of a rating, blank for anything else (text, 2.5, errors)."""
    names = ",".join(_text(level.name) for level in scale.levels)
    return f'IFERROR(CHOOSE(MATCH({value_ref},{_array(scale.values)},0),{names}),"")'


def excel_points_status_formula(points_ref: str, max_ref: str, thresholds: PointsThresholds) -> str:
    """Native twin of PointsThresholds.status; nested IFs so text never reaches a division."""
    p, m = points_ref, max_ref
    share = f"{p}/{m}"
    return (
        f'IF(AND(ISNUMBER({p}),ISNUMBER({m})),IF(AND({m}>0,{p}>=0,{p}<={m}),'
        f'IF({share}<{_number(thresholds.yellow_from)},"{RED}",IF({share}<{_number(thresholds.green_from)},"{YELLOW}","{GREEN}")),""),"")'
    )


def excel_trend_formula(range_ref: str, length: int, rule: TrendRule) -> str:
    """Native twin of `trend` over a one-row range of `length` cells.

    SUMPRODUCT treats text as zero in its array arguments and ISNUMBER masks out gaps, so
    blanks and text drop out exactly as in Python; an error value gives blank.
    """
    xs = "{" + ",".join(str(x) for x in range(1, length + 1)) + "}"
    xxs = "{" + ",".join(str(x * x) for x in range(1, length + 1)) + "}"
    mask = f"ISNUMBER({range_ref})"
    n = f"SUMPRODUCT(--{mask})"
    last = f"INDEX({range_ref},SUMPRODUCT(MAX({mask}*{xs})))"
    previous = f"INDEX({range_ref},SUMPRODUCT(LARGE({mask}*{xs},2)))"
    latest_change = f"{last}-{previous}"
    if rule.method == "seneste":
        change = latest_change
    else:
        sum_x = f"SUMPRODUCT({mask}*{xs})"
        slope = (
            f"({n}*SUMPRODUCT({mask}*{xs},{range_ref})-{sum_x}*SUMPRODUCT(--{mask},{range_ref}))"
            f"/({n}*SUMPRODUCT({mask}*{xxs})-{sum_x}^2)"
        )
        change = f"IF({n}=2,{latest_change},{slope})"
    tol = _number(rule.tolerance)
    rounded = f"ROUND({change},{TREND_DIGITS})"
    return (
        f'IFERROR(IF(OR({n}<2,SUMPRODUCT(--ISERROR({range_ref}))>0),"",'
        f'IF({rounded}>{tol},"{UP}",IF({rounded}<-{tol},"{DOWN}","{FLAT}"))),"")'
    )


def excel_share_formula(points_range: str, max_range: str, mask: list[bool] | None = None,
                        step: float | None = None) -> str:
    """Native twin of `share_of_max` over a one-row range.

    Written as an ARRAY formula (write_array_formula): IF(ISNUMBER(...)) turns blanks,
    text and error values into 'not usable' cell by cell, so one pasted #N/A does not
    blank the whole result. The mask is an array constant.
    """
    usable = _usable(points_range, max_range, step)
    if mask is not None:
        usable += "*{" + ",".join("1" if m else "0" for m in mask) + "}"
    possible = f"SUM({usable}*{max_range})"
    earned = f"SUM({usable}*IF(ISNUMBER({points_range}),{points_range},0))"
    return f'IFERROR(IF({possible}=0,"",{earned}/{possible}),"")'


def excel_mean_formula_of(range_ref: str) -> str:
    """Native twin of `mean_of_values`: blank when the range holds no number."""
    return f'IF(COUNT({range_ref})=0,"",AVERAGE({range_ref}))'


def _usable(points_ref: str, max_ref: str, step: float | None = None) -> str:
    """1 for each usable score, 0 otherwise (array context): -1 stands in for non-numbers."""
    value = f"IF(ISNUMBER({points_ref}),{points_ref},-1)"
    usable = f"({value}>=0)*({value}<={max_ref})"
    if step is not None:
        usable += f"*(MOD({value}/{_number(step)},1)=0)"
    return usable


def excel_points_total_formula(points_range: str, max_range: str, step: float | None = None) -> str:
    """Native twin of `points_total`; an ARRAY formula like excel_share_formula."""
    usable = _usable(points_range, max_range, step)
    earned = f"SUM({usable}*IF(ISNUMBER({points_range}),{points_range},0))"
    return f'IFERROR(IF(SUM({usable})=0,"",{earned}),"")'


def excel_points_condition(points_ref: str, max_ref: str, thresholds: PointsThresholds, colour: str) -> str:
    """Conditional-format test: is this score `colour` (Rød/Gul/Grøn)? Same bounds as
    PointsThresholds.status; IF keeps text away from the division."""
    p, m = points_ref, max_ref
    bounds = {RED: f"{p}/{m}<{_number(thresholds.yellow_from)}",
              YELLOW: f"AND({p}/{m}>={_number(thresholds.yellow_from)},{p}/{m}<{_number(thresholds.green_from)})",
              GREEN: f"{p}/{m}>={_number(thresholds.green_from)}"}[colour]
    return f"IF(AND(ISNUMBER({p}),ISNUMBER({m})),IF(AND({m}>0,{p}>=0,{p}<={m}),{bounds},FALSE),FALSE)"


def excel_share_condition(share_ref: str, thresholds: PointsThresholds, colour: str) -> str:
    """Conditional-format test for a share (0–1) cell: the colour a score with that share gets."""
    x = share_ref
    y, g = _number(thresholds.yellow_from), _number(thresholds.green_from)
    bounds = {RED: f"{x}<{y}", YELLOW: f"AND({x}>={y},{x}<{g})", GREEN: f"{x}>={g}"}[colour]
    return f"IF(ISNUMBER({x}),{bounds},FALSE)"

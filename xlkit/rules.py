"""The single source of truth for status and focus rules.

Every rule exists twice on purpose: as a Python function (used by the reader, the
consolidation and, later, the xlwings UDFs) and as the text of the native Excel formula
that templates write. Tests recalculate the formulas in LibreOffice and compare them with
the Python functions, so the two faces cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real


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

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(level.value for level in self.levels)

    @property
    def low(self) -> int:
        return self.levels[0].value

    @property
    def high(self) -> int:
        return self.levels[-1].value

    def status(self, value: object) -> Level | None:
        """The level a cell value stands for, or None when it is not a rating.

        Mirrors the native formulas exactly: only numbers count (text never does, as in
        Excel's MATCH), and a number must equal one of the scale's values (4.0 is 4).
        """
        if not is_number(value):
            return None
        for level in self.levels:
            if value == level.value:
                return level
        return None

    def steps(self, value: object) -> int | None:
        """Position of a rating on the scale (0 = lowest); None when not a rating."""
        level = self.status(value)
        return None if level is None else self.levels.index(level)

    def distribution(self, values: list[object]) -> dict[int, int]:
        """Count of valid ratings at each level, blanks and non-ratings left out."""
        counts = {level.value: 0 for level in self.levels}
        for value in values:
            level = self.status(value)
            if level is not None:
                counts[level.value] += 1
        return counts


def is_number(value: object) -> bool:
    """True for what Excel stores as a number (bool is not one)."""
    return isinstance(value, Real) and not isinstance(value, bool)


def mean_of(counts: dict[int, int]) -> float | None:
    """Mean rating from a distribution; None when nobody is rated."""
    total = sum(counts.values())
    if total == 0:
        return None
    return sum(value * count for value, count in counts.items()) / total


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


def focus_text(reasons: list[str]) -> str:
    """The text of a fokus cell: the reasons in order, or empty."""
    return FOCUS_SEPARATOR.join(reasons)


# ---------------------------------------------------------------------------
# Native Excel formula text. Only functions that Excel 2010+, Excel on the web and
# LibreOffice 7.4 all evaluate identically (no LAMBDA, XLOOKUP, TEXTJOIN).
# ---------------------------------------------------------------------------


def _array(values: tuple[int, ...]) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


def _text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def excel_count_formula(range_ref: str, value: int) -> str:
    """Count of cells equal to `value` as a number (text '4' never counts)."""
    return f"SUMPRODUCT(ISNUMBER({range_ref})*({range_ref}={value}))"


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
    return f"MID({'&'.join(parts)},{len(FOCUS_SEPARATOR) + 1},2000)"


def excel_choose(index_ref: str, options: list[str]) -> str:
    """CHOOSE over references: picks the current term's cell by its index."""
    return f"CHOOSE({index_ref},{','.join(options)})"

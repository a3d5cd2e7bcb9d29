"""The rules module: every level, every boundary, the focus rule and its formula text."""

from __future__ import annotations

import pytest

from xlkit import rules
from xlkit.rules import FocusRule


def test_every_level_has_its_status(spec):
    names = {v: spec.scale.status(v).name for v in spec.scale.values}
    assert names == {1: "Rød", 2: "Orange", 3: "Gul", 4: "Grøn", 5: "Meget grøn"}
    assert spec.scale.status(4.0).name == "Grøn"


@pytest.mark.parametrize("value", [0, 6, 2.5, 0.999, 5.0001, "4", "gul", None, True, float("nan")])
def test_values_outside_the_scale_have_no_status(spec, value):
    assert spec.scale.status(value) is None


def test_distribution_counts_only_ratings(spec):
    assert spec.scale.distribution([1, 1, 3, 5, "4", None, 6, 2.5, 4.0]) == {1: 2, 2: 0, 3: 1, 4: 1, 5: 1}


def test_mean_of_distribution():
    assert rules.mean_of({1: 1, 2: 0, 3: 1, 4: 0, 5: 2}) == pytest.approx(3.5)
    assert rules.mean_of({1: 0, 2: 0}) is None


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (1, None, ["DANSK 1 (Rød)"]),
        (2, None, ["DANSK 2 (Orange)"]),
        (3, None, []),  # boundary: 3 is not focus
        (3, 5, ["DANSK faldet fra 5 til 3"]),  # exactly two steps
        (3, 4, []),  # one step is not enough
        (2, 4, ["DANSK 2 (Orange)", "DANSK faldet fra 4 til 2"]),
        (1, 5, ["DANSK 1 (Rød)", "DANSK faldet fra 5 til 1"]),
        (5, 1, []),  # a rise is never focus
        (None, 5, []),  # not rated this term
        ("gul", 5, []),  # text is not a rating
        (4, "x", []),
    ],
)
def test_default_focus_rule(spec, current, previous, expected):
    assert FocusRule().reasons(spec.scale, "DANSK", current, previous) == expected


def test_focus_rule_is_configurable(spec):
    strict = FocusRule(at_or_below=3, drop_steps=1)
    assert strict.reasons(spec.scale, "MAT", 3, 4) == ["MAT 3 (Gul)", "MAT faldet fra 4 til 3"]
    lenient = FocusRule(at_or_below=0, drop_steps=3)
    assert lenient.reasons(spec.scale, "MAT", 1, 3) == []
    assert lenient.reasons(spec.scale, "MAT", 1, 4) == ["MAT faldet fra 4 til 1"]


def test_focus_text_joins_subjects_in_order(spec):
    reasons = rules.focus_reasons(spec.scale, FocusRule(), [("DANSK", 2, 3), ("MAT", 4, 4), ("SOC", 3, 5)])
    assert rules.focus_text(reasons) == "DANSK 2 (Orange), SOC faldet fra 5 til 3"
    assert rules.focus_text([]) == ""


def test_formula_text_uses_only_portable_functions(spec):
    formula = rules.excel_focus_formula(spec.scale, FocusRule(), [("DANSK", "E6", '""'), ("MAT", "F6", "C6")])
    for portable in ("MID(", "IFERROR(", "MATCH(", "CHOOSE("):
        assert portable in formula
    for modern in ("TEXTJOIN", "LAMBDA", "XLOOKUP", "IFS(", "LET("):
        assert modern not in formula
    assert '"{s}' not in formula
    assert rules.excel_count_formula("$E$6:$E$36", 3) == "SUMPRODUCT(--ISNUMBER(MATCH($E$6:$E$36,{3},0)))"
    assert rules.excel_mean_formula([(1, "E40"), (2, "E41")], "E42") == 'IF(E42=0,"",(1*E40+2*E41)/E42)'


def test_a_value_listed_twice_counts_as_its_first_level():
    """As MATCH finds the first; a hand-edited scale must not change which level counts."""
    levels = tuple(rules.Level(v, f"L{i}", "", "#FFFFFF") for i, v in enumerate([1, 2, 2, 3]))
    scale = rules.Scale(levels)
    assert scale.steps(2) == 1 and scale.status(2.0).name == "L1"
    assert scale.steps(True) is None and scale.status("2") is None


def test_focus_text_is_cut_where_the_native_formula_cuts_it():
    from xlkit.rules import MAX_FOCUS_TEXT, focus_text

    assert focus_text(["x" * 1500, "y" * 1500]) == ("x" * 1500 + ", " + "y" * 1500)[:MAX_FOCUS_TEXT]


def test_a_class_mean_on_a_colour_limit_is_on_it_as_in_the_spreadsheet():
    """A float sum gave 0.4999999999999999 (red) where the spreadsheet's AVERAGE gives 0.5
    (yellow) for shares 0, 0.6, 0.7, 0.7 (found in review)."""
    assert rules.mean_of_values([0, 0.6, 0.7, 0.7]) == 0.5
    assert rules.PointsThresholds().status(rules.mean_of_values([0, 0.6, 0.7, 0.7]), 1) == rules.YELLOW
    assert rules.mean_of_values([4, 3, 4, 4]) == 3.75 and rules.mean_of_values(["x", None]) is None

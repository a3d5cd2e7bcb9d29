"""What teachers type into a rating cell, and what the reader makes of it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlkit.values import ErrorValue, read_rating, read_text


@pytest.mark.parametrize(
    ("typed", "value", "code"),
    [
        (4, 4, ""),
        (4.0, 4, ""),
        (" 4 ", 4, "text-as-number"),
        ("4,0", 4, "text-as-number"),
        ("4.0", 4, "text-as-number"),
        ("gul", 3, "text-as-number"),
        ("Gul", 3, "text-as-number"),
        ("MEGET GRØN", 5, "text-as-number"),
        ("meget groen", 5, "text-as-number"),
        ("rød", 1, "text-as-number"),
        ("3 gul", 3, "text-as-number"),
        (6, None, "value-out-of-range"),
        (0, None, "value-out-of-range"),
        ("6", None, "value-out-of-range"),
        (3.5, None, "value-not-whole"),
        ("3,5", None, "value-not-whole"),
        ("x", None, "unknown-text"),
        ("syg", None, "unknown-text"),
        (True, None, "unknown-text"),
        ("010203-1234", None, "cpr-number"),
        (2512901234, None, "cpr-number"),  # a CPR number pasted as a number
        (False, None, "unknown-text"),
    ],
)
def test_typed_values(spec, typed, value, code):
    reading = read_rating(typed, spec.scale)
    assert (reading.value, reading.code) == (value, code)
    if code:
        assert reading.message and reading.action


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_cells_are_not_readings(spec, empty):
    assert read_rating(empty, spec.scale) is None


def test_cpr_number_is_never_echoed(spec):
    reading = read_rating("0102031234", spec.scale)
    assert reading.code == "cpr-number"
    assert "0102031234" not in reading.message + reading.action


@given(st.text(alphabet="0123456789 ,.-abcæøåGUL", max_size=12))
def test_any_text_gives_a_value_in_the_scale_or_a_problem(spec, text):
    reading = read_rating(text, spec.scale)
    if reading is None:
        assert not text.strip()
    else:
        assert reading.value in (None, 1, 2, 3, 4, 5)
        assert reading.value is not None or reading.code


def test_free_text_and_dates_are_not_echoed(spec):
    import datetime as dt

    note = read_rating("ordblind, se PPR", spec.scale)
    assert note.code == "unknown-text" and "ordblind" not in note.message + note.action
    assert "16 tegn" in note.message
    assert "datetime" not in read_rating(dt.datetime(2026, 3, 4), spec.scale).message
    assert read_rating(True, spec.scale).message.startswith("Cellen indeholder SAND")


@pytest.mark.parametrize("number, cpr", [(101001234, True), (3112991234, True), (-1010011234, True),
                                         (100999999, False), (4, False), (3213991234, False), (31129912345, False)])
def test_a_cpr_number_pasted_as_a_number_loses_its_leading_zero(number, cpr):
    from xlkit.values import looks_like_cpr

    assert looks_like_cpr(number) is cpr
    assert looks_like_cpr(float(number)) is cpr


def test_a_cpr_number_is_caught_even_under_an_absurd_maximum(spec):
    """The fast path for clean points must not skip the CPR check (the maximum comes from
    the workbook's own hidden metadata)."""
    from xlkit.values import read_points

    assert read_points(101001234, float("inf"), False).code == "cpr-number"
    assert read_points(3112991234.0, 1e12, True).code == "cpr-number"
    assert read_points(4, 1e12, False).value == 4.0


@pytest.mark.parametrize(("names", "logins", "swapped"), [
    (["abcd1234", "efgh5678", "ijkl9012", None], ["Åse Ørum", "Bo Ibsen", "Cai Lund", None], True),
    (["Åse Ørum", "Bo Ibsen", "Cai Lund"], ["abcd1234", "efgh5678", "ijkl9012"], False),  # as it should be
    (["abcd1234", "efgh5678"], ["Åse Ørum", "Bo Ibsen"], False),  # two rows are too few to tell
    (["Bo", "Cai", "Dina", "Eva"], ["bo 1", "cai 2", "dina 3", "eva 4"], False),  # one-word names have no digits
    (["abcd1234", "efgh5678", "ijkl9012", "Dina Holm", "Eva Berg", "Frej Mo", "Gry Li"],
     ["Åse Ørum", "Bo Ibsen", "Cai Lund", "mnop1", "qrst2", "uvwx3", "yzab4"], False),  # only a minority
])
def test_a_class_list_pasted_the_other_way_round_is_recognised(names, logins, swapped):
    from xlkit.values import names_and_logins_swapped

    assert names_and_logins_swapped(names, logins) is swapped


def test_a_number_shown_as_a_percentage_is_reported_not_counted(spec):
    """`100%` typed into a cell is stored as 1, a valid rating and a valid number of points;
    the reader marks such a cell's number as a Percent and it is never counted."""
    from xlkit.values import Percent, read_points

    for reading in (read_rating(Percent(1), spec.scale), read_points(Percent(1), 4, False)):
        assert (reading.value, reading.code) == (None, "percent-typed")
        assert "100 %" in reading.message and "Standard" in reading.action
    assert "(7,5 %)" in read_points(Percent(0.075), 4, True).message
    # a CPR number typed into a percentage cell is stored divided by 100, and not echoed
    for cpr in (Percent(1010012.34), Percent(31129912.34), Percent(101001234)):
        assert read_points(cpr, 1e12, False).code == "cpr-number" and read_rating(cpr, spec.scale).code == "cpr-number"
    assert read_points(Percent(5e8), 1e12, False).message == "Cellen er skrevet som procent, ikke som point."
    assert str(Percent(1)) == "1" and str(Percent(0.5)) == "0.5"  # a name or UNI-login reads as before
    assert read_rating(1, spec.scale).value == 1 and read_points(1.0, 4, False).value == 1.0


@pytest.mark.parametrize("separator", ["-", "\u2010", "\u2011", "\u2013", "\u2014", "\u2212", " ", "\u00a0", "\u202f",
                                       "/", ".", ""])
def test_a_cpr_number_is_caught_with_any_separator_an_export_may_write(separator):
    from xlkit.values import looks_like_cpr, without_cpr

    assert looks_like_cpr(f"Bo 010203{separator}1234")
    assert without_cpr(f"Bo 010203{separator}1234 Ek") == "Bo [CPR-nummer] Ek"
    assert not looks_like_cpr(f"Bo 010203{separator}12345") and not looks_like_cpr(f"Bo 320203{separator}1234")


@pytest.mark.parametrize("text", ["010203 - 1234", "010203 -1234", "010203- 1234", "010203\u00a0-\u00a01234"])
def test_a_cpr_number_written_with_spaces_round_the_hyphen_is_caught(text):
    """Found in review: a space either side of the hyphen got past the check, into the summary."""
    from xlkit.values import looks_like_cpr, without_cpr

    assert looks_like_cpr(f"Lucas Kjær {text}") and without_cpr(f"Bo {text} Ek") == "Bo [CPR-nummer] Ek"


@pytest.mark.parametrize("text", ["Terminsprøve 12.03.2026", "uge 12 - 2026", "tlf. 20 10 30 40", "20103040",
                                  "Prøve 1.2 - 3 point", "01.02.2026 kl. 10-12", "3112 2026", "Frist 01.03.25 2359",
                                  "15/12-24 1100", "01.02.24 1000 kr.", "Uge 10 11 12 2024", "12.11.24-1300"])
def test_dates_and_phone_numbers_are_not_taken_for_cpr_numbers(text):
    from xlkit.values import looks_like_cpr

    assert not looks_like_cpr(text)


@pytest.mark.parametrize("typed", ["Lærke 010203  1234", "Lærke 010203\n1234", "Lærke 010203\t1234",
                                   "Lærke 010203\u2009\u20091234", "010203 \r\n 1234"])
def test_a_cpr_number_that_tidying_the_spaces_would_make_is_caught(typed):
    """Found in review: two spaces, a line break or a tab between the parts got past the
    check, and tidying the spaces then put '010203 1234' in the summary."""
    from xlkit.values import read_text

    reported = []
    assert read_text(typed, "navn", lambda *problem: reported.append(problem[0])) == ""
    assert reported == ["cpr-number"]


@pytest.mark.parametrize(("stored", "shown"), [
    ("#DIV/0!", "fejlen #DIVISION/0! (#DIV/0!)"), ("#N/A", "fejlen #I/T (#N/A)"), ("#NUM!", "fejlen #NUM!"),
    ("Err:502", "fejlen Err:502"), ("Bo 010203-1234", "en fejl"), ("", "en fejl"),
])
def test_an_error_cell_is_reported_as_danish_excel_shows_it_and_forged_text_is_not_repeated(spec, stored, shown):
    """A .ods keeps the error as shown text, so anything can stand there: only the errors
    spreadsheets have are repeated."""
    reading = read_rating(ErrorValue(stored), spec.scale)
    assert (reading.value, reading.code) == (None, "error-value")
    assert reading.message == f"Cellen viser {shown} i stedet for en vurdering."
    assert read_text(ErrorValue(stored), "navn", lambda *problem: pytest.fail("reported")) == ""


@pytest.mark.parametrize("typed", ["nan", "inf", "-Infinity", "1e3", "1_0", "４"])
def test_only_numbers_a_teacher_types_are_read_from_text(spec, typed):
    """Python reads these as numbers; a teacher never means them as one (found in review:
    "nan er ikke et helt tal")."""
    from xlkit.values import read_points

    assert read_rating(typed, spec.scale).code == "unknown-text"
    assert read_points(typed, 4, False).code == "unknown-text"


def test_a_huge_number_is_shown_short():
    from xlkit.values import read_points

    reading = read_points(1e308, 4, False)
    assert (reading.code, reading.message) == ("points-above-max", "1e+308 point, men opgaven giver højst 4.")


def test_a_number_formatted_as_a_date_says_how_to_make_it_a_number_again(spec):
    """Pasted with another workbook's formats, points showed as 01-01-1900 and the message
    only asked for a number, which typed again stays a date (found in review)."""
    import datetime as dt

    from xlkit.values import read_points

    for reading in (read_points(dt.datetime(1900, 1, 1), 2, False), read_rating(dt.date(2026, 5, 1), spec.scale)):
        assert reading.code == "date-typed" and reading.value is None
        assert "talformat til Standard" in reading.action

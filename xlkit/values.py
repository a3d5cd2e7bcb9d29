"""Interpreting what teachers really type into a rating cell.

`4`, `4.0`, `" 4 "`, `"4,0"` and a colour word (`gul`) all mean 4 or 3; anything else is
reported, never guessed. Text that is accepted is still reported as a warning, because the
workbook's own native formulas (like Excel) only count real numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from xlkit.rules import Scale, is_number

SMALLEST_CPR = 101_000_000  # 010100-0000 typed as a number loses its leading zero
# ddmmyy, then a hyphen, dash, minus, '/' or '.' (word processors and exports turn the hyphen
# into the others), perhaps with a space either side (found in review), or a space, or nothing,
# then four digits. A date written with separators (01.02.03-1234) is not caught: notes like
# "Frist 01.03.25 2359" would be taken for CPR numbers (found in the next review). Any run of
# white space counts as a space: two spaces, a tab or a line break between the parts became
# one space when a name was tidied, and a CPR number reached the summary (found in review)
_SEPARATOR = r"[-\u2010-\u2015\u2212./]"
CPR_PATTERN = re.compile(rf"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{{2}}(?:\s*{_SEPARATOR}\s*|\s+)?"
                         rf"\d{{4}}(?!\d)")


@dataclass(slots=True)  # not frozen: created for every filled cell, and frozen is four times slower
class Reading:
    """The outcome of reading one cell: a usable value and/or a problem to report."""

    value: float | None
    code: str = ""  # problem code, empty when the cell was clean
    message: str = ""
    action: str = ""


class Percent(float):
    """A number its cell shows as a percentage. A teacher typing `100%` stores 1, and
    Excel then reads every later number typed into that cell as a percentage too (8 as
    0.08), so such a cell never holds points or a rating as they meant it."""

    __slots__ = ()

    def __str__(self) -> str:
        """As the plain number reads (1, not 1.0), for the text fields that take it as text."""
        return str(int(self)) if self.is_integer() else float.__repr__(self)


class ErrorValue(str):
    """A cell that shows a formula error (#DIV/0!, #N/A) instead of a value. calamine reads
    such a cell as empty, so a student looked unrated without a word (found in review);
    the book marks the input cells that hold one, and the readers report them."""

    __slots__ = ()

    @property
    def shown(self) -> str:
        """The error as a teacher sees it in Danish Excel, with the file's own spelling when
        that differs (LibreOffice shows that one). Anything else stored as an error is not
        repeated: the text is the file's, and a forged one can hold a CPR number."""
        code = self.strip()
        stored, danish = code.upper(), DANISH_ERRORS.get(code.upper())
        if danish is not None:
            return f"fejlen {danish}" if danish == stored else f"fejlen {danish} ({stored})"
        return f"fejlen {code}" if LIBREOFFICE_ERROR.fullmatch(code) else "en fejl"


# Excel's error values as the file stores them -> as Danish Excel shows them
DANISH_ERRORS = {"#DIV/0!": "#DIVISION/0!", "#N/A": "#I/T", "#VALUE!": "#VÆRDI!", "#REF!": "#REFERENCE!",
                 "#NAME?": "#NAVN?", "#NUM!": "#NUM!", "#NULL!": "#NUL!", "#SPILL!": "#SPILL!", "#CALC!": "#CALC!"}
LIBREOFFICE_ERROR = re.compile(r"Err:[0-9]{3}")  # LibreOffice's own, like Err:502


def _error_reading(raw: ErrorValue, wanted: str) -> Reading:
    return Reading(None, "error-value", f"Cellen viser {raw.shown} i stedet for {wanted}.",
                   "Ikke medtaget. Ret formlen i cellen, eller skriv værdien i stedet.")


def error_field(raw: ErrorValue, what: str) -> tuple[str, str, str]:
    """The (code, message, action) of a name or UNI-login cell that shows an error, such as
    a lookup in a class list that found no one."""
    return ("error-value", f"Feltet med {what} viser {raw.shown}.",
            f"Feltet er læst som tomt. Ret formlen i cellen, eller skriv {what} i stedet.")


def _percent_reading(raw: Percent, wanted: str) -> Reading:
    typed = raw * 100  # what the teacher typed, before the % divided it by 100
    if looks_like_cpr(round(typed, 2)):
        return _cpr_reading()
    shown = f" ({danish_number(round(typed, 6))} %)" if abs(typed) < SMALLEST_CPR else ""  # no long numbers in messages
    return Reading(None, "percent-typed", f"Cellen er skrevet som procent{shown}, ikke som {wanted}.",
                   "Ikke medtaget. Sæt cellens talformat til Standard (Formatér celler), og skriv tallet igen.")


def _date_reading(wanted: str) -> Reading:
    """A number in a cell formatted as a date or time (pasted with another workbook's formats,
    or "1.5" taken for 1 May): typed again, it stays a date (found in review)."""
    return Reading(None, "date-typed", f"Cellen er formateret som dato eller klokkeslæt og viser ikke {wanted}.",
                   "Ikke medtaget (arkets egne formler tæller tallet bag datoen). Sæt cellens talformat til Standard "
                   "(Formatér celler), og skriv tallet igen.")


def _cpr_reading() -> Reading:
    return Reading(None, "cpr-number", "Cellen ligner et CPR-nummer. CPR-numre hører ikke hjemme i skemaet.",
                   "Ikke medtaget og ikke kopieret videre. Slet det i skemaet.")


def _fold(text: str) -> str:
    """Lower-case and spell æ/ø/å the way a keyboard without them would."""
    text = " ".join(text.lower().split())
    return text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


def looks_like_cpr(value: object) -> bool:
    """Text with a ddmmyy-xxxx (or ddmmyyxxxx) number in it, or such a number pasted as a number."""
    if isinstance(value, str):
        return bool(CPR_PATTERN.search(value))
    return (is_number(value) and SMALLEST_CPR <= abs(value) < 10**10 and float(value).is_integer()
            and bool(CPR_PATTERN.search(f"{int(value):010d}")))


def whole_number(value: object) -> int | None:
    """A cell's value as a whole number (the Nr columns), or None; never a CPR number."""
    return int(value) if is_number(value) and float(value).is_integer() and not looks_like_cpr(value) else None


def read_nr(value: object, report) -> int | None:
    """A Nr cell as a whole number; a CPR number pasted there (a class list whose first
    column is CPR, pasted over the Nr column) is reported and never kept (found in review)."""
    if looks_like_cpr(value):
        report("cpr-number", "Nr.-feltet ligner et CPR-nummer.",
               "Feltet er ikke medtaget og ikke kopieret videre. Slet CPR-nummeret i skemaet.")
        return None
    return whole_number(value)


def without_cpr(text: str) -> str:
    """The text with every CPR-like number replaced: for text from a teacher's file (a
    sheet's name, say) that xlkit repeats in what it writes."""
    return CPR_PATTERN.sub("[CPR-nummer]", text)


def names_and_logins_swapped(names: list, logins: list) -> bool:
    """Whether a class list was pasted with its columns the other way round: the name
    column holds logins (one word with digits) and the login column names (with a space),
    in at least three rows and most rows with both. The overbliksark has UNI-login first,
    the elevvurderingsskema Elev first, so a list copied between them lands swapped."""
    pairs = [(name.strip(), login.strip()) for name, login in zip(names, logins)
             if isinstance(name, str) and isinstance(login, str) and name.strip() and login.strip()]
    swapped = sum(1 for name, login in pairs
                  if " " in login and " " not in name and any(c.isdigit() for c in name))
    return swapped >= 3 and swapped * 2 > len(pairs)


SWAPPED_MESSAGE = "Kolonnerne Elev og UNI-login ser ud til at være byttet om (navnene står under UNI-login)."
SWAPPED_ACTION = "Navne og UNI-login er læst, som om kolonnerne stod rigtigt. Ret skemaet, så navnene står under Elev."


def read_text(value: object, what: str, report) -> str:
    """A name or UNI-login as clean text; a CPR number is reported with
    report(code, message, action) and never kept."""
    if value is None or value.__class__ is ErrorValue:  # the reader reports an error if the row is in use
        return ""
    if looks_like_cpr(value):
        report("cpr-number", f"Feltet med {what} ligner et CPR-nummer.",
               "Feltet er ikke medtaget og ikke kopieret videre. Slet CPR-nummeret i skemaet.")
        return ""
    return " ".join(str(value).split())


def read_rating(raw: object, scale: Scale) -> Reading | None:
    """Interpret one rating cell; None for an empty cell."""
    if raw is None or (isinstance(raw, str) and not raw.strip() and raw.__class__ is not ErrorValue):
        return None
    if raw.__class__ in (int, float) and raw in scale.values and abs(raw) < SMALLEST_CPR:
        return Reading(int(raw))  # the usual case, decided before any message is written
    if raw.__class__ is ErrorValue:
        return _error_reading(raw, "en vurdering")
    scale_text = f"{scale.low} til {scale.high}"
    if looks_like_cpr(raw):
        return _cpr_reading()
    if raw.__class__ is Percent:
        return _percent_reading(raw, "en vurdering")
    if is_number(raw):
        return _numeric(float(raw), scale, scale_text, was_text=None)
    if isinstance(raw, bool):
        return Reading(None, "unknown-text", f"Cellen indeholder {'SAND' if raw else 'FALSK'}, ikke en vurdering. "
                       f"Skriv et helt tal fra {scale_text}.", "Ikke medtaget.")
    if isinstance(raw, (dt.date, dt.time, dt.timedelta)):
        return _date_reading("en vurdering")
    if not isinstance(raw, str):
        return Reading(None, "unknown-text", "Cellen indeholder ikke en vurdering.", "Ikke medtaget.")
    text = raw.strip()
    number = typed_number(text)
    if number is not None:
        return _numeric(number, scale, scale_text, was_text=quoted(text))
    folded = _fold(text)
    for level in scale.levels:
        if folded in (_fold(level.name), _fold(f"{level.value} {level.name}")):
            return Reading(
                level.value, "text-as-number",
                f"Teksten '{text}' er læst som {level.value} ({level.name}).",
                f"Medtaget som {level.value}. Skriv tallet {level.value}, så skemaets egne optællinger også tæller den med.",
            )
    # Free text is not repeated: a note like 'ordblind, se PPR' must not travel further.
    return Reading(
        None, "unknown-text",
        f"Cellen indeholder tekst ({len(text)} tegn), som ikke er en vurdering. Skriv et helt tal fra {scale_text}.",
        "Ikke medtaget. Skriv noter et andet sted end i vurderingsfelterne.",
    )


def _numeric(number: float, scale: Scale, scale_text: str, was_text: str | None) -> Reading:
    shown = was_text if was_text is not None else _format_number(number)
    if not number.is_integer():
        return Reading(
            None, "value-not-whole",
            f"{shown} er ikke et helt tal. Skriv et helt tal fra {scale_text}.",
            "Ikke medtaget.",
        )
    value = int(number)
    if scale.status(value) is None:
        return Reading(
            None, "value-out-of-range",
            f"{shown} ligger uden for skalaen. Skriv et helt tal fra {scale_text}.",
            "Ikke medtaget.",
        )
    if was_text is not None:
        return Reading(
            value, "text-as-number",
            f"Tallet er skrevet som tekst ('{was_text}').",
            f"Medtaget som {value}. Skriv tallet igen uden mellemrum eller komma, så skemaets egne optællinger også tæller det med.",
        )
    return Reading(value)


MAX_QUOTED = 40  # characters of a teacher's text repeated in a message


def quoted(text: str, limit: int = MAX_QUOTED) -> str:
    """A typed text as a message repeats it: Python reads 30,000 digits (or `1_0`) as a
    number, and 500 such cells must not put 15 MB of text into the leaders' summary."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def danish_list(items: list[str]) -> str:
    """'a, b og c'."""
    return " og ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def danish_number(number: float) -> str:
    """A number as Danes write it in a message: 10.000 and 0,5."""
    if float(number).is_integer():
        return f"{int(number):,}".replace(",", ".")
    return str(number).replace(".", ",")


def _format_number(number: float) -> str:
    if abs(number) >= LARGEST_SHOWN:  # 1e308 was written out with 309 digits (found in review)
        return f"{number:.6g}".replace(".", ",")
    return str(int(number)) if number.is_integer() else str(number).replace(".", ",")


LARGEST_SHOWN = 10**15  # and larger numbers are shown as 1e+15
TYPED_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")


def typed_number(text: str) -> float | None:
    """A number typed as text (`4`, `4,0`, `-2`), or None. Python's float() also reads
    `nan`, `inf`, `1e3`, `1_0` and other scripts' digits, which no teacher means as a
    rating (found in review: "nan er ikke et helt tal")."""
    return float(text.replace(",", ".")) if TYPED_NUMBER.fullmatch(text) else None




def read_points(raw: object, maximum: float, half_points: bool) -> Reading | None:
    """Interpret one points cell of a test task; None for an empty cell."""
    if raw is None or (isinstance(raw, str) and not raw.strip() and raw.__class__ is not ErrorValue):
        return None
    if raw.__class__ in (int, float) and 0 <= raw <= maximum and raw < SMALLEST_CPR and \
            (raw * 2 if half_points else raw) % 1 == 0:
        return Reading(float(raw))  # the usual case, decided before any message is written
    if raw.__class__ is ErrorValue:
        return _error_reading(raw, "point")
    if looks_like_cpr(raw):
        return _cpr_reading()
    if raw.__class__ is Percent:
        return _percent_reading(raw, "point")
    max_text = _format_number(float(maximum))
    if is_number(raw):
        number, was_text = float(raw), None
    elif isinstance(raw, str):
        number, was_text = typed_number(raw.strip()), quoted(raw.strip())
        if number is None:
            return Reading(None, "unknown-text", f"Cellen indeholder tekst ({len(raw.strip())} tegn), ikke point. "
                           f"Skriv et tal fra 0 til {max_text}.", "Ikke medtaget.")
    elif isinstance(raw, (dt.date, dt.time, dt.timedelta)):
        return _date_reading("point")
    else:
        return Reading(None, "unknown-text", f"Cellen indeholder ikke point. Skriv et tal fra 0 til {max_text}.",
                       "Ikke medtaget.")
    shown = was_text if was_text is not None else _format_number(number)
    if number < 0:
        return Reading(None, "points-negative", f"{shown} point er negativt. Skriv et tal fra 0 til {max_text}.",
                       "Ikke medtaget.")
    if number > maximum:
        return Reading(None, "points-above-max", f"{shown} point, men opgaven giver højst {max_text}.",
                       "Ikke medtaget. Ret pointtallet.")
    step_ok = (number * 2).is_integer() if half_points else number.is_integer()
    if not step_ok:
        step = "hele eller halve point" if half_points else "hele point"
        return Reading(None, "points-not-step", f"{shown} er ikke {step}.", "Ikke medtaget.")
    if was_text is not None:
        return Reading(number, "text-as-number", f"Tallet er skrevet som tekst ('{was_text}').",
                       "Medtaget. Skriv tallet igen, så arkets egne formler også tæller det med.")
    return Reading(number)

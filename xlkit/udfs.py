"""xlkit's rules as Excel functions (xlwings user-defined functions).

Thin wrappers over xlkit.rules: every function takes whole ranges (one call per range, not
per cell), returns an array of the same shape (spilled as a dynamic array in Excel 365),
and never raises into Excel: blanks and text give an empty result, Excel error values
(#I/T, #DIVISION/0! ...) count as 'no value', and bad arguments give a Danish message.

The decorators only attach metadata (on Linux they do nothing), so every function is a
plain Python function that tests call directly. macros/xlkit_lite.py is generated from this
file and xlkit/rules.py (see xlkit/macros.py) for xlwings Lite.
"""

from __future__ import annotations

import datetime as dt

from xlwings import arg, func, ret  # noqa: F401  (ret: the same imports xlwings Lite uses)

from xlkit import rules

CATEGORY = "xlkit"
DEFAULT_NAMES = ("Rød", "Orange", "Gul", "Grøn", "Meget grøn")  # Dagnæsskolen; = workbook_templates/elevvurdering.yaml
NAMES_DOC = "Niveaunavnene fra lavest til højest. Standard: Rød, Orange, Gul, Grøn, Meget grøn."
LOW_DOC = "Værdien for det laveste niveau. Standard: 1."
EXCEL_ERRORS = {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA",
                "#BUSY!", "#BLOCKED!", "#CONNECT!", "#FIELD!", "#UNKNOWN!", "#PYTHON!", "#EXTERNAL!"}
# Classic xlwings turns seven error values into text and passes the newer ones (#SPILL!, #CALC!,
# #BUSY! ...) as their COM code, an int near -2146826281; numbers arrive as floats
COM_ERROR_CODES = range(-2146828288 + 1900, -2146828288 + 2200)
OLE_EPOCH = dt.datetime(1899, 12, 30)  # classic xlwings passes a number in a date-formatted cell as a date


def _grid(values) -> list[list]:
    """Any Excel argument (single value, row, 2-D range) as a list of rows."""
    if not isinstance(values, list):
        return [[values]]
    if values and not isinstance(values[0], list):
        return [values]
    return values or [[None]]


def _is_error(cell) -> bool:
    """Excel error values arrive as their text (err_to_str=True), or as a COM code (an int)."""
    if isinstance(cell, str):
        return cell.strip().upper() in EXCEL_ERRORS
    return type(cell) is int and cell in COM_ERROR_CODES


def _value(cell):
    """The cell as the sheet's formulas see it: an error value counts as no value, and a date
    is the number under it (a 3 typed in a date-formatted cell is Gul in the sheet, found by
    the red team: blank from the UDF)."""
    if _is_error(cell):
        return None
    if isinstance(cell, dt.datetime):
        return (cell - OLE_EPOCH) / dt.timedelta(days=1)
    if isinstance(cell, dt.date):
        return float((cell - OLE_EPOCH.date()).days)
    return cell


def _label(value) -> str:
    """A name or subject from a cell: a number as Excel shows it (8, not 8.0)."""
    if rules.is_number(value) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _names(names) -> tuple[str, ...]:
    if names is None:
        return DEFAULT_NAMES
    return tuple(_label(n) for row in _grid(names) for n in row if n is not None and str(n).strip())


def _scale(names, low) -> rules.Scale:
    names = _names(names)
    if not names:
        raise ValueError("Angiv mindst ét niveaunavn.")
    low = 1 if low is None else low  # an empty cell gives the default, like every other argument
    if not rules.is_number(low) or float(low) != int(low):
        raise ValueError("Laveste værdi skal være et helt tal.")
    return rules.Scale(tuple(rules.Level(int(low) + i, name, "", "") for i, name in enumerate(names)))


def _argument(value, default, what: str) -> float:
    """A number argument, or its default for an empty cell. (Not `_number`: rules.py has one,
    and xlkit_lite.py is both files in one module.)"""
    if value is None:
        return float(default)
    if not rules.is_number(value):
        raise ValueError(f"{what} skal være et tal.")
    return float(value)


def _safe(function):
    """Never raise into Excel: turn a bad argument into one Danish message."""

    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (ValueError, TypeError, ZeroDivisionError) as error:
            return f"xlkit: {error}"
        except Exception as error:  # never raise into Excel
            return f"xlkit: uventet fejl ({type(error).__name__})"

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    wrapper.__wrapped__ = function
    return wrapper


@func(category=CATEGORY)
@arg("vaerdier", ndim=2, err_to_str=True, doc="Vurderingerne (en celle eller et område).")
@arg("navne", ndim=1, doc=NAMES_DOC)
@arg("laveste", doc=LOW_DOC)
def XLKIT_STATUS(vaerdier, navne=None, laveste=1):
    """Niveauets navn for hver vurdering (fx 3 giver Gul); tom for tomme celler og tekst."""
    return _status(vaerdier, navne, laveste)


@_safe
def _status(vaerdier, navne, laveste):
    scale = _scale(navne, laveste)
    return [[_level_name(scale, _value(cell)) for cell in row] for row in _grid(vaerdier)]


def _level_name(scale: rules.Scale, value) -> str:
    level = scale.status(value)
    return "" if level is None else level.name


@func(category=CATEGORY)
@arg("point", ndim=2, err_to_str=True, doc="Elevernes point (en celle, en række eller et område).")
@arg("maks", ndim=2, err_to_str=True, doc="Maksimalt antal point: én celle, eller én række med en værdi pr. kolonne.")
@arg("gul_fra", doc="Andel af maks, hvorfra resultatet er gult. Standard: 0,5.")
@arg("groen_fra", doc="Andel af maks, hvorfra resultatet er grønt. Standard: 0,8.")
def XLKIT_PCTSTATUS(point, maks, gul_fra=0.5, groen_fra=0.8):
    """Rød, Gul eller Grøn efter hvor stor en del af maks eleven har fået; tom når der mangler point."""
    return _points_status(point, maks, gul_fra, groen_fra)


@_safe
def _points_status(point, maks, gul_fra, groen_fra):
    thresholds = rules.PointsThresholds(_argument(gul_fra, 0.5, "gul_fra"), _argument(groen_fra, 0.8, "groen_fra"))
    if thresholds.yellow_from > thresholds.green_from:
        raise ValueError("gul_fra må ikke være større end groen_fra.")
    maxima = _grid(maks)
    rows = _grid(point)
    if len(maxima) > 1 and len(maxima) != len(rows) or any(len(m) > 1 and len(m) != len(rows[0]) for m in maxima):
        raise ValueError("maks skal være én celle, én række med en værdi pr. kolonne eller samme størrelse som point.")

    def maximum(r: int, c: int):
        row = maxima[r] if len(maxima) > 1 else maxima[0]
        return _value(row[c] if len(row) > 1 else row[0])

    return [
        [thresholds.status(_value(cell), maximum(r, c)) or "" for c, cell in enumerate(row)]
        for r, row in enumerate(rows)
    ]


@func(category=CATEGORY)
@arg("serie", ndim=2, err_to_str=True, doc="Resultaterne i tidsorden; én elev pr. række.")
@arg("tolerance", doc="Ændring pr. trin, der stadig regnes som stabil. Standard: 0,25.")
@arg("metode", doc="'auto' (hældning ved 3+ værdier) eller 'seneste' (seneste mod forrige). Standard: auto.")
def XLKIT_TREND(serie, tolerance=0.25, metode="auto"):
    """Fremgang, Stabil eller Tilbagegang for hver række; tom med færre end to tal."""
    return _trend(serie, tolerance, metode)


@_safe
def _trend(serie, tolerance, metode):
    method = "auto" if metode is None else str(metode).strip().lower()
    if method not in ("auto", "seneste"):
        raise ValueError("metode skal være 'auto' eller 'seneste'.")
    rule = rules.TrendRule(_argument(tolerance, 0.25, "tolerance"), method)
    if rule.tolerance < 0:
        raise ValueError("tolerance må ikke være negativ.")
    results = []
    for row in _grid(serie):
        if any(_is_error(cell) for cell in row):
            results.append([""])  # an error in the series: no trend, as in the native formula
        else:
            results.append([rules.trend([_value(cell) for cell in row], rule) or ""])
    return results


@func(category=CATEGORY)
@arg("nu", ndim=2, err_to_str=True, doc="Vurderingerne i seneste termin; én elev pr. række, ét fag pr. kolonne.")
@arg("foer", ndim=2, err_to_str=True, doc="Vurderingerne i terminen før, samme form som nu.")
@arg("fag", ndim=1, doc="Fagenes navne, fx DANSK, MAT, SOC.")
@arg("graense", doc="Højeste vurdering, der giver fokus. Standard: 2.")
@arg("fald", doc="Antal trin et fald skal være for at give fokus. Standard: 2.")
@arg("navne", ndim=1, doc=NAMES_DOC)
@arg("laveste", doc=LOW_DOC)
def XLKIT_FOKUS(nu, foer, fag, graense=2, fald=2, navne=None, laveste=1):
    """Begrundelsen, hvis eleven er i fokus (fx 'DANSK 2 (Orange)'); tom ellers. Én værdi pr. række."""
    return _focus(nu, foer, fag, graense, fald, navne, laveste)


@_safe
def _focus(nu, foer, fag, graense, fald, navne, laveste):
    scale = _scale(navne, laveste)
    limit, drop = _argument(graense, 2, "graense"), _argument(fald, 2, "fald")
    if not (limit.is_integer() and drop.is_integer()):
        raise ValueError("graense og fald skal være hele tal.")
    if drop < 1:
        raise ValueError("fald skal være mindst 1.")
    rule = rules.FocusRule(int(limit), int(drop))
    subjects = ["" if s is None else _label(s) for row in _grid(fag) for s in row]
    now, before = _grid(nu), _grid(foer)
    if len(now) != len(before) or any(len(a) != len(b) for a, b in zip(now, before)):
        raise ValueError("nu og foer skal have samme størrelse.")
    if len(subjects) != len(now[0]):
        raise ValueError("Der skal være ét fagnavn pr. kolonne.")
    return [
        [rules.focus_text(rules.focus_reasons(
            scale, rule, [(s, _value(a), _value(b)) for s, a, b in zip(subjects, row_now, row_before)]
        ))]
        for row_now, row_before in zip(now, before)
    ]


@func(category=CATEGORY)
@arg("vaerdier", ndim=2, err_to_str=True, doc="Vurderingerne, der skal tælles.")
@arg("navne", ndim=1, doc=NAMES_DOC)
@arg("laveste", doc=LOW_DOC)
def XLKIT_FORDELING(vaerdier, navne=None, laveste=1):
    """Tabel med Niveau, Navn, Antal og Andel for hvert niveau; tomme celler, tekst og fejl tælles ikke."""
    return _distribution(vaerdier, navne, laveste)


@_safe
def _distribution(vaerdier, navne, laveste):
    scale = _scale(navne, laveste)
    counts = scale.distribution([_value(cell) for row in _grid(vaerdier) for cell in row])
    total = sum(counts.values())
    table = [["Niveau", "Navn", "Antal", "Andel"]]
    for level in scale.levels:
        table.append([level.value, level.name, counts[level.value], counts[level.value] / total if total else ""])
    return table

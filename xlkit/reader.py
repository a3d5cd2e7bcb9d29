"""Opening untrusted workbooks safely and finding out which template they are.

Teacher workbooks arrive by e-mail. Before any XML is parsed the zip directory is checked
(size, entry count, inflated size, compression ratio); XML is parsed with defusedxml
(openpyxl uses it when installed, and xlkit refuses to run without it); the file is read
into memory once and never opened for writing. Every low-level failure becomes one
InvalidWorkbook with a Danish message.
"""

from __future__ import annotations

import io
import json
import signal
import threading
import warnings
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

import openpyxl
import openpyxl.xml
from defusedxml import ElementTree
from openpyxl.utils import get_column_letter, range_boundaries

from xlkit.book import BaseBook, Book, area_bounds
from xlkit.errors import (DAMAGED_BEHIND_PASSWORD, InvalidWorkbook, PasswordNeeded, WrongPassword, XlkitError, XlkitOutput,
                          opened_with_first_fitting, password_list)
from xlkit.odfcrypt import decrypted
from xlkit.ods import OdsBook, is_ods
from xlkit.package import check_zip, ole_streams
from xlkit import stored
from xlkit.problems import Problem, hidden_problems
from xlkit.records import WorkbookData
from xlkit.values import CPR_PATTERN, danish_number, without_cpr
from xlkit.workbook import MAX_CELL_TEXT, METADATA_LABELS, METADATA_SHEET, NAME_PREFIX, holds_cpr

OUTPUT_KINDS = {"skoleoversigt": "en skoleoversigt", "xlwings-eksempel": "eksemplet med xlwings-funktioner"}
MAX_FILE_BYTES = 50 * 1024 * 1024
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_SPIN_COUNT = 1_000_000  # hash rounds per password in a protected .xlsx: Excel writes 100,000 (~0.1 s)
READ_TIMEOUT = 30.0  # seconds for one file; a hung parse must not hang the run
MAX_OPENPYXL_CELLS = 200_000  # in a workbook opened with openpyxl (add-test, class lists, test definitions)
MAX_OPENPYXL_TAGS = 4 * MAX_OPENPYXL_CELLS  # <c>, <v> and their end tags; the årshjul has about 37,000 in all
MAX_PROBLEMS = 500  # per file: a class sheet with text in every cell must not flood the leaders' list
MAX_METADATA_NESTING = 32  # lists and objects inside each other in one hidden value; xlkit writes at most 4


def require_defusedxml() -> None:
    """openpyxl silently falls back to the standard XML parser without defusedxml."""
    if not openpyxl.xml.DEFUSEDXML:
        raise XlkitError("Pakken defusedxml mangler; xlkit læser ikke regneark uden den. Installér xlkit igen.")


def _file_bytes(path: str | Path, passwords: Sequence[str]) -> bytes:
    """The file's bytes (decrypted), refused when too large, encrypted without a password,
    an old binary format or not a zip file at all."""
    require_defusedxml()
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidWorkbook(
                f"Filen er for stor ({size // (1024 * 1024)} MB; grænsen er {MAX_FILE_BYTES // (1024 * 1024)} MB)."
            )
        data = path.read_bytes()
    except OSError as error:
        raise InvalidWorkbook(f"Filen kan ikke åbnes ({error.strerror or error}).") from None
    if not data:  # said plainly (review: it was called damaged or renamed)
        raise InvalidWorkbook("Filen er tom (0 byte); den blev måske ikke gemt færdig eller kopieret helt. "
                              "Bed om en ny kopi.")
    if data.startswith(OLE_SIGNATURE):
        data = _decrypt(data, passwords)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidWorkbook("Filen er ikke et regneark (.xlsx eller .ods); den kan være beskadiget eller omdøbt.")
    return data


def _decrypt(data: bytes, passwords: Sequence[str]) -> bytes:
    """An OLE file is a password-protected .xlsx (decrypted here), an .xlsx under rights
    management, an old .xls, or another Office document; told apart by its streams."""
    streams = ole_streams(data)
    if streams & {"workbook", "book"}:  # with or without a password: still the old format
        raise InvalidWorkbook("Filen er i det gamle .xls-format. Åbn den i Excel, og gem den som "
                              "Excel-projektmappe (.xlsx).")
    if "encryptedpackage" in streams and "encryptioninfo" not in streams:
        raise InvalidWorkbook("Filen er krypteret med en følsomhedsmærkat (Microsoft 365), som kun Office kan åbne. "
                              "Bed afsenderen om en kopi med en mærkat uden kryptering.")
    if "encryptedpackage" not in streams:
        raise InvalidWorkbook("Filen er ikke et regneark (.xlsx eller .ods), men et andet Office-dokument "
                              "(fx fra Word), der er omdøbt.")
    return opened_with_first_fitting(passwords, lambda password: _office_decrypted(data, password))


def _office_decrypted(data: bytes, password: str) -> bytes:
    import msoffcrypto

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        spins = office.info["spinValue"] if getattr(office, "type", None) == "agile" else 0
    except Exception:  # a container msoffcrypto cannot follow: no password opens it
        raise WrongPassword() from None
    if spins > MAX_SPIN_COUNT:  # each password costs two derivations of this many hashes in Python
        raise InvalidWorkbook(f"Filens adgangskode er gemt med usædvanligt mange beregninger ({danish_number(spins)}; "
                              "Excel bruger 100.000). Åbn den i Excel, og gem den igen.")
    try:
        office.load_key(password=password, verify_password=True)
    except Exception:  # the file's verifier says whether the password is right
        raise WrongPassword() from None
    out = io.BytesIO()
    try:
        office.decrypt(out)
    except Exception:  # msoffcrypto checks that the result is a zip package
        raise InvalidWorkbook(DAMAGED_BEHIND_PASSWORD) from None
    return out.getvalue()


def open_workbook(path: str | Path, formulas: bool = False):
    """An openpyxl workbook from an untrusted file, or InvalidWorkbook: cell values as last
    calculated, or with `formulas` the formulas themselves. Slower than `Book`; used where
    the formulas or the full object model are needed (add-test, class lists, definitions).
    These commands write new files, which would lose a password, so they take none."""
    try:
        data = _file_bytes(path, ())
    except PasswordNeeded:
        raise InvalidWorkbook("Filen er beskyttet med adgangskode, og det kan denne kommando ikke bruge. Gem en kopi "
                              "uden adgangskode, og brug den.") from None
    with check_zip(data) as archive:
        if is_ods(archive):
            raise InvalidWorkbook("Filen er et OpenDocument-regneark (.ods), og det kan denne kommando ikke bruge. "
                                  "Gem den som Excel-projektmappe (.xlsx).")
        _within_openpyxl_limits(archive)
    try:
        with time_limit(READ_TIMEOUT), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops; values are unaffected
            return openpyxl.load_workbook(io.BytesIO(data), data_only=not formulas, keep_vba=False, keep_links=False)
    except InvalidWorkbook:
        raise
    except Exception as error:  # openpyxl, zipfile and XML parsers raise many types on bad bytes
        raise InvalidWorkbook(f"Filen er beskadiget og kan ikke læses (teknisk årsag: {type(error).__name__}).") from None


def _within_openpyxl_limits(archive: zipfile.ZipFile) -> None:
    """openpyxl makes an object (~400 bytes, ~8 us) of every element it reads and of every
    cell a merged range or a hyperlink covers: a forged 3 MB file of four million cells took
    35 s and 1.5 GB, a 2 kB one merging A1:XFD1048576 3.5 GB. So elements are counted (at C
    speed) and ranges measured first, in every part (a relationship can make a sheet of a
    part with any name)."""
    tags = covered = 0
    for info in archive.infolist():
        part = archive.read(info)
        tags += part.count(b"<")
        if tags <= MAX_OPENPYXL_TAGS and (b"mergeCell" in part or b"hyperlink" in part):
            covered += _cells_covered(part)
        if tags > MAX_OPENPYXL_TAGS or covered > MAX_OPENPYXL_CELLS:
            raise InvalidWorkbook(f"Projektmappen har unormalt mange celler eller dele (over "
                                  f"{danish_number(MAX_OPENPYXL_CELLS)} celler); et skema fra xlkit har nogle få "
                                  "tusinde. Filen er ikke læst.")


def _cells_covered(part: bytes) -> int:
    """The cells the merged ranges and hyperlinks of a part cover, read by an XML parser as
    openpyxl reads them (entities, quoting and attribute order are the parser's business)."""
    covered = 0
    try:
        for _, element in ElementTree.iterparse(io.BytesIO(part)):
            if element.tag.rsplit("}", 1)[-1] in ("mergeCell", "hyperlink"):
                covered += _cells_in_range(element.get("ref") or "")
            element.clear()
    except Exception:  # not XML (or entities, which defusedxml refuses): openpyxl cannot read it either
        pass
    return covered


def _cells_in_range(ref: str) -> int:
    """How many cells openpyxl makes for a range (a whole row or column counts in full)."""
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref.strip().replace("$", ""))
    except (ValueError, TypeError):
        return 0  # openpyxl cannot read it either; the load fails and is reported
    columns = abs((max_col or 16_384) - (min_col or 1)) + 1
    rows = abs((max_row or 1_048_576) - (min_row or 1)) + 1
    return columns * rows


def open_book(path: str | Path, passwords: Sequence[str] = ()) -> BaseBook:
    """A fast view of the workbook (.xlsx or .ods), decrypted with the first of `passwords`
    that fits when protected."""
    archive = check_zip(_file_bytes(path, passwords))
    try:
        if not is_ods(archive):
            return Book(archive)
        plain = decrypted(archive, passwords)
        return OdsBook(archive if plain is None else check_zip(plain))
    except InvalidWorkbook:
        raise
    except Exception as error:
        raise InvalidWorkbook(f"Filen er beskadiget og kan ikke læses (teknisk årsag: {type(error).__name__}).") from None


def output_kind(path: str | Path, passwords: Sequence[str] = ()) -> str | None:
    """The kind of file xlkit wrote at `path` ("skoleoversigt"), or None for any other file
    (and for a protected file none of `passwords` opens)."""
    try:
        book = open_book(path, passwords)
    except InvalidWorkbook:
        return None
    try:
        return book.output_kind()
    finally:
        book.close()


def nesting(value: object) -> int:
    """How deep lists and dicts lie inside each other in a JSON value, found without recursion;
    the count stops once past MAX_METADATA_NESTING."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= MAX_METADATA_NESTING:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            stack.extend((inner, depth + 1) for inner in (item.values() if isinstance(item, dict) else item))
    return deepest


def _hidden_value(key: str, text: str) -> object:
    """One hidden value's JSON. A deeply nested one (a forged file) is refused: it could not
    be sent back from a reading process (pickle recurses) nor searched for CPR numbers."""
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        pass
    else:
        if text.count("[") + text.count("{") <= MAX_METADATA_NESTING or nesting(value) <= MAX_METADATA_NESTING:
            return value
    raise InvalidWorkbook(f"Skemaets skjulte oplysning '{without_cpr(key)}' er beskadiget.")


def read_metadata(workbook) -> dict:
    """The identity xlkit stored on its very hidden sheet; InvalidWorkbook when absent."""
    if METADATA_SHEET not in workbook.sheetnames:
        if isinstance(workbook, BaseBook) and (kind := workbook.output_kind()) in OUTPUT_KINDS:  # not openpyxl's
            raise XlkitOutput(f"Filen er {OUTPUT_KINDS[kind]} lavet af xlkit, ikke et skema; den er ikke læst.")
        raise InvalidWorkbook("Filen er ikke lavet med xlkit (de skjulte skabelonoplysninger mangler).")
    metadata = {}
    for key, value in workbook[METADATA_SHEET].iter_rows(min_row=1, max_row=200, max_col=2, values_only=True):
        if not isinstance(key, str) or not isinstance(value, str):
            continue
        if len(value) > MAX_CELL_TEXT:  # xlkit never writes more (write_metadata); Excel keeps no more in a cell
            raise InvalidWorkbook("En af skemaets skjulte oplysninger er længere, end en celle kan rumme; filen er ændret med et andet program.")
        metadata[key] = _hidden_value(key, value)
        # school, class, subject, test and plan texts are repeated in summaries and calendars; the
        # JSON text is scanned first; any escape (\u, \/, \n) could hide a number from that scan (review)
        if (CPR_PATTERN.search(value) or "\\" in value) and holds_cpr(metadata[key]):
            raise InvalidWorkbook(f"Skemaets skjulte oplysning om {METADATA_LABELS.get(key, 'noget')} indeholder "
                                  "noget, der ligner et CPR-nummer; filen er ikke læst. Lav skemaet igen med xlkit.")
    if "kind" not in metadata:
        raise InvalidWorkbook("Filen er ikke lavet med xlkit (skabelontypen mangler).")
    if any(type(metadata.get(key, "")) is not str for key in ("kind", "xlkit_version")):
        raise InvalidWorkbook("Skemaets skjulte oplysninger er beskadigede (skabelontype eller version).")
    try:  # the identity every kind is compared by (versions, copies of one class): found in review, a
        # list as start year or a 5,000-digit version passed the reader and stopped the whole run
        stored.text(metadata["kind"], "Skabelontypen", 40)
        stored.text(metadata.get("xlkit_version", ""), "xlkit-versionen", 40)
        for key, low, high in (("start_year", 1900, 2200), ("start_grade", 0, 10)):
            if key in metadata:
                stored.integer(metadata[key], low, high, "Klassens start")
        if "subject" in metadata:
            stored.text(metadata["subject"], "Skemaets fag")
    except ValueError as error:
        raise InvalidWorkbook(f"Skemaets skjulte oplysninger er ugyldige ({error}). Lav skemaet igen med xlkit.") from None
    return metadata


def read_workbook(path: str | Path, label: str | None = None, passwords: Sequence[str] = (),
                  timeout: float | None = READ_TIMEOUT) -> WorkbookData:
    """Read one filled workbook of any known template kind, within `timeout` seconds."""
    from xlkit.templates import template_for  # the registry imports the template modules

    label = label or Path(path).name
    passwords = password_list(passwords)
    with time_limit(timeout):
        try:
            book = open_book(path, passwords)
        except (XlkitError, ReadTimeout):
            raise
        except Exception as error:  # whatever the bytes provoke, one error type leaves the reader
            raise InvalidWorkbook(f"Filen er beskadiget (teknisk årsag: {type(error).__name__}).") from None
        try:
            metadata = read_metadata(book)
            template = template_for(metadata["kind"])
            data = template.read(book, metadata, label)
            data.saved_at = book.modified
            file_problems = _file_warnings(book, label, template.OWN_SHEETS, template.UNREAD_SHEET_ACTION)
            data.problems = _capped(file_problems + data.problems, label)  # file-wide first: kept
            return data
        except (InvalidWorkbook, ReadTimeout, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # calamine, zip and XML errors surface lazily, while cells are read;
            # a panic in calamine's Rust code arrives as pyo3's PanicException, a BaseException
            raise InvalidWorkbook(f"Skemaet er beskadiget eller ændret, så det ikke kan læses "
                                  f"(teknisk årsag: {type(error).__name__}).") from None
        finally:
            book.close()


def _capped(problems: list[Problem], label: str) -> list[Problem]:
    """The first MAX_PROBLEMS problems of a file and one line saying how many more there are."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return problems[:MAX_PROBLEMS] + [hidden_problems(label, len(problems) - MAX_PROBLEMS, MAX_PROBLEMS)]


NOT_INPUTS = {"xlkit_fokus", "xlkit_current_term"}  # named formula cells, not typed by teachers


def _file_warnings(book: BaseBook, label: str, own_sheets: tuple[str, ...], unread_action: str) -> list[Problem]:
    """What is odd about the file as a whole: macros, external links, sheets with content
    that xlkit does not read (a copied test sheet, say), merged input cells and formulas in
    input cells that carry no result (which read as empty). `own_sheets`: the template's
    sheets that no name points to (its formula sheets); `unread_action`: what the template
    says about a sheet it does not read."""
    problems = []
    if book.has_macros:
        problems.append(Problem("macros", "Filen indeholder makroer.",
                                "Kun værdierne er læst; makroerne er hverken kørt eller kopieret.", label))
    if book.external_links:
        problems.append(Problem("external-links", f"Filen har {len(book.external_links)} link(s) til andre filer.",
                                "Kun værdierne i filen er læst; linkene er ikke fulgt.", label))
    for title in book.trimmed_sheets:
        problems.append(Problem("cells-outside-area", "Arket har celler langt uden for skemaets område.",
                                "Cellerne uden for skemaets område er ikke læst.", label, title))
    regions: dict[str, list[tuple[int, int, int, int]]] = {}
    named: set[str] = set()
    for name, defined in book.defined_names.items():
        if not name.startswith(NAME_PREFIX):
            continue
        for sheet, area in defined.destinations:
            named.add(sheet)
            if name in NOT_INPUTS:
                continue
            min_col, min_row, max_col, max_row = area_bounds(area)
            regions.setdefault(sheet, []).append((min_row, min_col, max_row, max_col))
    for number, title in enumerate(book.sheetnames, start=1):
        if title not in named and title != METADATA_SHEET and title not in own_sheets and book.has_values(title):
            # teachers name sheets after students: the title is pseudonymised like a name
            problems.append(Problem("unread-sheet", f"Arket '{title}' (ark nr. {number}) er ikke læst: ingen af "
                                    "skemaets områder ligger i det.", unread_action, label, title, student=title))
    for sheet, areas in regions.items():
        if sheet not in book.sheetnames:
            continue

        top, left = min(area[0] for area in areas), min(area[1] for area in areas)
        bottom, right = max(area[2] for area in areas), max(area[3] for area in areas)
        for r1, c1, r2, c2 in book[sheet].merged_ranges:
            if r1 <= bottom and top <= r2 and c1 <= right and left <= c2 and any(  # rectangles meet
                    r1 <= b2 and b1 <= r2 and c1 <= d2 and d1 <= c2 for b1, d1, b2, d2 in areas):
                problems.append(Problem("merged-input", "Indtastningsceller er flettet sammen.",
                                        "Kun værdien i den øverste venstre celle er læst. Ophæv fletningen.",
                                        label, sheet, f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"))
        for row, col, coordinate in book[sheet].formulas_without_value(areas):
            problems.append(Problem("formula-without-value", "Cellen har en formel uden gemt resultat og læses som tom.",
                                    "Åbn filen i Excel eller LibreOffice, og gem den igen, eller skriv værdien i stedet.",
                                    label, sheet, coordinate))
    return problems


class ReadTimeout(BaseException):
    """Not an Exception, so no broad handler on the way up can mistake it for a damaged file."""


@contextmanager
def time_limit(seconds: float | None):
    """Stop a read that takes longer than `seconds` (Unix main thread; elsewhere no limit)."""
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise ReadTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except ReadTimeout:
        raise InvalidWorkbook(f"Læsningen tog mere end {seconds:g} sekunder og er stoppet.") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

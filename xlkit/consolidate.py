"""From a folder of filled workbooks to the figures of the leaders' summary.

Reading is per file and never stops the run: a file that cannot be read becomes a
problem row naming it. Copies of a class are merged, conflicts between files reported,
and each class summarised for the chosen term; summary.py writes the result.
"""

from __future__ import annotations

import os
import pickle
import re
import unicodedata
import zipfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from openpyxl.utils.cell import coordinate_from_string

from xlkit import __version__, overblik_summary, rules, templates  # noqa: F401  (templates: see read_all)
from xlkit.book import danish_time
from xlkit.errors import MAX_PASSWORDS, InvalidWorkbook, XlkitError, XlkitOutput, password_list
from xlkit.roster import is_class_list_csv
from xlkit.isolated import CRASHED, limit_cpu, prepare_process, process_context, run_alone, unexpected
from xlkit.values import danish_list, danish_number, looks_like_cpr
from xlkit.problems import Problem
from xlkit.records import Record, WorkbookData
from xlkit.ods import is_ods
from xlkit.package import ole_streams, small_directory
from xlkit.reader import MAX_FILE_BYTES, OLE_SIGNATURE, read_workbook
from xlkit.rules import Scale
from xlkit.terms import Term, parse_term_label, school_year_of

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".ods"}  # .ods: a workbook LibreOffice saved in its own format
IDENTITY_KEYS = ("kind", "xlkit_version", "start_year", "start_grade", "subject")  # kept from a file's metadata
SAVE_AS_XLSX = "Gem den som Excel-projektmappe (.xlsx)."
OTHER_FILES = {  # files a teacher may send instead of a workbook: what the leaders are told to do
    **dict.fromkeys((".xls", ".xlsb", ".xlt", ".xltx", ".xltm", ".ots", ".fods", ".numbers", ".csv"), SAVE_AS_XLSX),
    ".zip": "Pak skemaerne ud i mappen, og flyt zip-filen ud af mappen; så læses de.",
}


@dataclass
class FileStatus:
    file: str
    read: bool
    note: str = ""
    data: WorkbookData | None = None  # identity and problems; the records are summarised, not kept
    term: Term | None = None
    merged_into: str = ""  # a copy of a class merged into this file
    record_count: int = 0
    own_output: bool = False  # a file xlkit wrote (a summary): not read, and not counted as skipped
    class_name: str = ""  # an overbliksark's class at its latest test summarised
    left_out: bool = False  # read, but its class is not in the overview (another scale, no ratings)


@dataclass
class ClassSummary:
    """One class's numbers for the chosen term, per subject."""

    data: WorkbookData
    term: Term
    previous: Term | None
    counts: dict[str, dict[int, int]]  # subject -> level -> n
    previous_counts: dict[str, dict[int, int]]
    focus: list[dict]  # one row per student in focus
    means: dict[tuple[str, str], float] = field(default_factory=dict)  # (subject, term label) -> mean, every term
    changes: dict[str, rules.SameStudents] = field(default_factory=dict)  # subject -> since the term before, if any
    not_rated: dict[str, int] = field(default_factory=dict)  # subject -> students on the list without a rating
    from_text: int = 0  # ratings in the term or the one before read from text ("gul"): counted here, not by the sheet
    students: int = 0  # on the class list, or rated in the term
    ratings: dict[str, tuple[str, str, tuple]] = field(default_factory=dict)  # student key -> (name, UNI-login,
    # rating per subject or None) in the term: to put ratings next to test results; the login is never written
    numbers: dict[str, int | None] = field(default_factory=dict)  # student key -> Nr, of the students in `ratings`
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)  # subject -> (sheet, column) of the term,
    # where rated: to name the empty cell of a student in focus in an older workbook
    unrated: dict[str, tuple[str, str]] = field(default_factory=dict)  # student key -> (name, UNI-login) of the
    # students on the list with no rating in the term: a student in focus in an older workbook may be one

    def listed(self) -> dict[str, tuple[str, str]]:
        """Student key -> (name, UNI-login) of everyone on the class list, rated in the term or not."""
        return {key: (name, login) for key, (name, login, _) in self.ratings.items()} | self.unrated


@dataclass
class FileResult:
    """What reading one file leaves for the summary. Reading processes send this back
    instead of every record, so the summary's memory does not grow with the records; only
    a class that arrives in several copies is read again with its records, to merge them."""

    label: str
    data: WorkbookData | None  # None when the file could not be read; records emptied
    code: str = ""
    message: str = ""
    record_count: int = 0
    summary: ClassSummary | None = None  # elevvurdering: the chosen term
    tests: list = field(default_factory=list)  # overblik: TestSummary per test with points
    logins: list[tuple] = field(default_factory=list)  # (UNI-login, class, student, (sheet, cell) of the login)
    terms_with_data: set[tuple] = field(default_factory=set)  # (school year, season offset, label)
    earlier: ClassSummary | None = None  # with --termin, a workbook without the term: its latest term, which a
    # class's new stage workbook may be compared with

    @classmethod
    def of(cls, data: WorkbookData, term_label: str | None) -> FileResult:
        identity = {key: data.metadata[key] for key in IDENTITY_KEYS if key in data.metadata}
        result = cls(data.file, replace(data, records=[], metadata=identity, roster=[], login_cells={}), record_count=len(data.records))
        # in record order, so the conflict check names the class of a student's latest term, as before
        result.logins = list(dict.fromkeys((r.uni_login, r.class_name, r.student, data.login_cells.get((r.uni_login.casefold(), r.student.casefold()), ("", "")))
                                           for r in data.records if r.uni_login))
        if data.kind == "overblik":
            result.tests = overblik_summary.summarise(data, term_label)
            for test in result.tests:
                test.data = result.data
        elif data.kind == "elevvurdering":
            terms = {id(r.term): r.term for r in data.records}.values()  # records share a few Term objects
            result.terms_with_data = {(t.school_year, t.season.year_offset, t.label) for t in terms}
            result.summary = _summarise(data, term_label)
            if result.summary is not None:
                result.summary.data = result.data
            elif not _covers(data, term_label):  # its own warnings are for a term not chosen: not said
                result.earlier = _summarise(replace(data, problems=[]), None)
                if result.earlier is not None:
                    result.earlier.data = result.data
        return result


@dataclass
class Consolidation:
    files: list[FileStatus] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    classes: list[ClassSummary] = field(default_factory=list)
    tests: list[overblik_summary.TestSummary] = field(default_factory=list)
    scale: Scale | None = None
    focus_rule: rules.FocusRule | None = None
    term_keys: set[tuple] = field(default_factory=set)  # every elevvurdering term with data
    unsure_logins: set[str] = field(default_factory=set)  # under more than one name: they identify no one

    @property
    def terms_used(self) -> list[str]:
        """The terms the classes were summarised for, oldest first."""
        terms = {(c.term.school_year, c.term.season.year_offset, c.term.label) for c in self.classes}
        return [label for *_, label in sorted(terms)]

    @property
    def terms_with_data(self) -> list[str]:
        return [label for *_, label in sorted(self.term_keys)]

    @property
    def read_count(self) -> int:
        return sum(1 for f in self.files if f.read)

    @property
    def skipped(self) -> list[FileStatus]:
        return [f for f in self.files if not f.read and not f.own_output]

    @property
    def left_out(self) -> list[FileStatus]:
        """Read, but the class is missing from the overview: "Læste 3 af 3 filer" alone hid it
        (found by the red team), so it is named like a skipped file."""
        return [f for f in self.files if f.left_out]

    def record_count(self, kind: str) -> int:
        return sum(f.record_count for f in self.files if f.data and f.data.kind == kind and not f.merged_into)

    @property
    def focus_count(self) -> int:
        return sum(len(c.focus) for c in self.classes)


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


CLASS_LIST_NOTE = "En elevliste (til xlkit new), ikke et skema: ikke læst"


def find_workbooks(folder: Path) -> tuple[list[Path], list[Path]]:
    """Workbooks under `folder` (recursive, sorted), and other spreadsheet files found.

    Excel's lock files (~$name.xlsx) and hidden files are skipped silently. A workbook
    whose name lost its ending ("elevvurdering 9B", "9A.xlsx.pdf") is found by its content:
    the class went missing unseen (found in review).
    """
    workbooks, others = [], []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.startswith(("~$", ".")):
            continue
        suffix = path.suffix.lower()
        if suffix in WORKBOOK_SUFFIXES:
            workbooks.append(path)
        elif suffix in OTHER_FILES:
            if suffix != ".zip" or _holds_workbooks(path):
                others.append(path)
        elif suffix not in NOT_SPREADSHEETS and not EXCEL_TEMP_FILE.fullmatch(path.name) and _is_spreadsheet(path):
            workbooks.append(path)
    return workbooks, others


def _is_spreadsheet(path: Path) -> bool:
    """Whether a file with another ending is a spreadsheet all the same: a zip package with
    an Excel workbook part or the OpenDocument spreadsheet type, or an OLE file holding a
    protected package or an old .xls. Looked into only as far as the zip directory or the
    OLE streams, both checked for size first; other files (PDFs, photos) by 8 bytes."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return False
        with path.open("rb") as file:
            head = file.read(len(OLE_SIGNATURE))
        if head == OLE_SIGNATURE:
            return bool(ole_streams(path.read_bytes()) & {"encryptedpackage", "workbook", "book"})
        return _zip_ending(path) is not None
    except Exception:  # damaged or unreadable: not recognisably a spreadsheet, so like any other file
        return False


CONTENT_NAMES = {".ods": "et OpenDocument-regneark (.ods)", ".xlsx": "en Excel-projektmappe (.xlsx)",
                 ".xlsm": "en Excel-projektmappe med makroer (.xlsm)"}


def _misnamed(path: Path, label: str, result: Consolidation) -> None:
    """A workbook whose name does not end as its content needs: an .ods that lost its ending
    was told to be named .xlsx, and one saved under an .xlsx name was read without a word,
    though Excel opens neither (found by the red team)."""
    suffix, ending = path.suffix.lower(), _zip_ending(path)
    if suffix not in WORKBOOK_SUFFIXES:
        ending = ending or ".xlsx"
        result.problems.append(Problem(
            "workbook-misnamed", "Filen er et regneark, men navnet ender ikke på .xlsx eller .ods.",
            f"xlkit har genkendt den på indholdet. Giv den et navn, der ender på {ending} (fx 7A{ending}), så den "
            "også åbner med et dobbeltklik.", label))
    elif ending and ending != suffix and not (suffix == ".xlsm" and ending == ".xlsx"):
        result.problems.append(Problem(
            "workbook-misnamed", f"Filen er {CONTENT_NAMES[ending]}, men navnet ender på {path.suffix}.",
            f"xlkit har læst den på indholdet, men Excel kan ikke åbne den under det navn. Giv den et navn, der "
            f"ender på {ending} (fx 7A{ending}).", label))


def _zip_ending(path: Path) -> str | None:
    """The ending a zip package's content calls for (.ods, .xlsx, or .xlsm with macros), or
    None for any other file (also a protected workbook, which is an OLE file either way);
    looked into only as far as the zip directory, checked for size first."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        with path.open("rb") as file:
            if file.read(4) != b"PK\x03\x04" or not small_directory(path):
                return None
        with zipfile.ZipFile(path) as archive:
            if is_ods(archive):
                return ".ods"
            names = {name.lower() for name in archive.namelist()}
    except Exception:  # damaged or unreadable: the reader says what is wrong with it
        return None
    if "xl/workbook.xml" not in names:
        return None
    return ".xlsm" if "xl/vbaproject.bin" in names else ".xlsx"


def _holds_workbooks(path: Path) -> bool:
    """Whether a zip file holds workbooks (a folder sent as one file); other zip files
    (photos, backups) are none of the summary's business."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES or not small_directory(path):
            return False
        with zipfile.ZipFile(path) as archive:
            return any(Path(name).suffix.lower() in WORKBOOK_SUFFIXES for name in archive.namelist())
    except Exception:  # zipfile raises many types on damaged bytes
        return False


# Endings never looked into: other Office documents (an encrypted one is an OLE file just like a
# protected workbook) and Excel's own backups, which would come back as copies of the class
# and bring deleted values back with them (both found in review)
NOT_SPREADSHEETS = {".doc", ".docx", ".docm", ".dot", ".dotx", ".ppt", ".pptx", ".pptm", ".pot", ".potx", ".msg",
                    ".pub", ".vsd", ".vsdx", ".xlk", ".bak", ".tmp"}
EXCEL_TEMP_FILE = re.compile(r"[0-9A-F]{8}")  # what Excel saves into first, named without an ending


Job = tuple[Path, str, "tuple[str, ...]", "str | None", bool]  # path, label, passwords, term, keep records


def _read_one(job: Job) -> FileResult:
    """Read one file and summarise it (with `keep records` the records stay, for merging
    copies). Runs in reading processes, so it never raises: one broken file must not stop
    the others."""
    path, label, passwords, term_label, keep_records = job
    try:
        data = read_workbook(path, label, passwords)
        if keep_records:
            return FileResult(label, data)
        return FileResult.of(data, term_label)
    except XlkitOutput as error:
        return FileResult(label, None, XLKIT_OUTPUT, str(error))
    except XlkitError as error:
        return FileResult(label, None, "unreadable-file", str(error))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # a bug, or a panic in native code, must not cost the other files
        return _unexpected(label, error)


def _unexpected(label: str, error: BaseException) -> FileResult:
    return FileResult(label, None, CRASHED, unexpected(error))


CHUNK = 8  # files sent to a reading process at a time


def _read_in_process(job: Job) -> bytes:
    """`_read_one` in a reading process, under a CPU limit for this file (see isolated.py).

    The result is pickled here: a result that cannot be (found in review: a hidden value
    nested 900 deep) would otherwise fail in the pool and stop the whole run."""
    limit_cpu()
    try:
        return pickle.dumps(_read_one(job), pickle.HIGHEST_PROTOCOL)
    except Exception as error:
        return pickle.dumps(_unexpected(job[1], error))


def read_all(jobs: list[Job], workers: int, on_file=None):
    """Read the files in `workers` separate processes (at least one, so a crash in native
    code costs only the file that caused it; each read also has its own time limit), in the
    order given. workers=0 reads in this process (for debugging)."""
    if workers <= 0:
        for job in jobs:
            yield _read_one(job)
            if on_file:
                on_file(job[0])
        return
    # Forked processes inherit the imported template modules (imported at the top of this
    # module), so no reading process pays for importing them again.
    context = process_context()
    start = 0
    while start < len(jobs):
        done = 0
        try:
            with ProcessPoolExecutor(workers, mp_context=context, initializer=prepare_process) as pool:
                for result in pool.map(_read_in_process, jobs[start:], chunksize=CHUNK):
                    done += 1
                    yield pickle.loads(result)
                    if on_file:
                        on_file(None)
        except BrokenProcessPool:
            # A file took its reading process down (a crash, or killed at the CPU limit). The
            # processes were reading the next chunks in order: those files are read again one
            # by one, each in its own process, so only that file is lost; then a new pool
            # reads the rest (if the file was further on, that pool breaks there in turn).
            for job in jobs[start + done:start + done + workers * CHUNK]:
                yield _read_alone(job, context)
                done += 1
                if on_file:
                    on_file(None)
        start += done


def _read_alone(job: Job, context) -> FileResult:
    """One file read in a process of its own; a process that dies is reported by how it died."""
    try:
        return run_alone(job[1], _read_one, job, context=context)
    except InvalidWorkbook as error:  # _read_one itself never raises
        return FileResult(job[1], None, getattr(error, "code", CRASHED), str(error))


def consolidate(
    folder: str | Path,
    term_label: str | None = None,
    on_file: Callable[[Path], None] | None = None,
    workers: int = 1,
    passwords: Sequence[str] = (),
    school: str | None = None,
) -> Consolidation:
    """Read every workbook under `folder`; `term_label` ('efterår 2026') picks the term;
    `workers` processes read in parallel; `passwords` open password-protected files (each
    with the first that fits)."""
    folder = Path(folder)
    result = Consolidation()
    workbooks, others = find_workbooks(folder)
    for path in others:
        label = _label(path, folder, result)
        if path.suffix.lower() == ".csv" and is_class_list_csv(path):
            result.files.append(FileStatus(label, False, CLASS_LIST_NOTE, own_output=True))
            continue
        advice = OTHER_FILES[path.suffix.lower()]
        # the terminal's line is all many leaders read: it gives the sheet's advice too (red team)
        result.files.append(FileStatus(label, False, f"Filtypen {path.suffix} læses ikke (kun .xlsx, .xlsm og .ods). "
                                                     f"{advice}"))
        result.problems.append(Problem(
            "unsupported-format", f"Filtypen {path.suffix} læses ikke.", f"Filen er sprunget over. {advice}", label,
        ))
    passwords = password_list(passwords)
    if len(passwords) > MAX_PASSWORDS:
        raise ValueError(f"at most {MAX_PASSWORDS} different passwords (each wrong one costs every protected file a key derivation)")
    jobs = [(path, _label(path, folder, result), passwords, term_label, False) for path in workbooks]
    for path, label, *_ in jobs:
        _misnamed(path, label, result)
    read = []
    shared: dict = {}
    for item in read_all(jobs, workers, on_file):
        if item.data is None:
            _skip(item, result)
        else:
            read.append(_share_equal_values(item, shared))
    read = _only_school(read, school, result)
    _report_newer_versions(read, result)
    read = _merge_copies(read, {label: path for path, label, *_ in jobs}, passwords, term_label, workers, result)
    unsure_logins = result.unsure_logins = _report_conflicts(read, result)
    result.scale = _common_scale(read)
    merged = {f.merged_into for f in result.files if f.merged_into}
    for item in read:
        data = item.data
        status = FileStatus(data.file, True, data=data, record_count=item.record_count)
        result.files.append(status)
        result.problems.extend(data.problems)
        result.term_keys |= item.terms_with_data
        if data.kind == "aarshjul":
            status.note = "Årshjul: tjekkes med xlkit plan check"
        elif data.kind == "overblik":
            result.tests.extend(item.tests)
            if item.tests:
                status.class_name = item.tests[-1].class_name
                status.note = f"Seneste prøve{' i eller før terminen' * bool(term_label)}: {item.tests[-1].test.name}"
            elif term_label:
                status.note = "Ingen prøver med point i eller før den valgte termin"
            else:
                status.class_name = f"{data.tests[-1].grade}.{data.class_letter}" if data.tests else ""
                status.note = "Ingen point endnu"
        elif _same_scale(data, result):
            if item.summary is None and not _covers(data, term_label):  # begun after the term: not missing it
                status.note = "Skemaet dækker ikke den valgte termin"
            elif item.summary is None:
                status.note = "Ingen vurderinger i den valgte termin" if term_label else "Ingen vurderinger endnu"
                status.left_out = True
                result.problems.append(_no_ratings(data, term_label))
            else:
                status.term = item.summary.term
                result.classes.append(item.summary)
        else:
            status.note = "Anden skala end de øvrige skemaer"
            status.left_out = True
        if data.file in merged:  # the count is the merged class's
            status.note = "; ".join(filter(None, [status.note, "tallet er for alle kopierne af klassen samlet"]))
    _newest_workbook_per_class(result, unsure_logins)
    _compare_with_ended_workbooks(result, [item.earlier for item in read if item.earlier], unsure_logins)
    result.files.sort(key=lambda f: f.file)
    result.classes.sort(key=lambda c: (c.term.grade, c.data.class_letter, c.data.school))
    _ratings_next_to_tests(result, unsure_logins)
    return result


def _newest_workbook_per_class(result: Consolidation, unsure: set[str]) -> None:
    """A class rated in two workbooks, such as 3.A's indskoling workbook next to the
    mellemtrin workbook it got in 4th grade: the class was summarised twice, its students
    counted twice in focus (found in review). It is summarised once, from the workbook with
    the latest term; the other is read, listed and named, and its means stay on Udvikling.
    When the other's term is the one just before, the class is compared with it."""
    by_class: dict[tuple, list[ClassSummary]] = {}
    for summary in result.classes:
        by_class.setdefault(class_cohort(summary.data), []).append(summary)
    statuses = {status.file: status for status in result.files}
    for summaries in by_class.values():
        if len(summaries) < 2:
            continue
        summaries.sort(key=lambda s: (s.term.school_year, s.term.season.year_offset,
                                      int(s.data.metadata.get("start_year", 0)), s.data.file))
        newest = summaries[-1]
        for older in reversed(summaries[:-1]):
            if (older.term.school_year, older.term.season.id) == (newest.term.school_year, newest.term.season.id):
                _same_term_in_older_workbook(newest, older, statuses[older.data.file], result)
                continue
            why_not = _not_comparable(newest, older)
            if not why_not:
                result.problems.extend(_compare_with_older_workbook(newest, older, unsure))
            result.classes.remove(older)
            for key, mean in older.means.items():
                newest.means.setdefault(key, mean)
            status = statuses[older.data.file]
            status.term = None
            status.note = f"Klassen er opgjort fra det nyere skema {newest.data.file}"
            if not why_not:
                status.note += f", sammenlignet med {older.term.label.lower()} fra dette skema"
            said = (f" Ændringer og fald siden {older.term.label.lower()} er regnet fra dette skema." if not why_not
                    else f" Fald og ændringer siden {older.term.label.lower()} ses ikke: {why_not}." if why_not != "compared"
                    else "")
            result.problems.append(Problem(
                "class-in-newer-workbook",
                f"Klassen ({older.data.class_name(older.term)} i {older.term.label}) har også vurderinger i "
                f"{newest.data.file} ({newest.data.class_name(newest.term)} i {newest.term.label}).",
                f"Oversigten viser klassen én gang, fra {newest.data.file}.{said}", older.data.file))


def _same_term_in_older_workbook(newest: ClassSummary, older: ClassSummary, status: FileStatus,
                                 result: Consolidation) -> None:
    """The old workbook of a class (7.A's, from 7th grade) still filled in the term of its new one
    (8.A's): its ratings in that term are not in the summary. They vanished with "det er ikke
    terminen lige før", and students at Rød in them were in no one's focus (found by the red
    team). Said as left out, with the cell, so --strict fails on it."""
    result.classes.remove(older)
    for (measure, label), mean in older.means.items():  # its earlier terms stay on Udvikling
        if label != newest.term.label:
            newest.means.setdefault((measure, label), mean)
    term = newest.term.label.lower()
    measure, (sheet, column) = next(iter(older.columns.items()))  # the first rated cell in the term
    position = older.data.measures.index(measure)
    rows = [_row_of_key(key)[0] for key, (_, _, values) in older.ratings.items() if values[position] is not None]
    status.term, status.left_out = None, True
    status.note = f"Vurderingerne i {term} er ikke med: klassen er opgjort fra det nyere skema {newest.data.file}"
    result.problems.append(Problem(
        "class-term-in-two-workbooks",
        f"Klassen ({older.data.class_name(older.term)}) har vurderinger i {term} både i dette skema og i "
        f"{newest.data.file}.",
        f"Oversigten bruger kun vurderingerne fra {newest.data.file}; dette skemas {plural(len(older.ratings), 'elev', 'elever')} "
        f"vurderet i {term} er ikke med. Skriv vurderingerne i {newest.data.file}, hvis de skal med.",
        older.data.file, sheet, f"{column}{min(rows)}" if rows else ""))  # none when only text was typed


def _compare_with_ended_workbooks(result: Consolidation, earlier: list[ClassSummary], unsure: set[str]) -> None:
    """With --termin, a class's old stage workbook ends before the chosen term and is not
    summarised, so the new workbook's first term was compared with nothing: a student who fell
    from 5 to 3 over the summer was in focus without --termin and not with the same term named
    (found by the red team). It is compared as without --termin: with the term just before."""
    by_class: dict[tuple, list[ClassSummary]] = {}
    for older in earlier:
        by_class.setdefault(class_cohort(older.data), []).append(older)
    statuses = {status.file: status for status in result.files}
    for newest in result.classes:
        just_before = _term_just_before(newest.term, newest.data.terms)
        for older in by_class.get(class_cohort(newest.data), ()):
            if (older.term.school_year, older.term.season.id) != just_before or _not_comparable(newest, older):
                continue
            result.problems.extend(_compare_with_older_workbook(newest, older, unsure))
            for key, mean in older.means.items():
                newest.means.setdefault(key, mean)
            statuses[older.data.file].note += (f"; {newest.data.file} er sammenlignet med {older.term.label.lower()} "
                                               "fra dette skema")


def _term_just_before(term: Term, terms: list[Term]) -> tuple[int, str] | None:
    """(school year, season id) of the term just before `term` in the calendar of `terms`'s
    template: the season before it, or the last season of the school year before."""
    seasons = list(dict.fromkeys(t.season.id for t in sorted(terms, key=lambda t: t.index)))
    if term.season.id not in seasons:
        return None
    position = seasons.index(term.season.id)
    return (term.school_year, seasons[position - 1]) if position else (term.school_year - 1, seasons[-1])


def _not_comparable(newest: ClassSummary, older: ClassSummary) -> str:
    """Why the newest workbook's term cannot be compared with the older workbook's (Danish),
    "compared" when it already is (with its own term before, or another workbook), or ""."""
    if newest.previous is not None:
        return "compared"
    if _term_just_before(newest.term, newest.data.terms) != (older.term.school_year, older.term.season.id):
        return f"det er ikke terminen lige før {newest.term.label.lower()}"
    if older.data.scale != newest.data.scale:
        return "skemaerne har forskellige skalaer"
    if not set(newest.data.measures) & set(older.data.measures):
        return "skemaerne har ingen fag fælles"
    return ""


def _compare_with_older_workbook(newest: ClassSummary, older: ClassSummary, unsure: set[str]) -> list[Problem]:
    """The class's first term in its new stage workbook compared with the old workbook's last
    one, as the sheet compares two of its own terms (the same focus rule, changes over the same
    students): without it, a student who fell from 5 to 3 over the summer was in no one's
    focus. Students are matched by UNI-login, else by a name only one student has in each.
    Returns a problem per student in focus in the old workbook and unrated in the new one."""
    shared = [m for m in newest.data.measures if m in older.data.measures]
    scale, rule = newest.data.scale, newest.data.focus_rule
    old_keys: dict[tuple, list[str]] = {}
    for key, found in _school_identities(older, unsure).items():
        for identity in found:
            old_keys.setdefault(identity, []).append(key)
    same: dict[str, str] = {}  # the student's key in the newest workbook -> in the older one
    for key, found in _school_identities(newest, unsure).items():
        match = next((keys[0] for identity in found if len(keys := old_keys.get(identity, [])) == 1), None)
        if match is not None:
            same[key] = match
    if len(set(same.values())) != len(same):  # one old student for two new ones: none of them is compared
        taken = Counter(same.values())
        same = {key: old for key, old in same.items() if taken[old] == 1}
    position_now = {m: i for i, m in enumerate(newest.data.measures)}
    position_before = {m: older.data.measures.index(m) for m in shared}

    def rating(summary: ClassSummary, key: str | None, position: int | None):
        return summary.ratings[key][2][position] if key in summary.ratings and position is not None else None

    newest.previous = older.term
    newest.previous_counts = {m: older.counts[m] if m in shared else scale.distribution([]) for m in newest.data.measures}
    newest.changes = {m: rules.same_students(
        scale, {k: v for k in newest.ratings if (v := rating(newest, k, position_now[m])) is not None},
        {k: v for k in same if (v := rating(older, same[k], position_before[m])) is not None}) for m in shared}
    in_focus_before = {f["key"]: f["reasons"] for f in older.focus}
    in_focus = {f["key"]: f for f in newest.focus}
    for key, (name, _, values) in newest.ratings.items():
        old = same.get(key)
        per_measure = {m: rule.reasons(scale, m, values[position_now[m]], rating(older, old, position_before.get(m)))
                       for m in newest.data.measures}
        if not any(per_measure.values()):
            continue
        row = in_focus.get(key)
        if row is None:
            row = in_focus[key] = {"nr": newest.numbers.get(key), "student": name, "term": newest.term.label,
                                   "current": dict(zip(newest.data.measures, values)), "key": key, "latest_test": ""}
            newest.focus.append(row)
        row["reasons"] = rules.focus_text([r for m in newest.data.measures for r in per_measure[m]])
        row["measures"] = {m for m, found in per_measure.items() if found}
        row["before"] = in_focus_before.get(old) or ("Nej" if old else "Ikke i det gamle skema")
    newest.focus.sort(key=lambda f: (f["nr"] is None, f["nr"] or 0, f["student"]))
    return _unrated_after_focus_in_older(newest, older, same)


def _unrated_after_focus_in_older(newest: ClassSummary, older: ClassSummary, same: dict[str, str]) -> list[Problem]:
    """As within one workbook: a student in focus in the old workbook's term and on the new one's
    list, but not rated in a subject of that focus, would drop off the focus list without a word
    (found in review). Subjects nobody is rated in yet are said by the few-ratings warning."""
    new_key = {old: key for key, old in same.items()}
    problems = []
    for before in older.focus:
        key = new_key.get(before["key"])
        if key is None:
            continue
        name, login, values = newest.ratings[key] if key in newest.ratings else (
            *newest.unrated[key], (None,) * len(newest.data.measures))
        for measure in sorted(before["measures"] & newest.columns.keys(), key=newest.data.measures.index):
            if values[newest.data.measures.index(measure)] is None:
                sheet, column = newest.columns[measure]
                problems.append(_unrated_in_focus(name, login or key, before["reasons"], measure, older.term, newest.term,
                                                  newest.data.file, sheet, f"{column}{_row_of_key(key)[0]}"))
    return problems


def _school_identities(summary: ClassSummary, unsure: set[str]) -> dict[str, list[tuple]]:
    """`_identities` without the class's name, which changes with its grade (3.A, 4.A), and with
    the listed students who have no rating in the term."""
    listed = summary.listed()
    return _identities(summary.data.school, "", {key: name for key, (name, _) in listed.items()},
                       {key: login for key, (_, login) in listed.items()}, unsure)


def _ratings_next_to_tests(result: Consolidation, unsure: set[str]) -> None:
    """Each student in focus gets the latest test results, and each student under niveau in a
    latest test the teacher's ratings: learning and well-being followed together (review: the
    leader matched names across sheets by hand, and found a student rated MAT 4 at 15 % of the
    points). A student is the same UNI-login at the same school, or else the same name in a
    class of the same name; a name twice in a class, or a login in `unsure`, is not used.
    Only the students shown are looked up, so a municipality's memory does not grow with it."""
    tests = [t for t in result.tests if t.latest]
    wanted: dict[tuple, list[dict]] = {}  # identity -> focus rows that want the student's test results
    for summary in result.classes:
        in_focus = {f["key"]: f for f in summary.focus}
        for key, identity in _identities(*_students_of(summary), unsure).items():
            if key in in_focus:
                in_focus[key]["latest_test"] = {}
                for found in identity:
                    wanted.setdefault(found, []).append(in_focus[key])
    below: dict[tuple, list[tuple]] = {}  # identity -> (test, student key, rank: 0 for a login)
    for test in tests:
        under = {key for key, *_ in overblik_summary.below_level(test, overblik_summary.level_of(test))}
        for key, identity in _identities(test.data.school, test.class_name, test.names, test.logins, unsure).items():
            total = test.student_totals.get(key)
            for rank, found in enumerate(identity):
                for focus in wanted.get(found, ()) if total is not None else ():
                    focus["latest_test"][id(test)] = f"{test.test.subject} {rules.percent(total)}"
                if key in under:
                    below.setdefault(found, []).append((test, key, rank))
    for summary in result.classes:
        for f in summary.focus:
            f["latest_test"] = "; ".join(f["latest_test"].values()) if f["latest_test"] else ""
    best: dict[tuple[int, str], tuple[int, str]] = {}
    for summary in result.classes:
        in_focus = {f["key"]: f for f in summary.focus}
        for key, identity in _identities(*_students_of(summary), unsure).items():
            targets = [target for found in identity for target in below.get(found, ())]
            if not targets:
                continue
            given = ", ".join(f"{m} {danish_number(v)}" for m, v in zip(summary.data.measures, summary.ratings[key][2])
                              if v is not None)
            text = f"I fokus ({in_focus[key]['reasons']}): {given}" if key in in_focus else f"Ikke i fokus: {given}"
            for test, test_key, rank in targets:
                if (id(test), test_key) not in best or rank < best[(id(test), test_key)][0]:
                    best[(id(test), test_key)] = (rank, text)
                    test.ratings[test_key] = text


def _students_of(summary: ClassSummary) -> tuple[str, str, dict[str, str], dict[str, str]]:
    """School, class name, names and UNI-logins by student key: what `_identities` takes."""
    return (summary.data.school, summary.data.class_name(summary.term),
            {key: name for key, (name, _, _) in summary.ratings.items()},
            {key: login for key, (_, login, _) in summary.ratings.items()})



def _identities(school: str, class_name: str, names: dict[str, str], logins: dict[str, str],
                unsure: set[str]) -> dict[str, list[tuple]]:
    """Per student key, what finds the student in another workbook: the UNI-login first (not
    one in `unsure`), then the name in the class (not when two students of the class share it)."""
    counted = Counter(name.casefold() for name in names.values())
    found = {}
    for key, name in names.items():
        login = logins.get(key, "").casefold()
        found[key] = ([("login", school_key(school), login)] if login and login not in unsure else []) + (
            [("name", school_key(school), class_name, name.casefold())] if counted[name.casefold()] == 1 else [])
    return found


def _share_equal_values(item: FileResult, shared: dict) -> FileResult:
    """Workbooks of one kind carry equal scales, rules, terms and test definitions, and each
    arrives from its reading process as a copy of its own. Keeping one object for each equal
    value makes the summary's memory grow with the classes' figures only."""
    def one(value):
        return None if value is None else shared.setdefault(value, value)

    data = item.data
    data.scale, data.focus_rule, data.thresholds = map(one, (data.scale, data.focus_rule, data.thresholds))
    data.terms = [one(term) for term in data.terms]
    data.tests = [one(test) for test in data.tests]
    if item.summary is not None:
        item.summary.term, item.summary.previous = one(item.summary.term), one(item.summary.previous)
    for test in item.tests:
        test.test = one(test.test)
    return item


XLKIT_OUTPUT = "xlkit-output"  # a summary or showcase xlkit wrote, in the folder read: left out, not a problem


def _skip(item: FileResult, result: Consolidation) -> None:
    if item.code == XLKIT_OUTPUT:
        result.files.append(FileStatus(item.label, False, item.message, own_output=True))
        return
    problem = Problem(item.code, item.message, "Filen er sprunget over.", item.label)
    result.files.append(FileStatus(item.label, False, problem.message))  # as the problem has it: no CPR number
    result.problems.append(problem)


def _common_scale(read: list[FileResult]) -> Scale | None:
    """The scale most elevvurdering files use (the first of them on a tie), so one file with
    another scale cannot push every other class out of the distributions."""
    scales = [item.data.scale for item in read if item.data.kind == "elevvurdering"]
    counts = Counter(scale.values for scale in scales)
    most = max(counts.values(), default=0)
    return next((scale for scale in scales if counts[scale.values] == most), None)


def _same_scale(data: WorkbookData, result: Consolidation) -> bool:
    """The common scale (see _common_scale) holds, and the focus rule of the first file with
    it; a file with another scale cannot share the distributions."""
    if data.scale.values != result.scale.values:
        result.problems.append(Problem(
            "different-scale", "Skemaet bruger en anden skala end de øvrige.",
            "Skemaet er ikke med i fordelingerne.", data.file,
        ))
        return False
    if result.focus_rule is None:
        result.focus_rule = data.focus_rule
    return True


CPR_FILE_NAME = "Filnavnet ligner et CPR-nummer."


def _label(path: Path, folder: Path, result: Consolidation) -> str:
    """The file's name as shown to leaders; a name holding a CPR number is never copied.
    Bytes that are not UTF-8 (names from a zip made on an old Windows) are shown as \\xf8:
    as undecodable characters they stopped the summary from being written (review)."""
    label = os.fsencode(path.relative_to(folder)).decode("utf-8", "backslashreplace")
    if looks_like_cpr(label):
        # numbered, not hashed: six hex digits of the name's hash gave the number back by trying
        # every birthday of a year, in seconds (found in review)
        number = 1 + sum(p.code == "cpr-number" and p.message == CPR_FILE_NAME for p in result.problems)
        suffix = path.suffix if path.suffix.lower() in WORKBOOK_SUFFIXES | OTHER_FILES.keys() else ""  # 'Bo.010203-1234'
        masked = f"(fil nr. {number} med CPR-nummer i navnet){suffix}"
        result.problems.append(Problem("cpr-number", CPR_FILE_NAME, "Navnet er ikke kopieret. Omdøb filen.", masked))
        return masked
    return label


def school_key(name: str) -> str:
    """A school's name as compared between workbooks: "Skolen", "skolen" and "Skolen " are
    one school (found in review: a stray space in --skole skipped every workbook), and so are
    "Ålholm" typed as one character or as A and a ring (NFD, as a Mac may paste it): the red
    team found such a copy of a class summarised as a second class, and skipped by --skole."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def _only_school(read: list[FileResult], school: str | None, result: Consolidation) -> list[FileResult]:
    """A workbook from another school: with `school` given it is skipped and reported;
    without, every school is included and a mix is pointed out. A `school` no workbook is
    from is refused before anything is written: an empty summary replaced the last good one."""
    names: dict[str, str] = {}  # each school once, as first typed
    for item in read:
        if item.data.school:
            names.setdefault(school_key(item.data.school), item.data.school)
    schools = sorted(names.values())
    if school is None:
        if len(schools) > 1:
            result.problems.append(Problem(
                "several-schools", f"Mappen har skemaer fra flere skoler: {', '.join(schools)}.",
                "Alle er medtaget. Brug --skole for at samle én skole.", "(mappen)"))
        return read
    if names and school_key(school) not in names:
        raise XlkitError(f"Ingen af skemaerne er fra skolen '{school}'. Skolerne i skemaerne: {', '.join(schools)}. "
                         "Der er ikke lavet nogen oversigt.")
    kept = []
    for item in read:
        data = item.data
        if data.school and school_key(data.school) != school_key(school):
            result.files.append(FileStatus(data.file, False, f"Skema fra en anden skole ({data.school})"))
            result.problems.append(Problem("other-school", f"Skemaet er fra {data.school}, ikke {school}.",
                                           "Filen er sprunget over.", data.file))
        else:
            kept.append(item)
    return kept


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", str(text))[:3])


def _report_newer_versions(read: list[FileResult], result: Consolidation) -> None:
    """Workbooks made by a newer xlkit are kept and named. Before copies are merged: a copy
    merged into another was not named (found by the red team)."""
    for item in read:
        data = item.data
        if _version(data.metadata.get("xlkit_version", "0")) > _version(__version__):
            result.problems.append(Problem(
                "newer-version", f"Skemaet er lavet med en nyere xlkit ({data.metadata.get('xlkit_version')}).",
                "Skemaet er læst så godt som muligt. Opdatér xlkit.", data.file))


def _report_conflicts(read: list[FileResult], result: Consolidation) -> set[str]:
    """The same UNI-login in two classes (a student who moved) or under two names in one class:
    both are kept and reported. Returns the logins that stand under more than one name
    anywhere (casefolded): no use for finding a student."""
    classes_of: dict[str, dict[str, tuple[tuple, str, str]]] = {}
    first_name: dict[str, str] = {}
    unsure: set[str] = set()
    for item in read:
        data = item.data
        if data.kind not in ("elevvurdering", "overblik"):
            continue
        identity = class_cohort(data)
        for uni_login, class_name, student, cell in item.logins:
            login = uni_login.casefold()
            classes_of.setdefault(login, {})[data.file] = (identity, class_name, student, cell)
            if first_name.setdefault(login, student.casefold()) != student.casefold():
                unsure.add(login)
    for login, places in classes_of.items():
        if len({identity for identity, *_ in places.values()}) > 1:
            # one row per workbook, each naming its own student: a typed-over login is two students, and
            # the old single row named one of them only, with advice to remove the wrong one (found in review)
            for file, (identity, class_name, name, cell) in sorted(places.items()):
                others = ", ".join(f"{other_class} ({other_file})" for other_file, (other, other_class, *_)
                                   in sorted(places.items()) if other != identity)
                result.problems.append(Problem(
                    "student-in-two-classes", f"{name} i {class_name} har samme UNI-login som en elev i {others}.",
                    "Eleven er medtaget begge steder. Er det samme elev, der er flyttet, så fjern eleven fra den gamle "
                    "klasses skema; er det to elever, så ret det UNI-login, der er skrevet forkert.", file, *cell, student=name,
                    student_id=login))
        elif len({name.casefold() for _, _, name, _ in places.values()}) > 1:
            # review: the login of one student typed under another's name; the summary then puts one student's
            # test results next to the other's ratings
            # the other student is named by file only: a pseudonym replaces the problem's own student (review)
            for file, (_, class_name, name, cell) in sorted(places.items()):
                others = ", ".join(other_file for other_file, (_, _, other_name, _) in sorted(places.items())
                                   if other_name.casefold() != name.casefold())
                result.problems.append(Problem(
                    "login-two-names", f"{name} i {class_name} har samme UNI-login som en elev med et andet navn i {others}.",
                    "Begge er medtaget. Ret navnet eller UNI-loginet, der er skrevet forkert, så eleven kan findes "
                    "på tværs af skemaerne.", file, *cell, student=name, student_id=login))
    return unsure


def class_cohort(data: WorkbookData) -> tuple:
    """Which class a workbook is about, the same across years and template kinds: the
    school, the letter and the school year the class started in 0. klasse."""
    if data.kind == "overblik" and data.tests:
        test = data.tests[-1]
        started = school_year_of(test.date) - test.grade
    else:
        started = int(data.metadata.get("start_year", 0)) - int(data.metadata.get("start_grade", 0))
    return school_key(data.school), data.class_letter.casefold(), started


def _student_identities(records: list[Record]) -> dict[str, str]:
    """Who each student (student_key) of one copy of a class workbook is across copies: the
    name, numbered from the second student of the same name on (in row order, so two
    students called Mads Bach stay two); a row without a name is known by its row."""
    keys_by_name: dict[str, set[str]] = {}
    for record in records:
        if not record.student.startswith("Elev uden navn"):
            keys_by_name.setdefault(record.student.casefold(), set()).add(record.student_key)
    identities = {}
    for name, keys in keys_by_name.items():
        for number, key in enumerate(sorted(keys, key=_row_of_key), start=1):
            identities[key] = name if number == 1 else f"{name} ({number})"
    return identities


def _row_of_key(student_key: str) -> tuple[int, str]:
    sheet, _, row = student_key.rpartition("!")
    return (int(row), sheet) if row.isdigit() else (0, student_key)


def _merge_copies(read: list[FileResult], paths: dict[str, Path], passwords: tuple[str, ...], term_label: str | None,
                  workers: int, result: Consolidation) -> list[FileResult]:
    """The same class sent more than once (e.g. the dansk and the matematik teacher each
    filled a copy): the copies are read again with their records and merged. Where two
    copies hold different values for the same student, term and subject, the most
    recently saved copy wins and the difference is reported; nothing else is dropped."""
    groups: dict[tuple, list[FileResult]] = {}
    for item in read:
        data = item.data
        # the cohort too: an overbliksark has no start keys, so this year's 8.A and 9.A in matematik were
        # merged as copies of one class; and "Skolen"/"skolen" is one school (found in review). The start
        # keys stay: a class's 7th-grade workbook and its new one from 8th grade are not copies (their
        # terms are numbered from different years)
        key = (data.kind, *class_cohort(data), data.metadata.get("start_year"), data.metadata.get("start_grade"),
               data.metadata.get("subject"))
        if data.kind == "aarshjul":  # a school's plan, not a class: two årshjul are never copies (review)
            key = (data.kind, item.label)
        groups.setdefault(key, []).append(item)
    kept = [copies[0] for copies in groups.values() if len(copies) == 1]
    repeated = [[item.label for item in copies] for copies in groups.values() if len(copies) > 1]
    jobs = [(paths[label], label, passwords, term_label, True) for labels in repeated for label in labels]
    full = {}
    for item in read_all(jobs, workers):
        if item.data is None:
            _skip(item, result)  # the file changed since it was first read
        else:
            full[item.label] = item.data
    for labels in repeated:
        copies = [(paths[label], full[label]) for label in labels if label in full]
        if copies:
            kept.append(FileResult.of(_merge(copies, result), term_label))
    return sorted(kept, key=lambda item: item.data.file)


FUTURE_SLACK = timedelta(days=1)  # time zones and slightly fast clocks are not "in the future"


def saved_time(path: Path, data: WorkbookData) -> datetime:
    """When a copy was last saved, in UTC: its document properties, or else the file's own
    time (a workbook saved without properties). Both in UTC, so the newest copy does not
    depend on the machine's time zone (found in review)."""
    if data.saved_at is not None:
        return data.saved_at
    return datetime.fromtimestamp(os.stat(path).st_mtime, timezone.utc).replace(tzinfo=None)


def _merge(copies: list[tuple[Path, WorkbookData]], result: Consolidation) -> WorkbookData:
    """The copies as one class: the newest copy's values, and what only older copies have."""
    times = {data.file: saved_time(path, data) for path, data in copies}
    copies.sort(key=lambda item: (times[item[1].file], item[1].file), reverse=True)
    newest = copies[0][1]
    if len(copies) == 1:
        return newest
    merged = _MergedClass(newest, times)
    for _, older in copies[1:]:
        merged.take(older, result)
    result.problems.append(_duplicate_class([data for _, data in copies], times))
    _drop_answered_missing(newest)
    return newest


class _MergedClass:
    """The newest copy, into which older copies are merged one by one. A student is the same
    in two copies by name (or UNI-login, where the newest copy corrected the name)."""

    def __init__(self, newest: WorkbookData, times: dict[str, datetime]):
        self.newest, self.times = newest, times
        identities = _student_identities(newest.records)
        self.keys = {identities.get(r.student_key, r.student_key): r.student_key for r in newest.records}
        self.listed = {name.casefold() for name, *_ in newest.roster}  # also those with no value in the newest copy yet
        self.names_by_login = {login.casefold(): name for name, login, _ in reversed(newest.roster) if login}  # first wins
        self.by_login = {login: name.casefold() for login, name in self.names_by_login.items()}
        self.by_login.update({r.uni_login.casefold(): identities.get(r.student_key, r.student_key)
                              for r in newest.records if isinstance(r.uni_login, str) and r.uni_login})
        self.taken = {(identities.get(r.student_key, r.student_key), r.test or r.term.index, r.measure): r
                      for r in newest.records}
        self.defined = _defined_slots(newest)

    def why(self, winner: str, other: str) -> str:
        """Why the winner's values are used, as the messages say it: on equal save times the
        file name decides, and "gemt senest" would not be true (found in review)."""
        if self.times[winner] == self.times[other]:
            return "gemt samtidig; valgt efter filnavnet"
        return "gemt senest" if winner == self.newest.file else "gemt senere"

    def take(self, older: WorkbookData, result: Consolidation) -> None:
        """Merge one older copy: values the merged class has win, the rest are added, and
        both are reported."""
        newest = self.newest
        newest.problems.extend(older.problems)
        why = f"{newest.file} ({self.why(newest.file, older.file)})"
        records = _under_newest_sheet_names(older, newest)
        unknown = [record for record in records if _slot(record) not in self.defined]
        if unknown:
            result.problems.append(Problem(
                "copies-differ", f"Kopien har {plural(len(unknown), 'værdi', 'værdier')} i terminer, fag eller opgaver, "
                f"som {why} ikke har, fx i {unknown[0].cell}.",
                "Værdien er ikke medtaget. Skriv den i den nyeste kopi, hvis den skal med." if len(unknown) == 1 else
                "Værdierne er ikke medtaget. Skriv dem i den nyeste kopi, hvis de skal med.",
                older.file, unknown[0].sheet, unknown[0].cell,
            ))
        older_identities = _student_identities(older.records)
        added: list[Record] = []  # values only this copy has, taken in
        only_here: list[Record] = []  # the first value of each student the newest copy does not have
        for record in records:
            if _slot(record) not in self.defined:
                continue
            identity = older_identities.get(record.student_key, record.student_key)
            known = identity in self.keys or identity in self.listed
            login = record.uni_login.casefold() if isinstance(record.uni_login, str) else None
            if not known and login in self.by_login:
                identity = self.by_login[login]  # a name corrected in the newest copy: its name
                record = replace(record, student=self.names_by_login.get(login, record.student))
                known = identity in self.keys or identity in self.listed
            slot = (identity, record.test or record.term.index, record.measure)
            if slot in self.taken:
                kept = self.taken[slot]
                if kept.value != record.value:
                    result.problems.append(Problem(
                        "copies-disagree", f"Kopierne af klassens skema er uenige: {kept.file} har "
                        f"{danish_number(kept.value)} i {kept.cell}.",
                        f"Værdien fra {kept.file} ({self.why(kept.file, record.file)}) er brugt.", record.file,
                        record.sheet, record.cell,
                    ))
                continue
            if not known:
                only_here.append(record)
            record = replace(record, student_key=self.keys.setdefault(identity, f"{older.file}|{record.student_key}"))
            self.taken[slot] = record
            newest.records.append(record)
            added.append(record)
        _report_added(older, why, added, only_here, result)
        result.files.append(FileStatus(older.file, True, f"Slået sammen med {newest.file}, som er "
                                       f"{self.why(newest.file, older.file)}", data=replace(older, records=[]),
                                       merged_into=newest.file, record_count=len(older.records)))


def _duplicate_class(copies: list[WorkbookData], times: dict[str, datetime]) -> Problem:
    """The class sent in several files, newest first, with when each was saved: the file's
    own time where the workbook has no save date (Filer leaves Senest gemt blank then), and
    a word on save dates in the future, which win every disagreement (found in review)."""
    def saved(data: WorkbookData) -> str:  # in Danish time, as the teachers saw the clock (red team: 'UTC')
        shown = f"{times[data.file].replace(tzinfo=timezone.utc).astimezone(danish_time()):%d.%m.%Y kl. %H:%M} dansk tid"
        return f"gemt {shown}" if data.saved_at is not None else f"ingen gemt dato i filen; filens tid {shown}"

    action = "Filerne er slået sammen; ved uenighed er den senest gemte brugt."
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    future = [data.file for data in copies if times[data.file] > now + FUTURE_SLACK]
    if future:
        action += (f" {danish_list(future)} siger, at {'den' if len(future) == 1 else 'de'} er gemt i fremtiden "
                   "(afsenderens ur går nok forkert): tjek, at det er den nyeste kopi, der er brugt.")
    return Problem("duplicate-class", f"Klassen er sendt i {len(copies)} filer: "
                   f"{', '.join(f'{data.file} ({saved(data)})' for data in copies)}.", action, copies[0].file)


def _drop_answered_missing(merged: WorkbookData) -> None:
    """A copy's "X har ingen point i prøven" is void once another copy's points for X in that
    test are merged in (found in review: the row stayed, beside the points)."""
    test_of_sheet = {(r.file, r.sheet): r.test for r in merged.records if r.test}
    answered = {(r.student.casefold(), r.test) for r in merged.records if r.test}
    merged.problems = [p for p in merged.problems if not (
        p.code == "missing-student" and (p.student.casefold(), test_of_sheet.get((p.file, p.sheet))) in answered)]


def _report_added(older: WorkbookData, newest: str, added: list[Record], only_here: list[Record],
                  result: Consolidation) -> None:
    """Say what an older copy adds: values deleted on purpose in the newest copy come back
    from it, and a name corrected only in the newest copy is a second student (both found
    in review). Nothing to do when the teachers shared the class between their copies."""
    if added:
        result.problems.append(Problem(
            "copies-added", f"{plural(len(added), 'værdi', 'værdier')} i denne kopi mangler i {newest} "
            f"og er taget med, fx i {added[0].cell}.", "Intet at gøre, hvis lærerne har delt skemaet mellem "
            "sig. Er værdierne slettet med vilje i den nyeste kopi, så slet dem også her.",
            older.file, added[0].sheet, added[0].cell,
        ))
    for record in only_here:
        result.problems.append(Problem(
            "copies-student-added", f"{record.student} står kun i denne kopi, ikke i {newest}.",
            "Eleven er taget med. Er navnet rettet i den nyeste kopi, tælles eleven to gange: ret det også her.",
            older.file, record.sheet, record.cell, record.student, record.uni_login or record.student_key,
        ))


def _under_newest_sheet_names(older: WorkbookData, newest: WorkbookData) -> list[Record]:
    """The older copy's values, each test under the sheet name the newest copy gives it: a
    teacher who renames a test sheet and runs add-test gets the new name in the new file, and
    the same test under two names is not two tests (found by the red team: 12 values said to
    be missing from the newest copy, which had every one of them)."""
    by_content = {(test.name, test.date, test.tasks): test.short_name for test in newest.tests}
    renamed = {test.short_name: by_content[(test.name, test.date, test.tasks)] for test in older.tests
               if by_content.get((test.name, test.date, test.tasks), test.short_name) != test.short_name}
    if not renamed:
        return older.records
    return [replace(record, test=renamed.get(record.test, record.test)) for record in older.records]


def _defined_slots(data: WorkbookData) -> set[tuple]:
    """Where the copy's own definition has room for a value. An older copy of a class may
    have other terms, subjects or tasks (an older template, or a forged one): its values
    there have no place in the newest copy (found in review: one rating in a seventh term
    stopped the whole run, or made the class drop out of the summary in silence)."""
    if data.tests:  # overblik: each test's tasks and their maxima
        return {(test.short_name, task.id, task.max) for test in data.tests for task in test.tasks}
    return {(term.index, measure) for term in data.terms for measure in data.measures}


def _slot(record: Record) -> tuple:
    """Keyed like the merge (by the term's place): a season renamed between copies is the same term."""
    return (record.test, record.measure, record.max_value) if record.test else (record.term.index, record.measure)


def _summarise(data: WorkbookData, term_label: str | None) -> ClassSummary | None:
    """The class in the chosen term (default: the latest with real numbers): the
    distribution per subject now and the term before, and the students in focus."""
    # Like the sheet's own formulas, only real numbers decide which term has data.
    with_data = {record.term.index for record in data.records if not record.from_text}
    if term_label:
        wanted = parse_term_label(term_label, [t.season for t in data.terms])
        chosen = [t for t in data.terms if (t.season.id, t.calendar_year) == wanted]
    else:
        chosen = [t for t in data.terms if t.index == max(with_data, default=0)]
    if not chosen or not any(r.term.index == chosen[0].index for r in data.records):
        return None
    term = chosen[0]
    previous = _term_before(data, term)
    _few_ratings_warning(data, term, previous)
    _future_term_warning(data, term)

    values: dict[tuple[int, str], dict[str, float]] = {}  # (term, measure) -> student key -> value
    students: dict[str, Record] = {}
    for record in data.records:
        values.setdefault((record.term.index, record.measure), {})[record.student_key] = record.value
        students.setdefault(record.student_key, record)

    def rated(t: Term | None, measure: str) -> dict[str, float]:
        return values.get((t.index, measure), {}) if t else {}

    def reasons(t: Term | None, measure: str, key: str) -> list[str]:
        """Why the student is in focus in `t` (the sheet's own rule: that term against the one before)."""
        return data.focus_rule.reasons(data.scale, measure, rated(t, measure).get(key),
                                       rated(_term_before(data, t), measure).get(key)) if t else []

    def counts(t: Term | None) -> dict[str, dict[int, int]]:
        return {m: data.scale.distribution(list(rated(t, m).values())) for m in data.measures}

    focus = []
    for key, student in students.items():
        per_measure = {m: reasons(term, m, key) for m in data.measures}
        if any(per_measure.values()):
            before = [reason for m in data.measures for reason in reasons(previous, m, key)]
            rated_before = previous is not None and any(key in rated(previous, m) for m in data.measures)
            focus.append({
                "nr": student.student_nr, "student": student.student,
                "term": term.label, "reasons": rules.focus_text([r for m in data.measures for r in per_measure[m]]),
                "measures": {m for m, found in per_measure.items() if found},
                "current": {m: rated(term, m).get(key) for m in data.measures},
                # review: "Nej" for a student not rated at all in the term before
                "before": None if previous is None else rules.focus_text(before) or ("Nej" if rated_before else "Ikke vurderet"),
                "key": key, "latest_test": "",
            })
    focus.sort(key=lambda f: (f["nr"] is None, f["nr"] or 0, f["student"]))
    labels = {t.index: t.label for t in data.terms}
    means = {(m, labels[i]): rules.mean_of_values(list(v.values())) for (i, m), v in values.items() if v}
    changes = {m: rules.same_students(data.scale, rated(term, m), rated(previous, m)) for m in data.measures} if previous else {}
    # counted by name, each as often as it stands on the list: two students called Mads Bach are two (review)
    listed = Counter(name.casefold() for name, *_ in data.roster)
    not_rated = {m: (listed - Counter(students[key].student.casefold() for key in rated(term, m))).total()
                 for m in data.measures}
    in_class = (listed | Counter(students[key].student.casefold() for key in
                                 {key for m in data.measures for key in rated(term, m)})).total()
    # a student in focus last term and unrated now would drop off the focus list without a word (found in
    # review: two students rated 2 in DANSK, left blank a term later); subjects not rated at all this term
    # are said by the few-ratings warning
    columns = {}
    for record in data.records:
        if record.term.index == term.index and record.measure not in columns:
            columns[record.measure] = (record.sheet, coordinate_from_string(record.cell)[0])
    for measure in (m for m in data.measures if previous and rated(term, m)):
        _, column = columns[measure]
        for key in sorted(rated(previous, measure).keys() - rated(term, measure).keys(), key=_row_of_key):
            if found := reasons(previous, measure, key):
                before = next(r for r in data.records if r.student_key == key and r.measure == measure  # in the
                              and r.term.index == previous.index)  # copy the student is in (review: merged copies)
                data.problems.append(_unrated_in_focus(before.student, before.uni_login or key, rules.focus_text(found),
                                                       measure, previous,
                                                       term, before.file, before.sheet,
                                                       f"{column}{coordinate_from_string(before.cell)[1]}"))
    # the term before decides drops into focus and the change columns as much as this one does (found in
    # review: "5" typed as text last term put a student in focus here and not on the sheet, unmentioned)
    compared = {term.index, previous.index} if previous else {term.index}
    from_text = sum(1 for record in data.records if record.term.index in compared and record.from_text)
    ratings = {key: (students[key].student, students[key].uni_login, tuple(rated(term, m).get(key) for m in data.measures))
               for key in dict.fromkeys(key for m in data.measures for key in rated(term, m))}
    unrated = {key: (name, login) for name, login, key in data.roster if key not in ratings}
    return ClassSummary(data, term, previous, counts(term), counts(previous), focus, means, changes, not_rated,
                        from_text, in_class, ratings, {key: students[key].student_nr for key in ratings}, columns,
                        unrated)


def _term_before(data: WorkbookData, term: Term | None) -> Term | None:
    return data.terms[term.index - 2] if term and term.index > 1 else None


def _unrated_in_focus(student: str, student_id: str, reasons: str, measure: str, previous: Term, term: Term, file: str,
                      sheet: str, cell: str) -> Problem:
    """`cell`: the student's empty cell in `term`; `student_id`: the UNI-login, else the student key."""
    return Problem(
        "focus-not-rated", f"{student} var i fokus i {previous.label.lower()} med {reasons}, men har ingen "
        f"vurdering i {measure} i {term.label.lower()}.",
        "Eleven er ikke på listen over elever i fokus. Skriv elevens vurdering, så oversigten viser, om eleven "
        "stadig er i fokus.", file, sheet, cell, student, student_id,
    )


def _covers(data: WorkbookData, term_label: str | None) -> bool:
    """Whether the workbook has a column for the chosen term (True when none is chosen)."""
    if not term_label:
        return True
    wanted = parse_term_label(term_label, [t.season for t in data.terms])
    return any((t.season.id, t.calendar_year) == wanted for t in data.terms)


def _no_ratings(data: WorkbookData, term_label: str | None) -> Problem:
    """A class left out of the summary, said where the leader looks: on the Problemer sheet
    and in the count the command prints (review: only the Filer sheet said so)."""
    if term_label:
        return Problem("no-ratings-in-term", f"Klassen har ingen vurderinger i {term_label.strip().lower()}.",
                       "Klassen er ikke med i oversigten for den termin. Er den vurderet i skemaet, så send skemaet igen.",
                       data.file)
    return Problem("no-ratings", "Skemaet har ingen vurderinger endnu.",
                   "Klassen er ikke med i oversigten. Er den vurderet, så er det måske i en anden kopi af skemaet.",
                   data.file)


def today() -> date:
    return date.today()  # one place, so tests can fix the day


def _future_term_warning(data: WorkbookData, term: Term) -> None:
    """Ratings in a term that has not begun (an autumn term begins 1 August, a spring term 1
    January) are most likely typed a block too far to the right: the sheet and the summary
    would show the class in that term without a word (found in review)."""
    begins = date(term.calendar_year, 8 if term.season.year_offset == 0 else 1, 1)
    if begins <= today():
        return
    first = next(r for r in data.records if r.term.index == term.index)
    data.problems.append(Problem(
        "future-term", f"Klassen har vurderinger i {term.label.lower()}, som først begynder {begins:%d.%m.%Y}.",
        "Vurderingerne er talt med i den termin. Er de skrevet en termin for langt til højre, så flyt dem til den "
        "rigtige termin.", data.file, first.sheet, first.cell,
    ))


def _few_ratings_warning(data: WorkbookData, term: Term, previous: Term | None) -> None:
    """A subject with ratings for fewer than half as many students as the term before (or,
    in the class's first term, as its class list) is said plainly, with the cells when they
    are few: one rating typed a column too far, in the next term, makes that term the
    class's latest, and a term half-way through drops the students in focus of the subjects
    not rated yet (found in review: without a word, also under --termin)."""
    rated: dict[tuple[int, str], set[str]] = {}
    for record in data.records:
        if not record.from_text:
            rated.setdefault((record.term.index, record.measure), set()).add(record.student_key)
    # in a first term: the class list, or the best-rated subject when the list has no names (review)
    listed = max([len({name.casefold() for name, *_ in data.roster})]
                 + [len(rated.get((term.index, measure), ())) for measure in data.measures])
    few = []
    for measure in data.measures:
        now = len(rated.get((term.index, measure), ()))
        before = len(rated.get((previous.index, measure), ())) if previous else listed
        if now * 2 < before:
            few.append(f"{measure} ({now} {'mod' if previous else 'af'} {before})")
    if not few:
        return
    subjects = danish_list(few)
    if previous:
        rated_text = f"færre end halvt så mange elever vurderet i {subjects} som i {previous.label.lower()}"
    else:
        rated_text = f"under halvdelen af klassens elever vurderet i {subjects}"
    records = [r for r in data.records if r.term.index == term.index and not r.from_text]
    cells = ", ".join(r.cell for r in records) if len(records) <= 3 else ""
    data.problems.append(Problem(
        "few-ratings-in-term", f"Klassen er opgjort for {term.label.lower()}, men i den termin er {rated_text}. "
        "Elever i fokus i de fag kan derfor mangle i oversigten.",
        "Er en vurdering skrevet i en forkert kolonne, så flyt den. Er terminen ikke færdig, så lav oversigten, når den "
        "er, eller for en tidligere termin med --termin (for alle klasser).",
        data.file, next(r.sheet for r in data.records if r.term.index == term.index), cells,
    ))

"""The xlkit command line: a thin, Danish layer over the library functions."""

from __future__ import annotations

import datetime as dt
import errno
import io
import itertools
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import click

from xlkit import __version__, danish_click
from xlkit.consolidate import Consolidation, consolidate, find_workbooks, plural
from xlkit.summary import SUMMARY_KIND, write_summary
from xlkit.school import build_school, one_class_students, overblik_file_name
from xlkit.errors import MAX_PASSWORDS, XlkitError, password_list
from xlkit.overblik_summary import weakest
from xlkit.rules import percent
from xlkit.roster import read_class_rows
from xlkit.plan import check_plan, holiday_weeks_not_in_year, suggest, typed_text
from xlkit.spec import load_plan, load_spec
from xlkit.privacy import encrypt_to, is_encrypted, key_fingerprint, load_or_create_key, readable_by_others
from xlkit.workbook import written_whole
from xlkit.problems import problem_count
from xlkit.isolated import run_alone
from xlkit.reader import OLE_SIGNATURE, output_kind, read_workbook
from xlkit.values import without_cpr
from xlkit import next_test
from xlkit.templates import aarshjul, elevvurdering, overblik
from xlkit.testdef import load_test, write_definition_sheet

danish_click.install()

PROGRESS_FROM_FILES = 10
EXIT_SKIPPED = 2

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
CLASS_LETTER = re.compile(r"^[A-ZÆØÅ0-9]{1,3}$")
CLASS_WITH_GRADE = re.compile(r"(\d{1,2})\.?\s*([A-ZÆØÅ]{1,2})")
TERM_TEXT = re.compile(r"^\s*\S+\s+\d{4}\s*$")


class Count(click.IntRange):
    """A whole number in a closed range, described in words ("fra 0 til 10"), not as click's "0<=x<=10"."""
    name = "helt tal"

    def _describe_range(self) -> str:
        return f"fra {self.min} til {self.max}"


class Year(Count):
    name = "årstal"


UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text from a teacher's file as the terminal may be given it: a control character (an
    escape sequence can rewrite or hide earlier lines; found in review), a line break or a
    bidirectional override becomes '?'."""
    return UNPRINTABLE.sub("?", text)


def printable_lines(text: str) -> str:
    """xlkit's own line breaks stay; nothing else unprintable."""
    return "\n".join(printable(line) for line in text.split("\n"))


def say(text: str) -> None:
    """Every message goes out through here: click.echo, with unprintable characters removed."""
    click.echo(printable_lines(text))


def _roster(path: Path, letter: str, grades: list[int]):
    """A class list for class `letter` in one of `grades`, and notes on it, read in a limited
    process of its own (isolated.py) like every file a command is given."""
    return one_class_students(run_alone(path.name, read_class_rows, path), without_cpr(path.name), letter, grades)


def _test(path: Path):
    return run_alone(path.name, load_test, path)


def _class_and_school(klasse: str, skole: str) -> tuple[str, int | None, str]:
    """The class letter, the grade when --klasse holds one too ("7A", "7.A"), and the school."""
    klasse = klasse.strip().upper()
    whole = CLASS_WITH_GRADE.fullmatch(klasse)  # "7A" was class "7A": 7.7A–9.7A (red team)
    if whole:
        return whole.group(2), int(whole.group(1)), _school_name(skole)
    if not CLASS_LETTER.match(klasse):
        raise click.BadParameter("skal være klassens bogstav (fx A), højst 3 tegn.", param_hint="'--klasse'")
    return klasse, None, _school_name(skole)


def _school_name(skole: str) -> str:
    """The school's name with its spaces tidied; a tab or a line break (pasted) becomes one
    space: it went into every workbook's title and header (red team). `new skole` took a blank
    name, which `new elevvurdering` refused."""
    skole = " ".join(UNPRINTABLE.sub(" ", skole).split())
    if not skole:
        raise click.BadParameter("må ikke være tom.", param_hint="'--skole'")
    return skole


def xlsx_name(path: Path) -> Path:
    """Every workbook xlkit writes is an .xlsx: under another ending ('oversigt.ods', '.csv')
    Excel warns or shows garbage, and LibreOffice guesses (found in review)."""
    if path.suffix.lower() != ".xlsx":
        raise click.ClickException(f"{path.name}: xlkit gemmer Excel-filer (.xlsx). Giv filen et navn, der ender "
                                   "på .xlsx.")
    return path


def output_file(path: Path) -> Path:
    """Refuse to overwrite and say so plainly when the folder is missing."""
    xlsx_name(path)
    if path.exists():
        raise click.ClickException(f"{path} findes allerede. Vælg et andet filnavn med -o, så den gamle fil bevares.")
    if not path.parent.is_dir():
        raise click.ClickException(f"Mappen {path.parent} findes ikke. Opret den, eller vælg en anden med -o.")
    return path


class DanishCommand(click.Command):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[TILVALG]")
        super().__init__(*args, **kwargs)


class DanishGroup(click.Group):
    """Turns xlkit's own errors into a plain Danish message and exit code 1."""

    command_class = DanishCommand

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[TILVALG]")
        kwargs.setdefault("subcommand_metavar", "KOMMANDO [ARGUMENTER]...")
        super().__init__(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except XlkitError as error:
            raise click.ClickException(printable_lines(str(error))) from None
        except BrokenPipeError:  # the output's reader stopped (`| head`): click leaves quietly, no file is at fault
            raise
        except OSError as error:  # no permission, a full disk, a name the file system refuses
            where = f" ({printable(str(error.filename))})" if error.filename else ""
            raise click.ClickException(f"En fil kunne ikke læses eller gemmes{where}: {os_reason(error)}.") from None


OS_REASONS = {  # the operating system's own text is English on most machines
    errno.ENOSPC: "der er ikke mere plads på disken",
    errno.EACCES: "ingen adgang (er filen åben i Excel, eller er mappen skrivebeskyttet?)",
    errno.EPERM: "ingen adgang",
    errno.EROFS: "drevet er skrivebeskyttet",
    errno.ENOENT: "filen eller mappen findes ikke",
    # found by the red team in English: a folder under a file, a dangling link, a very long name
    errno.ENOTDIR: "en del af stien er en fil, ikke en mappe",
    errno.EEXIST: "der findes allerede en fil eller en genvej med det navn",
    errno.ENAMETOOLONG: "filnavnet eller stien er for lang",
    errno.EISDIR: "det er en mappe, ikke en fil",
    errno.ENOTEMPTY: "mappen er ikke tom",
}


def os_reason(error: OSError) -> str:
    """Why the operating system refused, in Danish where xlkit knows the error; else the
    system's own words, marked as such."""
    if error.errno in OS_REASONS:
        return OS_REASONS[error.errno]
    return f"styresystemet svarede: {error.strerror or error}"


@click.group(cls=DanishGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", message="xlkit %(version)s")
def main() -> None:
    """xlkit: regneark til at følge elevernes læring og trivsel.

    Lav skemaer, som lærerne udfylder i Excel, og saml de udfyldte skemaer til et
    overblik for ledelsen før læringssamtalerne.
    """


@main.group(cls=DanishGroup, context_settings=CONTEXT)
def new() -> None:
    """Lav nye skemaer (.xlsx): til en klasse, til en hel skole, årshjulet eller et prøveark."""


@new.command("elevvurdering", context_settings=CONTEXT)
@click.option("--skole", required=True, metavar="NAVN", help="Skolens navn, som det skal stå i skemaet.")
@click.option("--klasse", required=True, metavar="BOGSTAV", help="Klassens bogstav, fx A (7A læses som 7.A).")
@click.option("--start-aar", type=Year(2000, 2100), required=True, metavar="ÅR",
              help="Det skoleår, klassen starter i skemaet, angivet ved første årstal (2026 for 2026/27).")
@click.option("--klassetrin", type=Count(0, 10), default=None, metavar="TRIN",
              help="Klassetrinnet i start-året, fx 7. Standard: første klassetrin i skabelonen.")
@click.option("--elevliste", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FIL",
              help="CSV- eller XLSX-fil med kolonnen Navn og evt. UNI-login. Uden liste bliver navnefelterne tomme.")
@click.option("--spec", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FIL",
              help="Skabelonbeskrivelse (YAML). Standard: workbook_templates/elevvurdering.yaml.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FIL",
              help="Filen, der skal laves. Standard: elevvurdering_<klassetrin><klasse>.xlsx.")
def new_elevvurdering(skole, klasse, start_aar, klassetrin, elevliste, spec, output) -> None:
    """Lav et elevvurderingsskema (1–5 i DANSK, MAT og SOC pr. termin) til én klasse."""
    spec_data = load_spec(spec)
    klasse, named_grade, skole = _class_and_school(klasse, skole)
    if named_grade is not None and klassetrin is not None and named_grade != klassetrin:
        raise click.BadParameter(f"{named_grade}.{klasse} passer ikke med --klassetrin {klassetrin}; skriv kun "
                                 f"bogstavet (--klasse {klasse}).", param_hint="'--klasse'")
    klassetrin = named_grade if klassetrin is None else klassetrin
    grade = spec_data.grades[0] if klassetrin is None else klassetrin
    output = output_file(output or Path(f"elevvurdering_{grade}{klasse}.xlsx"))
    students, notes = _roster(elevliste, klasse, [grade]) if elevliste else (None, [])
    elevvurdering.build(spec_data, output, skole, klasse, start_aar, grade, students)
    who = (f"{plural(len(students), 'elev', 'elever')} fra {elevliste}" if students
           else f"{spec_data.max_students} tomme elevrækker")
    say(f"Skemaet er gemt i {output} ({who}).")
    for note in notes:
        say(f"OBS: {printable(note)}")


@new.command("overblik", context_settings=CONTEXT)
@click.option("--skole", required=True, metavar="NAVN", help="Skolens navn, som det skal stå i skemaet.")
@click.option("--klasse", required=True, metavar="BOGSTAV", help="Klassens bogstav, fx A (7A læses som 7.A).")
@click.option("--test", "tests", type=click.Path(dir_okay=False, path_type=Path), multiple=True, required=True,
              metavar="FIL", help="Prøvebeskrivelse (YAML eller .xlsx med én opgave pr. række). Kan gives flere gange.")
@click.option("--elevliste", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FIL",
              help="CSV- eller XLSX-fil med kolonnen Navn og evt. UNI-login. Uden liste bliver navnefelterne tomme.")
@click.option("--spec", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FIL",
              help="Skolens indstillinger (YAML). Standard: workbook_templates/overblik.yaml.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FIL",
              help="Filen, der skal laves. Standard: overblik_<fag>_<klassetrin><klasse>.xlsx.")
def new_overblik(skole, klasse, tests, elevliste, spec, output) -> None:
    """Lav et overbliksark: point pr. opgave efter fagområde og signalord, fulgt over tid."""
    klasse, named_grade, skole = _class_and_school(klasse, skole)
    spec_data = load_spec(spec, "overblik")
    definitions = [_test(path) for path in tests]
    if named_grade is not None and named_grade not in {t.grade for t in definitions}:
        grades = " og ".join(sorted({f"{t.grade}." for t in definitions}))
        raise click.BadParameter(f"prøverne er til {grades} klasse, ikke {named_grade}.{klasse}; skriv kun bogstavet "
                                 f"(--klasse {klasse}).", param_hint="'--klasse'")
    latest = max(definitions, key=lambda t: t.date)
    output = output_file(output or Path(overblik_file_name(latest.subject, f"{latest.grade}{klasse}")))
    students, notes = (_roster(elevliste, klasse, sorted({t.grade for t in definitions}, reverse=True)) if elevliste
                       else (None, []))
    overblik.build(spec_data, output, skole, klasse, definitions, students)
    who = (f"{plural(len(students), 'elev', 'elever')} fra {elevliste}" if students
           else f"{spec_data.max_students} tomme elevrækker")
    say(f"Overbliksarket er gemt i {output} ({plural(len(definitions), 'prøve', 'prøver')}, {who}).")
    for note in notes:
        say(f"OBS: {printable(note)}")


@new.command("skole", context_settings=CONTEXT)
@click.option("--skole", required=True, metavar="NAVN", help="Skolens navn, som det skal stå i skemaerne.")
@click.option("--elevlister", type=click.Path(exists=True, path_type=Path), required=True, metavar="MAPPE|FIL",
              help="Mappe med én elevliste (CSV eller XLSX) pr. klasse, navngivet efter klassen, fx 7A.csv; eller én "
                   "elevliste for hele skolen med en kolonne Klasse (eller Hovedgruppe eller Stamklasse), fx 7.A.")
@click.option("--start-aar", type=Year(2000, 2100), required=True, metavar="ÅR",
              help="Skoleåret, klasserne er i nu, angivet ved første årstal (2026 for 2026/27).")
@click.option("--test", "tests", type=click.Path(dir_okay=False, path_type=Path), multiple=True, metavar="FIL",
              help="Prøvebeskrivelse (kan gentages); gives den, laves også et overbliksark pr. klasse og fag på "
                   "prøvens klassetrin.")
@click.option("--spec", "specs", type=click.Path(dir_okay=False, path_type=Path), multiple=True, metavar="FIL",
              help="Skabelonbeskrivelse (YAML) for elevvurderingsskemaerne; kan gentages, og hver klasse får den "
                   "første, der dækker dens klassetrin. Standard: indskoling (0.–3.), mellemtrin (4.–6.) og "
                   "udskoling (7.–9.) fra workbook_templates.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True, metavar="MAPPE",
              help="Mappen, skemaerne skal i (må ikke findes i forvejen).")
def new_school(skole, elevlister, start_aar, tests, specs, output) -> None:
    """Lav skemaer til en hel skole på én gang: et elevvurderingsskema pr. klasse (og
    overbliksark, når der gives prøver)."""
    skole = _school_name(skole)
    if output.exists():
        raise click.ClickException(f"Mappen {output} findes allerede. Vælg en ny, så intet overskrives.")
    started = time.perf_counter()
    made, skipped, repeated = build_school(skole, elevlister, start_aar, [_test(t) for t in tests], output, specs)
    seconds = time.perf_counter() - started
    for message in skipped:
        say(f"Sprunget over: {printable(message)}")
    for message in repeated:
        say(f"OBS: {printable(message)}")
    say(f"{plural(len(made), 'skema', 'skemaer')} er gemt i {output} "
        f"({seconds:.1f} s, {len(made) / max(seconds, 1e-9):.0f} skemaer/s).")


@new.command("prove", context_settings=CONTEXT)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("provebeskrivelse.xlsx"),
              show_default=True, metavar="FIL", help="Filen, der skal laves.")
def new_test_sheet(output: Path) -> None:
    """Lav et tomt ark til at beskrive en prøve: én række pr. opgave med fagområde, signalord og maks."""
    write_definition_sheet(output_file(output))
    say(f"Prøvebeskrivelsen er gemt i {output}. Udfyld den, og brug den med --test.")


@main.command("add-test", context_settings=CONTEXT)
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="SKEMA")
@click.option("--test", "test", type=click.Path(dir_okay=False, path_type=Path), required=True, metavar="FIL",
              help="Prøvebeskrivelse for den nye prøve (YAML eller .xlsx).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FIL",
              help="Den nye fil. Standard: SKEMA med _ny bagerst i navnet.")
def add_test_command(workbook: Path, test: Path, output: Path | None) -> None:
    """Føj den næste prøve til et udfyldt overbliksark.

    Skriver en ny fil med alle eksisterende navne og point og kontrollerer bagefter, at
    de er kommet korrekt med. Det oprindelige skema ændres ikke.
    """
    definition = _test(test)
    output = output_file(output or workbook.with_name(f"{workbook.stem}_ny.xlsx"))
    try:
        added = run_alone(workbook.name, next_test.add_test, workbook, definition, output)
    except BaseException:  # a process stopped while writing leaves no half-written file
        output.unlink(missing_ok=True)
        raise
    say(f"Prøven '{definition.short_name}' er tilføjet. Det nye skema er gemt i {output}; {workbook} er uændret.")
    for note in added.notes():
        say(printable(note))


@new.command("aarshjul", context_settings=CONTEXT)
@click.option("--spec", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FIL",
              help="Årshjulets beskrivelse (YAML). Standard: workbook_templates/aarshjul.yaml.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("aarshjul.xlsx"),
              show_default=True, metavar="FIL", help="Filen, der skal laves.")
def new_aarshjul(spec: Path | None, output: Path) -> None:
    """Lav årshjulet for prøver og test: arkene Plan, Årsplan, Årshjul, Tjek, Klasse, Katalog og Uger."""
    plan_spec = load_plan(spec)
    aarshjul.build(plan_spec, output_file(output))
    say(f"Årshjulet er gemt i {output} ({plural(len(plan_spec.plan), 'planlagt aktivitet', 'planlagte aktiviteter')}).")
    for note in holiday_weeks_not_in_year(plan_spec):
        say(f"Bemærk: {note}")


@main.group(cls=DanishGroup, context_settings=CONTEXT)
def plan() -> None:
    """Tjek, foreslå og eksportér årshjulet (prøvekalenderen)."""


PLAN_PROMPT = "Adgangskode til årshjulet"


def password_option(what: str):
    return click.option("--password", is_flag=False, flag_value="", default=None, metavar="ADGANGSKODE",
                        help=f"Adgangskode til {what} (.xlsx og .ods). Uden værdi (så sæt den sidst) spørges "
                             "der efter den.")


def asked_password(password: str | None, prompt: str) -> str | None:
    """The password given, or asked for when --password came without a value (read from
    standard input when that is piped: Python's own prompt then warns in English)."""
    if password != "":
        return password
    return click.prompt(prompt, hide_input=True) if _at_keyboard() else _piped_line("--password")


def _piped_line(option: str) -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.UsageError(f"{option} uden værdi venter på en adgangskode på standardinput, men der kom ingen.")
    return line


def asked_passwords(given: tuple[str, ...], prompt: str) -> tuple[str, ...]:
    """The passwords given (--password may be repeated); a --password without a value asks
    for one and, at a keyboard, for more until an empty answer. Each file is opened with
    the first that fits, so the order is kept and repeats are dropped."""
    passwords = [password for password in given if password]
    if "" in given and _at_keyboard():
        passwords.append(click.prompt(prompt, hide_input=True))
        while more := click.prompt(MORE_PASSWORDS_PROMPT, hide_input=True, default="", show_default=False):
            passwords.append(more)
    elif "" in given:  # piped or redirected: one password per line
        piped = _piped_lines()
        if not piped:
            raise click.UsageError("--password uden værdi venter på adgangskoder, én pr. linje, men der kom ingen.")
        passwords += piped
    unique = password_list(passwords)
    if len(unique) > MAX_PASSWORDS:  # each wrong one costs every protected file a key derivation
        raise click.UsageError(f"Højst {MAX_PASSWORDS} forskellige adgangskoder ad gangen (her {len(unique)}).")
    return unique


def _piped_lines() -> list[str]:
    """The non-empty lines piped to standard input, one password each (a bounded number)."""
    lines = (line.rstrip("\r\n") for line in itertools.islice(sys.stdin, 10 * MAX_PASSWORDS))
    return [line for line in lines if line]


MORE_PASSWORDS_PROMPT = "Næste adgangskode (tryk Enter, når der ikke er flere)"


def _at_keyboard() -> bool:
    """Whether a person answers the prompts; piped input is read line by line instead."""
    return sys.stdin.isatty()


def today() -> dt.date:
    """The day plan check and plan suggest count from (a function, so tests can fix it)."""
    return dt.date.today()


def _read_plan(path: Path, password: str | None):
    data = run_alone(path.name, read_workbook, path, None, () if password is None else (password,))
    if data.kind != "aarshjul":
        raise click.ClickException(f"{path} er ikke et årshjul fra xlkit (det er et {printable(data.kind)}-skema).")
    return data


def _say_file_problems(data) -> None:
    """What the reader found in the file itself (a CPR number, a cell showing an error, an
    unknown Gennemført value), with its cell: suggest and ics go on without those values."""
    for problem in data.problems:
        where = f"{problem.sheet}, celle {problem.cell}: " if problem.cell else ""
        say(printable(f"OBS  {where}{problem.message} {problem.action}"))


@plan.command("check", context_settings=CONTEXT)
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="ÅRSHJUL")
@password_option("et beskyttet årshjul")
def plan_check(workbook: Path, password: str | None) -> None:
    """Tjek planen i ÅRSHJUL (intet skrives). Afslutter med kode 1 ved fejl, der skal rettes."""
    data = _read_plan(workbook, asked_password(password, PLAN_PROMPT))
    findings = check_plan(data.plan_spec, data.plan, today=today())
    _say_file_problems(data)
    for note in holiday_weeks_not_in_year(data.plan_spec):
        say(printable(f"Bemærk: {note}"))
    blocking = [f for f in findings if f.blocking]
    for finding in findings:
        where = f"{data.plan_sheet}, celle {aarshjul.finding_cell(finding)}: " if finding.row else ""
        mark = "FEJL" if finding.blocking else "OBS"
        say(printable(f"{mark}  {where}{finding.message}"))
    say(f"{plural(len(data.plan), 'række', 'rækker')} tjekket: {plural(len(blocking), 'fejl', 'fejl')} og "
        f"{plural(len(findings) - len(blocking), 'bemærkning', 'bemærkninger')}.")
    if blocking:
        sys.exit(1)


@plan.command("suggest", context_settings=CONTEXT)
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="ÅRSHJUL")
@password_option("et beskyttet årshjul")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FIL",
              help="Det nye årshjul (.xlsx). Standard: ÅRSHJUL med _forslag bagerst i navnet.")
def plan_suggest(workbook: Path, output: Path | None, password: str | None) -> None:
    """Flyt aktiviteter ud af ferieuger og prøver ud af for travle uger og måneder, og foreslå
    uger til manglende obligatoriske aktiviteter og til rækker uden uge; skriver et nyt årshjul.

    Forslagene holder sig inden for vinduet, uden for ferieuger og under grænserne for
    prøver pr. uge og måned, og spreder prøverne over ugerne. ÅRSHJUL ændres ikke. Med
    --password får det nye årshjul samme adgangskode.
    """
    password = asked_password(password, PLAN_PROMPT)
    data = _read_plan(workbook, password)
    output = output_file(output or workbook.with_name(f"{workbook.stem}_forslag.xlsx"))
    result = suggest(data.plan_spec, data.plan, max_rows=aarshjul.PLAN_ROWS, today=today())
    _say_file_problems(data)  # the new årshjul has the cells as read: an "x" for done or an error is left empty
    calendar_id = aarshjul.stored_calendar_id(data.metadata)  # its calendars keep their events
    with written_whole(output) as partial:  # a failed write leaves no half file to block the next attempt
        if password:  # built in memory: no unprotected copy on disk
            encrypt_to(aarshjul.build(data.plan_spec, io.BytesIO(), result.plan, calendar_id).getvalue(), password, partial)
        else:
            aarshjul.build(data.plan_spec, partial, result.plan, calendar_id)
    for before, after in result.moved:
        say(printable(f"Flyttet: {before.activity} for {before.class_name} fra uge {before.week} til uge {after.week}"))
    for before, after in result.reclassed:
        where = f" i {data.plan_sheet}, celle {aarshjul.class_cell(after.row)}" if after.row else ""
        say(printable(f"Klasse skrevet som på listen: {after.activity}: '{before.class_name}' er nu {after.class_name}{where}"))
    for before, after in result.retyped:
        say(printable(f"Uge skrevet som tal: {after.activity} for {after.class_name}: '{typed_text(before.typed_week)}' "
                      f"er nu uge {after.week}{_in_week_cell(data, after)}"))
    for a in result.dated:
        typed = f"der stod '{typed_text(a.typed_week)}'" if a.typed_week not in (None, "") else "rækken havde ingen uge"
        say(printable(f"Uge foreslået: {a.activity} for {a.class_name} i uge {a.week} ({typed}{_in_week_cell(data, a)})"))
    for a in result.added:
        say(printable(f"Tilføjet: {a.activity} for {a.class_name} i uge {a.week}"))
    for message in result.impossible:
        say(f"Ingen gyldig uge: {printable(message)}")
    changes = len(result.moved) + len(result.dated) + len(result.added)  # the green rows; retyped weeks are named above
    protected = " med samme adgangskode" if password else ""
    say(f"{plural(changes, 'ændring', 'ændringer')} er skrevet i {output}{protected} (grønne rækker på arket "
        f"Plan); {workbook} er uændret.")
    _say_left_behind(data, workbook)
    remaining = [f for f in check_plan(data.plan_spec, result.plan) if f.blocking]
    if remaining:
        say(f"Tilbage efter forslagene: {plural(len(remaining), 'fejl', 'fejl')}; se dem med xlkit plan check {output}.")


def _say_left_behind(data, workbook: Path) -> None:
    """Sheets and cells the new årshjul, made afresh, does not have: the user copies them over."""
    sheets = [f"arket '{sheet}'" for sheet, cell in data.left_behind if not cell]
    cells = [cell for sheet, cell in data.left_behind if cell]
    if cells:
        sheets.append(f"{data.plan_sheet}, {'celle' if len(cells) == 1 else 'cellerne'} {_first_rows(cells)} "
                      "(uden for planens tabel)")
    if sheets:
        say(printable(f"OBS: Det nye årshjul er lavet forfra, så dette kommer ikke med: {'; '.join(sheets)}. "
                      f"Kopiér det selv fra {workbook}."))


@plan.command("ics", context_settings=CONTEXT)
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="ÅRSHJUL")
@password_option("et beskyttet årshjul")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True, metavar="MAPPE",
              help="Mappen, kalenderfilerne skal i.")
def plan_ics(workbook: Path, output: Path, password: str | None) -> None:
    """Eksportér årshjulet som kalenderfiler (.ics): én pr. klasse og én pr. ansvarlig."""
    password = asked_password(password, PLAN_PROMPT)
    data = _read_plan(workbook, password)
    from xlkit.ics import write_calendars  # icalendar is only needed here

    # a calendar file cannot be protected: the notes of a protected årshjul (which may name students) stay in it
    # (found by the red team: "Bo skal have ekstra tid (ordblind)" was written in plain text)
    files, left_out = write_calendars(data.plan_spec, data.plan, output, aarshjul.stored_calendar_id(data.metadata),
                                      with_notes=password is None)
    _say_file_problems(data)
    say(f"{plural(len(files), 'kalenderfil', 'kalenderfiler')} er gemt i {output}.")
    if password is not None:
        say("Noterne er ikke med i kalenderfilerne: årshjulet er beskyttet med adgangskode, og en kalenderfil kan ikke "
            "beskyttes.")
    if left_out:
        rows = _first_rows([a.row for a in left_out if a.row])
        say(f"{plural(len(left_out), 'række', 'rækker')} kom ikke med, fordi aktiviteten eller klassen er ukendt "
            f"eller ugen ikke er en skoleuge" + (f" (arket Plan, række {rows})" if rows else "") + "; kolonnen Tjek viser hvorfor.")
    faulty = sorted({f.row for f in check_plan(data.plan_spec, data.plan) if f.blocking and f.row}
                    - {a.row for a in left_out})
    if faulty:  # in the calendars as planned, but the plan has errors there (review: a test in the Christmas holiday)
        say(f"OBS: {plural(len(faulty), 'række', 'rækker')} i kalenderne har fejl (arket Plan, række "
            f"{_first_rows(faulty)}), fx en ferieuge eller en uge uden for vinduet; se dem med xlkit plan check {workbook}.")


def _in_week_cell(data, a) -> str:
    """' i Plan, celle C11': where the row's week was typed."""
    return f" i {data.plan_sheet}, celle {aarshjul.week_cell(a.row)}" if a.row else ""


def _first_rows(rows: list, shown: int = 20) -> str:
    """'4, 9, 12' (rows or cells) or the first `shown` and '…'."""
    return ", ".join(map(str, rows[:shown])) + (" …" if len(rows) > shown else "")


@main.command("consolidate", context_settings=CONTEXT)
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="MAPPE")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("skoleoversigt.xlsx"), metavar="FIL",
              show_default=True, help="Oversigten, der skal laves. En tidligere oversigt fra xlkit overskrives; "
                                      "andre filer aldrig.")
@click.option("--termin", default=None, metavar="TERMIN",
              help="Terminen, der skal opsummeres, fx 'efterår 2026'. Standard: den seneste med vurderinger i hver klasse.")
@click.option("--strict", is_flag=True, help="Afslut med kode 2, hvis en fil blev sprunget over, eller hvis en klasse "
                                             "blev læst, men ikke kom med i oversigten (anden skala end de øvrige, "
                                             "ingen vurderinger, samme termin som et nyere skema). Kode 2 betyder også en fejl i selve kommandolinjen; "
                                             "kode 1 andre fejl.")
@click.option("--workers", type=Count(1, 64), default=None, metavar="ANTAL",
              help="Antal processer, der læser samtidig. Standard: én pr. kerne ved mange filer.")
@click.option("--password", "passwords", multiple=True, is_flag=False, flag_value="", metavar="ADGANGSKODE",
              help="Adgangskode til beskyttede skemaer (.xlsx og .ods); gentag den for flere (højst 20), så "
                   "prøves de på hver fil. Uden værdi (så sæt den sidst) spørges der efter dem, eller de læses "
                   "fra standardinput, én pr. linje; gives --encrypt også uden værdi, er den sidste linje "
                   "oversigtens adgangskode.")
@click.option("--skole", "school", default=None, metavar="NAVN",
              help="Saml kun skemaer fra denne skole; andre skolers skemaer springes over og nævnes.")
@click.option("--pseudonym", "pseudonym_key", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="NØGLEFIL", help="Skriv pseudonymer i stedet for elevnavne. Nøglen gemmes i NØGLEFIL "
                                       "(laves første gang); opbevar den et andet sted end oversigten.")
@click.option("--encrypt", is_flag=False, flag_value="", default=None, metavar="ADGANGSKODE",
              help="Kryptér oversigten med en adgangskode. Uden værdi spørges der efter den (efter skemaernes), "
                   "eller den læses fra standardinput: med --password uden værdi er det den sidste linje.")
def consolidate_command(folder: Path, output: Path, termin: str | None, strict: bool, workers: int | None,
                        passwords: tuple[str, ...], school: str | None, pseudonym_key: Path | None,
                        encrypt: str | None) -> None:
    """Saml alle udfyldte skemaer i MAPPE (også undermapper) til én oversigt for ledelsen.

    Filerne i mappen ændres aldrig. En fil, der ikke kan læses, springes over og
    står på arket Problemer; de øvrige bliver stadig samlet.
    """
    if termin is not None and not TERM_TEXT.match(termin):
        raise click.BadParameter("skal være en sæson og et årstal, fx 'efterår 2026' eller 'forår 2027'.",
                                 param_hint="'--termin'")
    passwords, encrypt = _consolidate_passwords(passwords, encrypt)
    if encrypt is not None and not encrypt.strip():  # a lone space was taken as the password (found in review)
        raise click.ClickException("Adgangskoden til oversigten må ikke være tom eller kun mellemrum.")
    if school is not None:
        school = " ".join(school.split())
        if not school:
            raise click.BadParameter("må ikke være tom.", param_hint="'--skole'")
    xlsx_name(output)
    if not output.parent.is_dir():
        raise click.ClickException(f"Mappen {output.parent} findes ikke. Opret den, eller vælg en anden med -o.")
    if encrypt is not None and output.resolve().is_relative_to(folder.resolve()):
        raise click.ClickException(
            "Gem den krypterede oversigt uden for mappen, der samles (vælg en anden med -o): næste gang kan xlkit ikke "
            "se forskel på den og et lærerskema med adgangskode.")
    _check_writable(output.parent)
    key = None
    if pseudonym_key is not None:
        if pseudonym_key.resolve().parent == output.resolve().parent:
            raise click.ClickException("Gem nøglefilen et andet sted end oversigten, så de ikke sendes sammen.")
        key, created = load_or_create_key(pseudonym_key)
        say(_key_message(pseudonym_key, key, created))
    result = run_consolidation(folder, output, termin, workers, passwords, key, encrypt, school)
    say(describe(result, folder, output, encrypted=encrypt is not None))
    if strict and (result.skipped or result.left_out):
        sys.exit(EXIT_SKIPPED)


def _key_message(path: Path, key: bytes, created: bool) -> str:
    """Which key the pseudonyms come from: a mistyped key path made a new key without a word,
    and every pseudonym changed (found by the red team)."""
    name = f"nøglen {key_fingerprint(key)} i {printable(str(path))}"
    if created:
        return (f"Ny pseudonym-nøgle: {name}. Gem filen sikkert og brug den igen næste gang; med en anden nøgle får "
                "eleverne andre pseudonymer.")
    warning = (" Bemærk: andre brugere på maskinen kan læse nøglefilen; gør den privat (chmod 600)."
               if readable_by_others(path) else "")
    return f"Pseudonymer med {name}.{warning}"


def _consolidate_passwords(given: tuple[str, ...], encrypt: str | None) -> tuple[tuple[str, ...], str | None]:
    """The teachers' passwords, then the summary's: asked in that order at a keyboard. Piped,
    with both --password and --encrypt without a value, the last line is the summary's and
    the lines before it the teachers' (--password took every line, found by the red team)."""
    if "" in given and encrypt == "" and not _at_keyboard():
        lines = _piped_lines()
        if len(lines) < 2:
            raise click.UsageError(f"--password og --encrypt uden værdi venter på mindst to linjer på standardinput: "
                                   f"først skemaernes adgangskoder, én pr. linje, og til sidst oversigtens (der kom "
                                   f"{len(lines)}).")
        return asked_passwords((*filter(None, given), *lines[:-1]), ""), lines[-1]
    passwords = asked_passwords(given, "Adgangskode til de beskyttede skemaer")
    if encrypt == "" and _at_keyboard():
        encrypt = click.prompt("Adgangskode til oversigten", hide_input=True, confirmation_prompt=True)
    elif encrypt == "":
        encrypt = _piped_line("--encrypt")
    return passwords, encrypt


def run_consolidation(folder: Path, output: Path, termin: str | None, workers: int | None = None,
                      passwords: tuple[str, ...] = (), pseudonym_key: bytes | None = None,
                      encrypt: str | None = None, school: str | None = None) -> Consolidation:
    workbooks, others = find_workbooks(folder)
    if not workbooks and not others:  # an empty summary, and exit 0 even with --strict (found in review)
        raise click.ClickException(f"Der er ingen skemaer (.xlsx, .xlsm eller .ods) i {printable(str(folder))} eller "
                                   "mappens undermapper. Der er ikke lavet nogen oversigt.")
    if workers is None:
        workers = (os.cpu_count() or 1) if len(workbooks) >= 50 else 1
    _check_replaceable(output, workbooks, encrypt)
    if len(workbooks) >= PROGRESS_FROM_FILES:
        with click.progressbar(length=len(workbooks), label="Læser skemaer", file=sys.stderr,
                               show_pos=True) as bar:
            result = consolidate(folder, termin, on_file=lambda _path: bar.update(1), workers=workers,
                                 passwords=passwords, school=school)
    else:
        result = consolidate(folder, termin, workers=workers, passwords=passwords, school=school)
    _check_something_read(result, folder)
    if termin and not result.classes:
        available = printable(", ".join(result.terms_with_data)) or "ingen"
        raise click.ClickException(
            f"Ingen klasser har vurderinger i terminen '{termin}'. Terminer med vurderinger: {available}. "
            "Der er ikke lavet nogen oversigt."
        )
    if not output.parent.is_dir():
        raise click.ClickException(f"Mappen {output.parent} findes ikke. Opret den, eller vælg en anden med -o.")
    write_summary(result, output, pseudonym_key, encrypt)
    if encrypt and not is_encrypted(output):
        output.unlink()
        raise click.ClickException("Krypteringen af oversigten mislykkedes; filen er slettet.")
    return result


def _check_something_read(result: Consolidation, folder: Path) -> None:
    """No file read (every one protected, damaged or an .xls): an empty summary replaced the
    last good one, exit 0 (found by the red team). Refused, with the reasons, like an empty folder."""
    if result.read_count:
        return
    where = printable(str(folder))
    if not result.skipped:  # only summaries and examples xlkit wrote
        raise click.ClickException(f"Der er ingen skemaer i {where}, kun filer lavet af xlkit (oversigter eller "
                                   "eksempler). Der er ikke lavet nogen oversigt.")
    reasons = [printable(f"  Sprunget over: {status.file}: {status.note}") for status in result.skipped]
    raise click.ClickException("\n".join([f"Ingen af filerne i {where} kunne læses. Der er ikke lavet nogen oversigt.",
                                          *reasons]))


def _check_replaceable(output: Path, workbooks: list[Path], encrypt: str | None) -> None:
    """Only an earlier summary is replaced: a teacher's workbook or the årshjul given as -o
    outside the folder read was overwritten without a word (found by the red team)."""
    if not output.is_file() or _is_summary(output, encrypt):
        return  # a pipe or a device is refused when written (workbook.written_whole)
    if output.resolve() in {p.resolve() for p in workbooks}:
        raise click.ClickException(
            f"{output} ligger blandt de filer, der skal læses. Gem oversigten et andet sted, så intet input overskrives."
        )
    if _is_protected(output):
        raise click.ClickException(
            f"{output} findes allerede og er beskyttet med adgangskode, så xlkit kan ikke se, om det er en tidligere "
            "oversigt. Er det den, så giv --encrypt med samme adgangskode som sidst, eller slet den selv; ellers vælg et "
            "andet filnavn med -o. Der er ikke lavet nogen oversigt.")
    raise click.ClickException(
        f"{output} findes allerede og er ikke en oversigt fra xlkit (fx et lærerskema eller årshjulet), så den "
        "overskrives ikke. Vælg et andet filnavn med -o. Der er ikke lavet nogen oversigt.")


def _is_summary(path: Path, password: str | None = None) -> bool:
    """An earlier summary at the output's place: `consolidate .` run again overwrites it (it
    refused, found in review). An encrypted one is known only when the new summary's password
    opens it; every other file is kept."""
    try:
        return run_alone(path.name, output_kind, path, () if password is None else (password,)) == SUMMARY_KIND
    except (XlkitError, OSError):
        return False


def _is_protected(path: Path) -> bool:
    """An encrypted .xlsx is an OLE file (by its first 8 bytes; nothing is parsed here)."""
    try:
        with path.open("rb") as file:
            return file.read(len(OLE_SIGNATURE)) == OLE_SIGNATURE
    except OSError:
        return False


def _check_writable(folder: Path) -> None:
    """Before a long read, not after it: a summary that cannot be saved is said at once, with
    the folder's name (the error named a hidden temporary file, after every file was read)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise click.ClickException(f"Oversigten kan ikke gemmes i mappen {printable(str(folder))}: "
                                   f"{os_reason(error)}.") from None


def describe(result: Consolidation, folder: Path, output: Path, encrypted: bool = False) -> str:
    """The short Danish summary printed after consolidation."""
    own = sum(1 for status in result.files if status.own_output)
    total = len(result.files) - own
    lines = [f"Læste {result.read_count} af {plural(total, 'fil', 'filer')} i {folder}"
             + (f" ({len(result.skipped)} sprunget over)." if result.skipped else ".")]
    if own:  # a summary written into the folder the last time, say
        lines.append("1 fil (en oversigt, et eksempel eller en elevliste) er ikke et skema" if own == 1 else
                     f"{own} filer (oversigter, eksempler eller elevlister) er ikke skemaer")
        lines[-1] += " og er ikke læst; se arket Filer."
    lines.append(
        f"{plural(result.record_count('elevvurdering'), 'vurdering', 'vurderinger')} læst; "  # in every term (review:
        f"{plural(len(result.classes), 'klasse', 'klasser')} i oversigten; "  # "fra 4 klasser" under --termin was wrong)
        f"{plural(result.focus_count, 'elev', 'elever')} i fokus."
    )
    if result.tests:
        lines.append(f"{plural(result.record_count('overblik'), 'opgavesvar', 'opgavesvar')} læst i overbliksark; "
                     f"{plural(len(result.tests), 'prøve', 'prøver')} i oversigten.")
        for item in weakest(result.tests):
            if item.kind == "signalord" and item.ranking:
                name, share, _ = item.ranking[0]
                lines.append(printable(f"Svageste signalord i {item.subject.lower()}: {name} ({percent(share)} af maks)."))
    lines.append(f"{plural(problem_count(result.problems), 'problem', 'problemer')} (se arket Problemer).")
    if len(result.terms_used) > 1:
        lines.append(printable(f"Bemærk: klasserne er opgjort i forskellige terminer ({', '.join(result.terms_used)})."))
    for status in result.skipped:
        lines.append(printable(f"  Sprunget over: {status.file}: {status.note}"))
    for status in result.left_out:
        lines.append(printable(f"  Ikke med i oversigten: {status.file}: {status.note}"))
    lines.append(f"Oversigten er gemt{' krypteret' * encrypted} i {output}")
    return "\n".join(lines)


@main.command("demo", context_settings=CONTEXT)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=Path("xlkit-demo"), metavar="MAPPE")
@click.option("--seed", type=int, default=2026, show_default=True, metavar="TAL", help="Startværdi for de tilfældige data.")
def demo_command(folder: Path, seed: int) -> None:
    """Lav en demo-skole i MAPPE: udfyldte elevvurderingsskemaer for 6 klasser, 3 overbliksark,
    et årshjul, et tomt skema med elevliste og en samlet oversigt."""
    if folder.exists() and any(folder.iterdir()):
        raise click.ClickException(f"Mappen {folder} er ikke tom. Vælg en ny mappe, så intet overskrives.")
    from xlkit.demo import build_demo  # imports xlwings (and through it pandas, if installed): only here

    demo = build_demo(folder, seed)
    say(f"Demo-skolen er lavet i {folder}:")
    evaluations = sum(1 for f in demo.class_files if f.name.startswith("elevvurdering"))
    say(f"  {evaluations} udfyldte elevvurderingsskemaer og {len(demo.class_files) - evaluations} "
        f"overbliksark (prøveresultater) i {folder / 'klasser'}")
    say(f"  et tomt skema til en ny klasse: {demo.template_file} (elevliste: {demo.roster_file})")
    say(f"  xlwings-funktionerne ved siden af Excels egne formler: {demo.showcase_file}")
    year_plan = read_workbook(demo.aarshjul_file)
    findings = [f for f in check_plan(year_plan.plan_spec, year_plan.plan) if f.blocking]
    say(f"  årshjulet for prøverne: {demo.aarshjul_file} (xlkit plan check finder "
        f"{plural(len(findings), 'fejl', 'fejl')}: {'; '.join(f.message for f in findings)})")
    output = folder / "skoleoversigt.xlsx"
    result = run_consolidation(folder / "klasser", output, None)
    say(describe(result, folder / "klasser", output))
    say("Åbn skoleoversigt.xlsx i Excel eller LibreOffice; se arkene Oversigt, Elever i fokus og Problemer.")

"""Workbooks LibreOffice saved as .ods read exactly like the .xlsx they came from, and a
forged .ods is as harmless as a forged .xlsx."""

from __future__ import annotations

import dataclasses
import io
import time
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import file_hash
from xlkit.cli import main
from xlkit.errors import InvalidWorkbook
from xlkit.ods import MAX_CELLS, OdsBook
from xlkit.reader import check_zip, open_book, open_workbook, read_workbook
from xlkit.values import ErrorValue

NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
              'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
              'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
              'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"')
MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>{}</manifest:manifest>')


def ods(tables: str, names: str = "", manifest: str = "", parts: dict | None = None, prolog: str = "") -> bytes:
    """A minimal .ods package around `tables` (table:table elements) and `names`."""
    content = (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {NAMESPACES}>'
               f'<office:body><office:spreadsheet>{tables}'
               f'<table:named-expressions>{names}</table:named-expressions>'
               '</office:spreadsheet></office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        package.writestr("META-INF/manifest.xml", MANIFEST.format(manifest))
        package.writestr("content.xml", content)
        for name, data in (parts or {}).items():
            package.writestr(name, data)
    return out.getvalue()


def table(name: str, rows: str) -> str:
    return f'<table:table table:name="{name}">{rows}</table:table>'


def cell(attributes: str = "", text: str = "") -> str:
    return f"<table:table-cell {attributes}>{text}</table:table-cell>"


def book(data: bytes) -> OdsBook:
    return OdsBook(check_zip(data))


# ---------------------------------------------------------------------------- real files


@pytest.fixture(scope="module")
def demo_as_ods(tmp_path_factory, libreoffice):
    from xlkit.demo import build_demo

    folder = tmp_path_factory.mktemp("ods")
    demo = build_demo(folder / "demo")
    made = sorted((folder / "demo" / "klasser").glob("*.xlsx"))
    saved = libreoffice.convert(made, folder / "ods" / "klasser", "ods")
    return made + [demo.aarshjul_file], saved + libreoffice.convert([demo.aarshjul_file], folder / "ods", "ods")


def test_libreoffice_ods_reads_like_the_xlsx(demo_as_ods):
    """Every record (cell, student, term, value), the hidden identity, every problem and the
    årshjul's plan are the same, for every kind of workbook."""
    made, saved = demo_as_ods
    kinds = set()
    for xlsx, ods_file in zip(made, saved):
        a, b = read_workbook(xlsx, "skema"), read_workbook(ods_file, "skema")
        kinds.add(a.kind)
        assert [dataclasses.astuple(r) for r in b.records] == [dataclasses.astuple(r) for r in a.records], ods_file
        assert b.metadata == a.metadata and b.plan == a.plan and b.tests == a.tests
        assert [dataclasses.astuple(p) for p in b.problems] == [dataclasses.astuple(p) for p in a.problems]
        assert b.saved_at is not None
    assert kinds == {"elevvurdering", "overblik", "aarshjul"}
    assert sum(len(read_workbook(p).records) for p in saved) > 1000


def test_a_folder_of_ods_files_consolidates_like_the_xlsx_folder(demo_as_ods, tmp_path):
    made, saved = demo_as_ods
    xlsx_folder, ods_folder = made[0].parent, saved[0].parent  # the classes' workbooks
    hashes = {p: file_hash(p) for p in ods_folder.iterdir()}
    sheets = {}
    for folder in (xlsx_folder, ods_folder):
        out = tmp_path / f"{folder.parent.name}.xlsx"
        result = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(out), "--strict"])
        assert result.exit_code == 0, result.output
        wb = openpyxl.load_workbook(out)
        sheets[folder] = {title: [row for row in wb[title].iter_rows(min_row=4, values_only=True)]
                          for title in ("Oversigt", "Elever i fokus")}
    assert sheets[ods_folder] == sheets[xlsx_folder]
    assert {p: file_hash(p) for p in ods_folder.iterdir()} == hashes


def test_a_workbook_named_with_the_wrong_ending_is_told_the_right_one(demo_as_ods, tmp_path):
    """An .ods that lost its ending was told to be named .xlsx, and one saved under an .xlsx
    name (or an .xlsx under .ods) was read without a word; Excel opens neither (found by the
    red team)."""
    import shutil

    from xlkit.consolidate import consolidate

    made, saved = demo_as_ods
    folder = tmp_path / "ind"
    folder.mkdir()
    shutil.copy(saved[0], folder / "elevvurdering 7A")
    shutil.copy(saved[1], folder / saved[1].with_suffix(".xlsx").name)
    shutil.copy(made[2], folder / made[2].with_suffix(".ods").name)
    shutil.copy(made[3], folder / made[3].name)  # rightly named: nothing to say
    result = consolidate(folder)
    assert sorted((p.file, p.message, p.action) for p in result.problems if p.code == "workbook-misnamed") == sorted([
        (made[2].with_suffix(".ods").name, "Filen er en Excel-projektmappe (.xlsx), men navnet ender på .ods.",
         "xlkit har læst den på indholdet, men Excel kan ikke åbne den under det navn. Giv den et navn, der ender "
         "på .xlsx (fx 7A.xlsx)."),
        (saved[1].with_suffix(".xlsx").name, "Filen er et OpenDocument-regneark (.ods), men navnet ender på .xlsx.",
         "xlkit har læst den på indholdet, men Excel kan ikke åbne den under det navn. Giv den et navn, der ender "
         "på .ods (fx 7A.ods)."),
        ("elevvurdering 7A", "Filen er et regneark, men navnet ender ikke på .xlsx eller .ods.",
         "xlkit har genkendt den på indholdet. Giv den et navn, der ender på .ods (fx 7A.ods), så den også åbner "
         "med et dobbeltklik.")])
    assert all(f.read for f in result.files)


def test_commands_that_write_a_new_workbook_say_they_need_xlsx(tmp_path):
    path = tmp_path / "klasse.ods"
    path.write_bytes(ods(table("Ark1", "")))
    with pytest.raises(InvalidWorkbook, match=r"OpenDocument-regneark \(\.ods\).*Gem den som Excel-projektmappe"):
        open_workbook(path)


# ---------------------------------------------------------------------------- cells


def test_values_as_openpyxl_gives_them():
    rows = "".join([
        "<table:table-row>" + "".join([
            cell('office:value-type="float" office:value="4"', "<text:p>4</text:p>"),
            cell('office:value-type="float" office:value="4.5"'),
            cell('office:value-type="percentage" office:value="1"', "<text:p>100%</text:p>"),
            cell('office:value-type="boolean" office:boolean-value="true"'),
            cell('office:value-type="date" office:date-value="2026-11-24"'),
            cell('office:value-type="date" office:date-value="2026-11-24T08:15:00"'),
            cell('office:value-type="date" office:date-value="2026-11-24T00:00:00"'),
            cell('office:value-type="time" office:time-value="PT01H30M00S"'),
        ]) + "</table:table-row>",
        "<table:table-row>" + "".join([
            cell('office:value-type="string"', '<text:p>Åse  <text:s text:c="2"/>Bo<text:tab/>x</text:p>'
                 '<text:p>linje <text:span>to<text:span> i</text:span></text:span><text:line-break/>tre</text:p>'
                 '<office:annotation><text:p>en kommentar</text:p></office:annotation>'),
            cell('office:value-type="string" office:string-value="fra formel"', "<text:p>vist</text:p>"),
            cell('office:value-type="string"', "<text:p></text:p>"),
            cell('table:formula="of:=1/0" office:value-type="string" office:string-value="" calcext:value-type="error"',
                 "<text:p>#DIV/0!</text:p>"),
            cell('office:value-type="float" office:value="ikke et tal"', "<text:p>4,0</text:p>"),
            cell('table:formula="of:=2+1"'),
        ]) + "</table:table-row>",
    ])
    sheet = book(ods(table("Ark 1", rows)))["Ark 1"]
    import datetime as dt

    assert sheet.values(1, 1, 2, 7) == [
        [4, 4.5, 1, True, dt.date(2026, 11, 24), dt.datetime(2026, 11, 24, 8, 15), dt.date(2026, 11, 24)],
        ["Åse    Bo\tx\nlinje to i\ntre", "fra formel", None, "#DIV/0!", "4,0", None, None],
    ]
    assert sheet.values(2, 4, 2, 4)[0][0].__class__ is ErrorValue  # reported where it is an input
    assert isinstance(sheet.values(1, 1, 1, 1)[0][0], int) and sheet.values(1, 8, 1, 8) == [[dt.timedelta(hours=1, minutes=30)]]
    assert sheet.formulas_without_value([(1, 1, 5, 10)]) == [(2, 6, "F2")]
    assert sheet.formulas_without_value([(1, 1, 1, 10)]) == []


def test_repeated_rows_and_cells_are_placed_and_merges_found():
    rows = ('<table:table-row table:number-rows-repeated="2">'
            '<table:table-cell table:number-columns-repeated="2"/>'
            + cell('office:value-type="float" office:value="7" table:number-columns-repeated="3"')
            + "</table:table-row>"
            + "<table:table-row>"
            + cell('office:value-type="string" table:number-columns-spanned="2" table:number-rows-spanned="3"', "<text:p>A</text:p>")
            + '<table:covered-table-cell/>' + cell('office:value-type="float" office:value="1"')
            + '<table:table-cell table:number-columns-repeated="16380"/></table:table-row>'
            + '<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="16384"/>'
            "</table:table-row>")
    workbook = book(ods(table("S", rows)))
    sheet = workbook["S"]
    assert sheet.values(1, 1, 4, 6) == [[None, None, 7, 7, 7, None]] * 2 + [["A", None, 1, None, None, None],
                                                                            [None] * 6]
    assert sheet.merged_ranges == [(3, 1, 5, 2)]
    assert not workbook.sheet_cells["S"].far and workbook.has_values("S")


def test_names_point_where_libreoffice_wrote_them():
    names = "".join([
        '<table:named-range table:name="xlkit_elev" table:cell-range-address="$\'Elev \'\'s ark.1\'.$B$2:.$B$3"/>',
        '<table:named-range table:name="xlkit_nr" table:cell-range-address="$S.$A$2"/>',
        '<table:named-range table:name="xlkit_uni" table:cell-range-address="S.B2:S.B3"/>',
        '<table:named-range table:name="xlkit_to_ark" table:cell-range-address="$S.$A$1:$T.$B$2"/>',
        '<table:named-range table:name="xlkit_to" table:cell-range-address="$S.$A$1:.$A$2 $S.$B$1:.$B$2"/>',
        '<table:named-range table:name="xlkit_rækker" table:cell-range-address="$S.$3:.$5"/>',
        '<table:named-expression table:name="xlkit_formel" table:expression="of:=1+1"/>',
    ])
    local = ('<table:named-expressions><table:named-range table:name="xlkit_lokal" '
             'table:cell-range-address="$S.$A$1"/></table:named-expressions>')
    row = "<table:table-row>" + cell() + cell('office:value-type="string"', "<text:p>Bo</text:p>") + "</table:table-row>"
    workbook = book(ods(table("Elev 's ark.1", row * 3) + table("S", local), names))
    assert workbook.sheetnames == ["Elev 's ark.1", "S"]
    assert workbook.region("xlkit_elev").rows == [["Bo"], ["Bo"]]
    assert list(workbook.defined_names["xlkit_nr"].destinations) == [("S", "$A$2")]
    assert list(workbook.defined_names["xlkit_uni"].destinations) == [("S", "B2:B3")]
    assert [workbook.region(name) for name in ("xlkit_to", "xlkit_rækker", "xlkit_to_ark")] == [None] * 3
    assert "xlkit_formel" not in workbook.defined_names  # a formula, not a range
    assert "xlkit_lokal" not in workbook.defined_names  # sheet-local, like Excel's localSheetId names


def test_what_libreoffice_keeps_differently_reads_as_in_the_xlsx():
    """An empty merged input cell is still merged; a SAND/FALSK from the .xlsx, which
    LibreOffice keeps as =TRUE() with the number 1, is a boolean, not the rating 1; a
    formula without a result is found in every cell of a repeat; the copy LibreOffice keeps
    of a sheet in another file (an external reference) is a link, not a sheet."""
    row = "<table:table-row>" + "".join([
        cell('table:number-columns-spanned="2"'), "<table:covered-table-cell/>",
        cell('table:formula="of:=TRUE()" office:value-type="float" office:value="1"', "<text:p>TRUE</text:p>"),
        cell('table:formula="of:=FALSE()" office:value-type="float" office:value="0"', "<text:p>FALSE</text:p>"),
        cell('table:formula="of:=A1" table:number-columns-repeated="2"'),
        cell("", "<text:p>2</text:p>"),  # text with no type: shown as text
    ]) + "</table:table-row>"
    linked = ('<table:table table:name="\'file:///C:/andet.ods\'#Ark1"><table:table-source xmlns:xlink='
              '"http://www.w3.org/1999/xlink" xlink:href="file:///C:/andet.ods"/>'
              + "<table:table-row>" + cell('office:value-type="float" office:value="9"') + "</table:table-row></table:table>")
    stray_name = '<table:named-range table:name="xlkit_x" table:cell-range-address="$S.$A$1"/>'  # not among the names
    workbook = book(ods(table("S", row) + linked + stray_name))
    sheet = workbook["S"]
    assert sheet.merged_ranges == [(1, 1, 1, 2)]
    assert sheet.values(1, 1, 1, 7) == [[None, None, True, False, None, None, "2"]]
    assert sheet.formulas_without_value([(1, 1, 1, 10)]) == [(1, 5, "E1"), (1, 6, "F1")]
    assert workbook.sheetnames == ["S"] and len(workbook.external_links) == 1
    assert "xlkit_x" not in workbook.defined_names


def test_long_runs_of_spaces_stop_at_what_a_cell_holds():
    text = '<text:p>a<text:s text:c="99999999"/>b</text:p>' + '<text:p><text:s text:c="30000"/></text:p>' * 200
    workbook = book(ods(table("S", "<table:table-row>" + cell('office:value-type="string"', text) + "</table:table-row>")))
    value = workbook["S"].values(1, 1, 1, 1)[0][0]
    assert len(value) == 32_767 and value.startswith("a   ") and "b" not in value


# ---------------------------------------------------------------------------- forged files


def test_a_repeat_bomb_reads_only_the_template_area_quickly():
    """1 kB asking for 16 billion cells: calamine refuses it only after counting, and would
    allocate 100 million; here one row of kept values is made and the rest cut away."""
    bomb = ('<table:table-row table:number-rows-repeated="1048576">'
            + cell('office:value-type="float" office:value="1" table:number-columns-repeated="16384"')
            + "</table:table-row>")
    named = '<table:named-range table:name="xlkit_elev" table:cell-range-address="$S.$A$1:.$A$3"/>'
    far_row = ('<table:table-row table:number-rows-repeated="1100"/><table:table-row>'
               + cell('office:value-type="string"', "<text:p>linje 1101</text:p>") + "</table:table-row>")
    data = ods(table("S", bomb) + table("Lærerens eget", far_row), named)
    assert len(data) < 2000
    start = time.perf_counter()
    workbook = book(data)
    assert workbook["S"].values(999, 702, 999, 702) == [[1]]
    # as in an .xlsx, only a sheet xlkit reads is said to be cut (a teacher's own sheet may
    # carry a student's name, and this warning is not pseudonymised)
    assert workbook.trimmed_sheets == ["S"] and workbook.has_values("Lærerens eget")
    assert time.perf_counter() - start < 10  # a few milliseconds; far from expanding 16 billion cells
    with pytest.raises(InvalidWorkbook, match="udfyldte celler"):
        book(ods(table("S", bomb) + table("T", bomb)))  # 2 x 999 x 702 kept values > MAX_CELLS
    assert 999 * 702 < MAX_CELLS < 2 * 999 * 702


def test_a_sheet_of_many_cells_is_refused_before_they_are_all_parsed():
    """Every cell element costs a parse step whatever it repeats: a forged 1.3 MB file with a
    million distinct cells took 5 s. A class workbook as .ods has a few thousand."""
    rows = "".join("<table:table-row>" + "".join(cell(f'office:value-type="float" office:value="{row * 1000 + col}"')
                                                for col in range(1000)) + "</table:table-row>" for row in range(101))
    with pytest.raises(InvalidWorkbook, match=r"for mange celler \(over 100\.000"):
        book(ods(table("S", rows)))


@pytest.mark.parametrize(("tables", "kwargs", "message"), [
    (table("S", "<table:table-row>" + cell('office:value-type="string"', cell()) + "</table:table-row>"), {},
     "celle ligger inde i en anden celle"),
    ('<table:table table:name="S"><table:table table:name="T"/></table:table>', {}, "ark ligger et forkert sted"),
    ('<office:automatic-styles><table:table table:name="T"/></office:automatic-styles>', {}, "ark ligger et forkert sted"),
    (table("S", "<table:table-row>" + cell('office:value-type="string"', "<text:p>" + "<text:span>" * 70 + "x"
                                           + "</text:span>" * 70 + "</text:p>") + "</table:table-row>"), {}, "dybt indlejret"),
    (table("S", "<table:table-row>" + cell('office:value-type="string"', "<text:p>" + "<text:s/>" * 10_001 + "</text:p>")
           + "</table:table-row>"), {}, "usædvanligt mange dele"),
    (table("S", "<table:table-row>" + cell('office:value-type="string"', '<text:p><text:s text:c="x"/></text:p>')
           + "</table:table-row>"), {}, "ugyldigt antal mellemrum"),
    (table("S", "<table:table-row><table:table-row/></table:table-row>"), {}, "række ligger inde i en anden"),
    (table("S", '<table:table-row table:number-rows-repeated="99999999999"/>'), {}, "ugyldig gentagelse"),
    (table("S", "<table:table-row>" + cell('table:number-columns-repeated="-1"') + "</table:table-row>"), {},
     "ugyldig gentagelse"),
    (table("S", "") + table("s", ""), {}, "flere ark med samme navn"),
    (table("S", ""), {"manifest": '<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data>'
                                  '<manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/>'
                                  "</manifest:encryption-data></manifest:file-entry>"}, "beskyttet med adgangskode"),
    (table("S", ""), {"manifest": '<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/>'
                                  "</manifest:file-entry>"}, "ikke kan åbne"),
    (table("S", ""), {"prolog": "<!DOCTYPE x [<!ENTITY a 'b'>]>"}, "beskadiget"),
])
def test_forged_structure_is_refused(tmp_path, tables, kwargs, message):
    path = tmp_path / "klasse.ods"
    path.write_bytes(ods(tables, **kwargs))
    with pytest.raises(InvalidWorkbook, match=message):
        open_book(path)


def test_macros_and_links_are_flagged_and_never_followed():
    linked = ('<table:table table:name="S"><table:table-source xlink:href="file:///C:/andet.ods" '
              'xmlns:xlink="http://www.w3.org/1999/xlink"/></table:table>')
    dde = ('<table:dde-links><table:dde-link><office:dde-source office:dde-application="soffice" '
           'office:dde-topic="C:\\andet.ods" office:dde-item="A1"/><table:table table:name="x"><table:table-row>'
           + cell('office:value-type="float" office:value="1"') + "</table:table-row></table:table></table:dde-link>"
           "</table:dde-links>")
    range_link = ('<table:table table:name="T"><table:table-row><table:table-cell><table:cell-range-source '
                  'xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="file:///C:/andet.ods" table:name="A1"/>'
                  "</table:table-cell></table:table-row></table:table>")
    workbook = book(ods(linked + range_link + dde, parts={"Basic/Standard/Module1.xml": "<module/>"}))
    assert workbook.has_macros and workbook.sheetnames == ["T"]
    assert workbook.external_links == ["file:///C:/andet.ods", "soffice C:\\andet.ods"]  # one per file, as in .xlsx
    plain = book(ods(table("S", ""), parts={"Basic/script-lc.xml": "<x/>", "Basic/Standard/script-lb.xml": "<x/>"}))
    assert not plain.has_macros and not plain.external_links


def test_a_spreadsheet_not_made_by_xlkit_says_so(tmp_path):
    path = tmp_path / "andet.ods"
    path.write_bytes(ods(table("Ark1", "<table:table-row>" + cell('office:value-type="float" office:value="3"')
                               + "</table:table-row>")))
    with pytest.raises(InvalidWorkbook, match="ikke lavet med xlkit"):
        read_workbook(path)


@pytest.mark.parametrize(("saved", "utc"), [
    ("2026-11-20T14:00:00.000000000", "2026-11-20 13:00:00"),  # as LibreOffice writes it: Danish winter time
    ("2026-07-01T14:00:00", "2026-07-01 12:00:00"),  # summer time
    ("2026-11-20T14:00:00Z", "2026-11-20 14:00:00"),  # a time with a zone is converted as before
    ("2026-11-20T14:00:00+05:00", "2026-11-20 09:00:00"),
])
def test_an_ods_save_time_without_a_zone_is_danish_time(saved, utc, monkeypatch):
    """LibreOffice writes dc:date in local time without a zone; read as UTC, a Danish teacher's
    .ods looked an hour or two newer and won over a later .xlsx (found by the red team). The
    machine xlkit runs on does not matter."""
    import datetime as dt

    meta = ('<?xml version="1.0" encoding="UTF-8"?><office:document-meta '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta><dc:date>{saved}</dc:date>'
            '</office:meta></office:document-meta>')
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        modified = book(ods(table("Ark1", ""), parts={"meta.xml": meta})).modified
    finally:
        monkeypatch.undo()
        time.tzset()
    assert modified == dt.datetime.fromisoformat(utc)

"""Small forged files that used to cost seconds to minutes or gigabytes: each is now read
within its share, or refused with a Danish message before the expensive step. Found by a
review that built them (kilobytes to a few megabytes each)."""

from __future__ import annotations

import random
import zipfile

import pytest

from xlkit import book as book_module, reader
from xlkit.errors import InvalidWorkbook
from xlkit.privacy import encrypt_to
from xlkit.reader import open_book, open_workbook, read_workbook, time_limit
from xlkit.templates import elevvurdering
from tests.test_ods import book as ods_book, cell, ods, table

NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
FAR_CELL = '<row r="999"><c r="ZZ999"><v>1</v></c></row>'  # makes a sheet the template's full size


def sheet(rows: str, after: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {NS}><sheetData>{rows}</sheetData>'
            f"{after}</worksheet>")


def random_text(length: int, seed: int = 1) -> str:
    """Letters that do not compress 100-fold, so the zip bomb rule lets the part through."""
    return "".join(random.Random(seed).choices("abcdefghijklmnopqrstuvwxyz", k=length))


def forged(source, target, sheets=(), names=(), parts=None, first_sheet_rows="", extension="xml"):
    """A copy of an xlkit workbook with more sheets (title, xml), workbook names (name,
    reference), rows added to its first sheet and parts replaced or added."""
    parts = dict(parts or {})
    sheet_entries = "".join(f'<sheet name="{title}" sheetId="{100 + i}" r:id="rIdX{i}"/>' for i, (title, _) in enumerate(sheets))
    relationships = "".join(f'<Relationship Id="rIdX{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                            f'relationships/worksheet" Target="worksheets/x{i}.{extension}"/>' for i in range(len(sheets)))
    defined = "".join(f'<definedName name="{name}">{reference}</definedName>' for name, reference in names)
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = parts.pop(item.filename, None) or src.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b"</sheets>", sheet_entries.encode() + b"</sheets>")
                data = data.replace(b"</definedNames>", defined.encode() + b"</definedNames>")
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", relationships.encode() + b"</Relationships>")
            elif item.filename == "xl/worksheets/sheet1.xml" and first_sheet_rows:
                data = data.replace(b"</sheetData>", first_sheet_rows.encode() + b"</sheetData>")
            dst.writestr(item.filename, data)
        for i, (_, xml) in enumerate(sheets):
            dst.writestr(f"xl/worksheets/x{i}.{extension}", xml)
        for name, data in parts.items():
            dst.writestr(name, data)
    return target


@pytest.fixture
def source(tmp_path, spec):
    return elevvurdering.build(spec, tmp_path / "kilde.xlsx", "Skolen", "A", 2026)


def test_a_sheet_is_converted_at_most_twice_however_its_names_end(tmp_path, source, monkeypatch):
    """700 names each one row lower than the last, on a sheet made 999 x 702 by one far
    cell: the sheet was converted to Python once per name (15-22 s for a 9 kB file)."""
    names = [(f"xlkit_trin{k}", f"Elevvurdering!$E$6:$E${40 + k}") for k in range(700)]
    path = forged(source, tmp_path / "trin.xlsx", names=names, first_sheet_rows=FAR_CELL)
    converted = []
    plain_row = book_module._plain_row
    monkeypatch.setattr(book_module, "_plain_row", lambda row: converted.append(1) or plain_row(row))
    workbook = open_book(path)
    assert all(workbook.region(name) is not None for name, _ in names)
    assert len(converted) <= 2 * book_module.MAX_ROWS


def test_sheets_that_together_are_too_large_are_refused(tmp_path, source):
    """700 tiny sheets, each the template's full size because of one far cell: 2.9 GB
    before the 30-second limit stopped it."""
    sheets = [(f"S{i}", sheet(FAR_CELL)) for i in range(5)]
    names = [(f"xlkit_s{i}", f"S{i}!$E$6:$E$999") for i in range(5)]
    path = forged(source, tmp_path / "ark.xlsx", sheets=sheets, names=names)
    workbook = open_book(path)
    with pytest.raises(InvalidWorkbook, match=r"for store tilsammen \(over 2\.000\.000 celler\)"):
        for name, _ in names:
            workbook.region(name)


def test_every_name_is_parsed_a_bounded_number_of_times(tmp_path, source, monkeypatch):
    """200 sheets and 1,300 long names: the percentage check parsed every name again for
    every sheet (a 1.4 MB file with 700 sheets ran into the 30-second limit)."""
    sheets = [(f"S{i}", sheet('<row r="6"><c r="E6"><v>1</v></c></row>')) for i in range(200)]
    names = [(f"xlkit_s{i}", f"S{i}!$E$6:$E$36") for i in range(200)]
    names += [(f"xlkit_lang{k}", random_text(1400, seed=k)) for k in range(1300)]
    path = forged(source, tmp_path / "navne.xlsx", sheets=sheets, names=names)
    parsed = []

    class CountingPattern:
        def fullmatch(self, text):
            parsed.append(1)
            return pattern.fullmatch(text)

    pattern = book_module.DESTINATION
    monkeypatch.setattr(book_module, "DESTINATION", CountingPattern())
    workbook = open_book(path)
    for name, _ in names[:200]:
        assert workbook.region(name) is not None
    assert len(parsed) < 10 * len(names)


def test_a_long_number_format_is_judged_once_not_per_cell_format(tmp_path, source, monkeypatch):
    """65,000 cell formats pointing to one 20 kB custom format: 24 s for a 19 kB file."""
    code, formats = random_text(20_000), '<xf numFmtId="200"/>' * 65_000
    styles = (f'<?xml version="1.0" encoding="UTF-8"?>\n<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="200" '
              f'formatCode="{code}"/></numFmts><cellXfs count="65000">{formats}</cellXfs></styleSheet>')
    path = forged(source, tmp_path / "formater.xlsx", parts={"xl/styles.xml": styles})
    judged = []
    is_percent_format = book_module.is_percent_format
    monkeypatch.setattr(book_module, "is_percent_format", lambda text: judged.append(1) or is_percent_format(text))
    read_workbook(path)
    assert len(judged) == 1


@pytest.mark.parametrize("value", ["0", "000", " 0 ", "x", "+1", "1.0"])
def test_one_long_shared_string_in_every_cell_is_refused(tmp_path, source, value):
    """calamine copies a shared string into every cell that uses it: 8 kB x 70,000 cells
    took 1.2 GB from a 194 kB file; 32 kB x 700,000 cells aborted the process. A value
    calamine cannot read as an index gives string 0 (` 1 `, `+1`, `1.0`, `x` alike)."""
    shared = (f'<?xml version="1.0" encoding="UTF-8"?>\n<sst {NS} count="1" uniqueCount="1"><si><t>{random_text(8192)}'
              "</t></si></sst>")
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{column}{r}" t="s"><v>{value}</v></c>' for column in "EFGHIJKLMN")
                   + "</row>" for r in range(60, 920))
    path = forged(source, tmp_path / "tekst.xlsx", parts={"xl/sharedStrings.xml": shared}, first_sheet_rows=rows)
    with pytest.raises(InvalidWorkbook, match="delte tekster ville fylde over 64 MB"):
        read_workbook(path)


def test_a_long_note_among_many_numbers_still_reads(tmp_path, source):
    """The cheap bound (every value the longest text) is only a first look: here 2,000
    numbers and a 30 kB note exceed it, and each value is then counted with its own text."""
    note = random_text(30_000)
    with zipfile.ZipFile(source) as src:
        shared = src.read("xl/sharedStrings.xml").replace(b"</sst>", f"<si><t>{note}</t></si></sst>".encode())
    numbers = "".join(f'<row r="{r}">' + "".join(f'<c r="{column}{r}"><v>1</v></c>' for column in "EFGHIJKLMN")
                      + "</row>" for r in range(60, 260))
    rows = numbers + f'<row r="260"><c r="B260" t="s"><v>{shared.count(b"<si>") - 1}</v></c></row>'
    path = forged(source, tmp_path / "note.xlsx", parts={"xl/sharedStrings.xml": shared}, first_sheet_rows=rows)
    assert 2000 * len(shared) > book_module.MAX_TEXT_BYTES
    assert not read_workbook(path).problems


@pytest.mark.parametrize("part", ["docProps/core.xml", "xl/_rels/workbook.xml.rels"])
def test_parts_of_a_few_kilobytes_are_refused_when_large(tmp_path, source, part):
    """Parsed as whole trees: 56 MB of tiny elements took 14 s and 1.3 GB."""
    with zipfile.ZipFile(source) as src:
        data = src.read(part)
    large = data.replace(b"</", f"<!-- {random_text(2_200_000)} --></".encode(), 1)
    path = forged(source, tmp_path / "stor.xlsx", parts={part: large})
    with pytest.raises(InvalidWorkbook, match=f"Delen {part} er unormalt stor"):
        read_workbook(path)


@pytest.mark.parametrize(("part", "limit", "message"), [
    ("xl/sharedStrings.xml", "MAX_SHARED_STRING_TAGS", "unormalt mange delte tekster"),
    ("xl/styles.xml", "MAX_STYLE_TAGS", "unormalt mange celleformater"),
])
def test_parts_parsed_element_by_element_have_a_limit(source, monkeypatch, part, limit, message):
    """The limits are far above what a class workbook has (a few hundred elements); here
    lowered below the real file's count, so the check is seen to be made."""
    with zipfile.ZipFile(source) as src:
        elements = src.read(part).count(b"<")
    monkeypatch.setattr(book_module, limit, elements - 1)
    with pytest.raises(InvalidWorkbook, match=message):
        read_workbook(source)


def test_a_forged_key_derivation_cost_is_refused_before_any_password_is_tried(tmp_path, source, monkeypatch):
    """Up to 10,000,000 hash rounds per password (msoffcrypto's limit, 100 x Excel's): 12 s
    per password tried. Here the limit is lowered below the 100,000 Excel writes."""
    encrypt_to(source.read_bytes(), "hemmelig", tmp_path / "beskyttet.xlsx")
    monkeypatch.setattr(reader, "MAX_SPIN_COUNT", 99_999)
    with pytest.raises(InvalidWorkbook, match=r"usædvanligt mange beregninger \(100\.000"):
        read_workbook(tmp_path / "beskyttet.xlsx", passwords=["forkert", "hemmelig"])


@pytest.mark.parametrize(("covering", "extension"), [
    ('<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>', "xml"),
    ('<hyperlinks><hyperlink ref="A1:Z10000" display="x"/></hyperlinks>', "xml"),
    ('<mergeCells count="1"><mergeCell ref="A1&#58;XFD1048576"/></mergeCells>', "xml"),  # as the parser reads it
    ('<hyperlinks><hyperlink display=">" ref="A1:XFD1048576"/></hyperlinks>', "xml"),
    ('<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>', "bin"),  # a sheet by any name
])
def test_openpyxl_commands_refuse_a_merge_or_link_over_the_whole_sheet(tmp_path, source, covering, extension):
    """openpyxl makes a cell for every cell a merged range or a hyperlink covers: a 2 kB
    file merging A1:XFD1048576 took 35 s and 3.5 GB in add-test."""
    path = forged(source, tmp_path / "flet.xlsx", sheets=[("Flet", sheet("", covering))], extension=extension)
    with pytest.raises(InvalidWorkbook, match="unormalt mange celler eller dele"):
        open_workbook(path)


def test_ods_text_that_expands_is_refused():
    """<text:s text:c="32767"/> makes 32,767 spaces: 99,000 such cells took 3 GB."""
    spaces = [cell('office:value-type="string"', f'<text:p>{random_text(20, seed)}<text:s text:c="32767"/></text:p>')
              for seed in range(2500)]  # different texts: the zip bomb rule must not stop it first
    rows = "".join(f"<table:table-row>{''.join(spaces[r * 100:r * 100 + 100])}</table:table-row>" for r in range(25))
    with pytest.raises(InvalidWorkbook, match="tekster fylder over 64 MB"):
        ods_book(ods(table("S", rows)))


def test_ods_formulas_without_value_are_looked_up_per_column(tmp_path):
    """One repeated formula cell without a value is 701,000 cells, each compared with 2,000
    areas: the 30-second limit for a 7 kB file."""
    formula = cell('table:formula="of:=1/0" table:number-columns-repeated="702"')
    rows = f'<table:table-row table:number-rows-repeated="999">{formula}</table:table-row>'
    names = "".join(f'<table:named-range table:name="xlkit_n{k}" table:cell-range-address="$S.$A${k % 900 + 1}:.$B${k % 900 + 2}"/>'
                    for k in range(2000))
    path = tmp_path / "formler.ods"
    path.write_bytes(ods(table("S", rows), names))
    areas = [(k % 900 + 1, 1, k % 900 + 2, 2) for k in range(2000)]
    with time_limit(10):  # the reader's own limit; before: 2,000 comparisons for each of 701,000 cells
        assert len(open_book(path)["S"].formulas_without_value(areas)) == 2 * 901


def test_a_long_number_typed_as_text_is_quoted_short(spec):
    """A number typed as text of 30,000 digits is read as one; 500 such cells in each of
    200 files made a summary XlsxWriter could not write (216 s, 3.2 GB, then ZIP64). With
    underscores (which Python's float() took too) it is text that is no number."""
    from xlkit.values import read_points, read_rating

    for text, code in (("0" * 30_000 + "1", "text-as-number"), ("0_" * 15_000 + "1", "unknown-text")):
        for reading in (read_rating(text, spec.scale), read_points(text, 10, False)):
            assert reading.code == code and len(reading.message) < 150, reading.message


def test_problem_cells_of_the_summary_are_bounded(tmp_path):
    import openpyxl

    from xlkit.consolidate import Consolidation
    from xlkit.summary import MAX_PROBLEM_TEXT, write_summary
    from xlkit.problems import Problem

    result = Consolidation(problems=[Problem("unknown-text", "x" * 20_000, "Ikke medtaget.", "a.xlsx", "Ark", "A1")])
    write_summary(result, tmp_path / "o.xlsx")
    row = next(openpyxl.load_workbook(tmp_path / "o.xlsx")["Problemer"].iter_rows(min_row=5, max_row=5, values_only=True))
    assert len(row[3]) == MAX_PROBLEM_TEXT and row[3].endswith("…")


@pytest.mark.parametrize("value", ["<v>1&#32;</v>", '<v a=">">1</v>'])
def test_a_value_spelt_to_hide_its_index_counts_as_the_longest_string(tmp_path, source, value):
    """calamine reads both as string 1 (it drops the entity; the quoted > is not the tag's
    end); a count that took their text for string 0 (here short) let them through."""
    shared = (f'<?xml version="1.0" encoding="UTF-8"?>\n<sst {NS} count="2" uniqueCount="2"><si><t>y</t></si>'
              f"<si><t>{random_text(8192)}</t></si></sst>")
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{column}{r}" t="s">{value}</c>' for column in "EFGHIJKLMN")
                   + "</row>" for r in range(60, 920))
    path = forged(source, tmp_path / "skjult.xlsx", parts={"xl/sharedStrings.xml": shared}, first_sheet_rows=rows)
    with pytest.raises(InvalidWorkbook, match="delte tekster ville fylde over 64 MB"):
        read_workbook(path)

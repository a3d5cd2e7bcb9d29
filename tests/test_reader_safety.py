"""The reader on files that are not what they should be: one error type, Danish messages,
nothing written, limits checked before any XML is parsed."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import openpyxl.xml
import pytest

from tests.conftest import file_hash
from xlkit import package, reader
from xlkit.errors import InvalidWorkbook
from xlkit.privacy import encrypt_to
from xlkit.reader import open_workbook, read_workbook
from xlkit.templates import elevvurdering


def test_defusedxml_is_active():
    assert openpyxl.xml.DEFUSEDXML
    reader.require_defusedxml()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Filen er tom"),
        (b"Navn;UNI\nPeter;p1\n", "ikke et regneark"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "beskadiget"),
        (b"PK\x03\x04garbage", "ikke et regneark"),
    ],
)
def test_files_that_are_not_workbooks(tmp_path, content, message):
    path = tmp_path / "elev.xlsx"
    path.write_bytes(content)
    with pytest.raises(InvalidWorkbook, match=message):
        read_workbook(path)


@pytest.mark.parametrize("parts", [{"hello.txt": "hej"}, {"word/document.xml": "<w:document/>"},
                                   {"xl/workbook.xml": "<workbook/>"}])
def test_a_zip_without_workbook_parts_is_named_for_what_it_is(tmp_path, parts):
    path = tmp_path / "brev.xlsx"  # e.g. a Word document renamed
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    with pytest.raises(InvalidWorkbook, match="ikke et regneark.*fx et omdøbt Word-dokument"):
        read_workbook(path)


def rename_ole_entries(data: bytes, names: dict[str, str]) -> bytes:
    """The OLE container with directory entries renamed (name field and its length)."""
    data = bytearray(data)
    for old, new in names.items():
        at = data.index(old.encode("utf-16-le") + b"\0\0")
        data[at:at + 66] = (new.encode("utf-16-le") + b"\0\0").ljust(64, b"\0") + (2 * len(new) + 2).to_bytes(2, "little")
    return bytes(data)


@pytest.mark.parametrize(("made", "message"), [
    ("elevvurdering.xls", "gamle .xls-format"),
    ("elevvurdering-adgangskode.xls", "gamle .xls-format"),  # not "run again with --password": it stays an .xls
    ({"EncryptionInfo": "Primary"}, "følsomhedsmærkat .* Bed afsenderen"),  # what Microsoft 365 labels make
    ({"EncryptedPackage": "WordDocument", "EncryptionInfo": "1Table"}, "andet Office-dokument"),
])
def test_ole_files_are_told_apart(tmp_path, spec, made, message):
    """Real .xls files from LibreOffice; the others are a protected .xlsx with its streams
    renamed to what a rights-managed workbook (no EncryptionInfo, MS-OFFCRYPTO IRMDS) or a
    Word 97 document holds."""
    path = tmp_path / "skema.xlsx"
    if isinstance(made, str):
        path.write_bytes((Path(__file__).parent / "data" / made).read_bytes())
    else:
        encrypt_to(elevvurdering.build(spec, tmp_path / "a.xlsx", "S", "A", 2024).read_bytes(), "x", path)
        path.write_bytes(rename_ole_entries(path.read_bytes(), made))
    for passwords in ((), ("x",)):
        with pytest.raises(InvalidWorkbook, match=message):
            read_workbook(path, passwords=passwords)


def test_strict_open_xml_is_named_not_mistaken_for_a_foreign_workbook(tmp_path, spec):
    source = elevvurdering.build(spec, tmp_path / "a.xlsx", "S", "A", 2024)
    strict = tmp_path / "strict.xlsx"  # Excel's other .xlsx save type: the same parts in other namespaces
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(strict, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item).replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                                      b"http://purl.oclc.org/ooxml/spreadsheetml/main"))
    with pytest.raises(InvalidWorkbook, match="Strict Open XML"):
        read_workbook(strict)


def test_zip_bomb_is_refused_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * 5_000_000 + b"/>")
    parsed = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: parsed.append(1))
    with pytest.raises(InvalidWorkbook, match="lægge computeren ned"):
        open_workbook(path)
    assert not parsed


def test_a_sheet_of_many_cells_is_refused_before_they_are_parsed_one_by_one(tmp_path, spec):
    """Cells without a reference (calamine and openpyxl place them one after another) must
    be parsed one by one: a forged 3 MB file with four million of them used up the whole
    30-second limit, and openpyxl took 35 s and 1.5 GB. Stored uncompressed here, so the
    bomb rule does not stop it first."""
    source = elevvurdering.build(spec, tmp_path / "a.xlsx", "S", "A", 2024)
    forged = tmp_path / "celler.xlsx"
    cells = b"<row>" + b"<c><v>1</v></c>" * 1000 + b"</row>"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(forged, "w", zipfile.ZIP_STORED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", cells * 201 + b"</sheetData>")
            dst.writestr(item.filename, data)
    with pytest.raises(InvalidWorkbook, match=r"Arket 'Elevvurdering' har for mange celler \(over 100\.000"):
        read_workbook(forged)
    with pytest.raises(InvalidWorkbook, match=r"Projektmappen har unormalt mange celler eller dele \(over 200\.000"):
        open_workbook(forged)


def test_zip_of_a_version_zipfile_does_not_know(tmp_path):
    """Found by atheris: zipfile raises NotImplementedError for a "version needed to
    extract" it does not support; that too is one damaged file, not a crash."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    data[central + 6:central + 8] = (231).to_bytes(2, "little")  # version 23.1
    path = tmp_path / "version.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidWorkbook, match="beskadiget.*NotImplementedError"):
        read_workbook(path)


def test_too_many_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(package, "MAX_ZIP_ENTRIES", 5)
    path = tmp_path / "mange.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(6):
            archive.writestr(f"x{i}.xml", "<a/>")
    with pytest.raises(InvalidWorkbook, match="usædvanligt mange dele"):
        open_workbook(path)


def test_billion_laughs_is_refused(tmp_path, spec):
    """An XML entity bomb inside an otherwise valid workbook: defusedxml stops it."""
    source = elevvurdering.build(spec, tmp_path / "ok.xlsx", "S", "A", 2024)
    bomb = tmp_path / "laughs.xlsx"
    entities = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(bomb, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                data = data.replace(b"?>", b"?>" + entities.encode(), 1).replace(b"<t>", b"<t>&lol2;", 1)
            dst.writestr(item, data)
    with pytest.raises(InvalidWorkbook):
        read_workbook(bomb)


def test_a_cpr_number_is_never_written_into_a_workbook_s_hidden_sheet(tmp_path, spec):
    """School, class and subject names end up in the hidden sheet and in every summary;
    xlkit refuses to write one that looks like a CPR number."""
    from xlkit.errors import XlkitError
    from xlkit.roster import Student

    with pytest.raises(XlkitError, match="om skolens navn indeholder noget, der ligner et CPR-nummer"):
        elevvurdering.build(spec, tmp_path / "a.xlsx", "Skolen 0102031234", "A", 2026, students=[Student("Bo")])
    assert not (tmp_path / "a.xlsx").exists()


def test_a_hidden_value_longer_than_a_cell_is_refused_before_it_is_walked(tmp_path, spec):
    """xlkit never writes more than a cell holds; a forged value of 200,000 tests took
    seconds to decode and scan before its list was found too long."""
    import json
    from xml.sax.saxutils import escape

    from xlkit.roster import Student

    path = elevvurdering.build(spec, tmp_path / "a.xlsx", "Skolen", "A", 2026, students=[Student("Bo")])
    forged = tmp_path / "lang.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(forged, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "xl/sharedStrings.xml":
                terms = re.search(rb'<t>(\[\{"index".*?)</t>', data)  # the terms' JSON, as XlsxWriter stores it
                longer = json.dumps([{"index": 1}] * 5_000).encode()
                data = data.replace(terms.group(1), escape(longer.decode()).encode())
            dst.writestr(name, data)
    with pytest.raises(InvalidWorkbook, match="længere, end en celle kan rumme"):
        read_workbook(forged)


def test_workbook_not_made_by_xlkit(tmp_path):
    path = tmp_path / "egen.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(InvalidWorkbook, match="ikke lavet med xlkit"):
        read_workbook(path)


def test_unknown_template_kind(tmp_path, spec):
    from tests.teacher import open_for_filling

    source = elevvurdering.build(spec, tmp_path / "ok.xlsx", "S", "A", 2024)
    wb = open_for_filling(source)
    wb["xlkit"]["B2"] = '"fremtidsskema"'
    assert wb["xlkit"]["A2"].value == "kind"
    wb.save(tmp_path / "ny.xlsx")
    with pytest.raises(InvalidWorkbook, match="Ukendt skabelontype 'fremtidsskema'"):
        read_workbook(tmp_path / "ny.xlsx")


def test_deleted_columns_are_reported_not_fatal(tmp_path, spec):
    from tests.teacher import open_for_filling

    source = elevvurdering.build(spec, tmp_path / "ok.xlsx", "S", "A", 2024)
    wb = open_for_filling(source)
    wb["Elevvurdering"]["B6"], wb["Elevvurdering"]["E6"] = "Bo", 4
    del wb.defined_names["xlkit_v_9_foraar_soc"]
    wb.save(tmp_path / "slettet.xlsx")
    data = read_workbook(tmp_path / "slettet.xlsx")
    assert [r.value for r in data.records] == [4]
    assert [p.code for p in data.problems] == ["missing-range"]


def test_reading_never_writes(tmp_path, spec):
    path = elevvurdering.build(spec, tmp_path / "ok.xlsx", "S", "A", 2024)
    before = file_hash(path), path.stat().st_mtime_ns
    read_workbook(path)
    assert (file_hash(path), path.stat().st_mtime_ns) == before


def test_bytes_are_read_once_into_memory(tmp_path, spec):
    path = elevvurdering.build(spec, tmp_path / "ok.xlsx", "S", "A", 2024)
    data = path.read_bytes()
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None


def test_commands_that_write_a_new_workbook_say_they_take_no_password(tmp_path, spec):
    """add-test, class lists and test definitions write new files, which would lose the
    password; they say so instead of suggesting a --password they do not have."""
    from click.testing import CliRunner

    from xlkit.cli import main
    from xlkit.spec import shipped_file

    path = tmp_path / "beskyttet.xlsx"
    encrypt_to(elevvurdering.build(spec, tmp_path / "a.xlsx", "S", "A", 2024).read_bytes(), "x", path)
    with pytest.raises(InvalidWorkbook, match="kan denne kommando ikke bruge. Gem en kopi uden adgangskode"):
        open_workbook(path)
    result = CliRunner().invoke(main, ["add-test", str(path), "--test", str(shipped_file("prover/dansk_8_laesning.yaml"))])
    assert "kan denne kommando ikke bruge" in result.output and "--password" not in result.output


def test_a_forged_ole_container_is_refused_before_olefile_follows_it(tmp_path, spec):
    """olefile follows the sector counts and stream sizes a compound file claims: a 6 kB
    file could make it loop for minutes or allocate gigabytes."""
    good = tmp_path / "a.xlsx"
    encrypt_to(elevvurdering.build(spec, tmp_path / "plain.xlsx", "S", "A", 2024).read_bytes(), "x", good)
    data = good.read_bytes()
    package_entry = data.index("EncryptedPackage".encode("utf-16-le"))
    forged = {
        "fat.xlsx": data[:44] + (10**8).to_bytes(4, "little") + data[48:],  # FAT sectors the file cannot hold
        "difat.xlsx": data[:72] + (10**8).to_bytes(4, "little") + data[76:],
        "size.xlsx": data[:package_entry + 120] + (2**32 - 1).to_bytes(4, "little") + data[package_entry + 124:],
        "kort.xlsx": data[:8] + b"/etc/passwd",  # olefile would take short bytes for a file name
    }
    for name, content in forged.items():
        (tmp_path / name).write_bytes(content)
        start = time.perf_counter()
        with pytest.raises(InvalidWorkbook, match="beskadiget"):
            read_workbook(tmp_path / name, passwords=("x",), timeout=None)
        assert time.perf_counter() - start < 2, name
    assert read_workbook(good, passwords=("x",)).records is not None


def test_a_renamed_binary_workbook_and_a_bomb_part_are_named_without_the_files_text(tmp_path):
    xlsb = tmp_path / "binær.xlsx"
    with zipfile.ZipFile(xlsb, "w") as archive:
        archive.writestr("xl/workbook.bin", b"\0")
    with pytest.raises(InvalidWorkbook, match=r"binær Excel-projektmappe \(\.xlsb\)"):
        read_workbook(xlsb)
    bomb = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Bo Hansen 010203-1234.xml", b" " * 20_000_000)
    with pytest.raises(InvalidWorkbook, match="En del af filen pakker sig") as error:
        read_workbook(bomb)
    assert "Bo" not in str(error.value)

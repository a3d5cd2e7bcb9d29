"""Property-based fuzzing of the reader over mutated real workbooks: whatever the bytes,
only xlkit's own error type leaves read_workbook (fuzz/fuzz_reader.py runs the same idea
coverage-guided with atheris for longer)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlkit.errors import XlkitError
from xlkit.roster import Student
from xlkit.templates import elevvurdering, overblik


@pytest.fixture(scope="module")
def seeds(tmp_path_factory, spec):
    from xlkit.spec import load_spec, shipped_file
    from xlkit.testdef import load_test

    folder = tmp_path_factory.mktemp("seeds")
    a = elevvurdering.build(spec, folder / "a.xlsx", "S", "A", 2024, students=[Student("Bo"), Student("Ida")],
                            ratings={(0, 1, "dansk"): 3, (1, 2, "mat"): "gul"})
    test = load_test(shipped_file("prover/dansk_8_laesning.yaml"))
    b = overblik.build(load_spec(kind="overblik"), folder / "b.xlsx", "S", "A", [test], [Student("Bo")],
                       {(0, test.short_name, "1.1"): 2})
    c = Path(__file__).parent / "data" / "elevvurdering.ods"  # a.xlsx as LibreOffice saves it in its own format
    return [a, b, c]  # paths: hypothesis prints arguments, and bytes would fill the report


def mutate_zip(data: bytes, part_choice: int, position: float, payload: bytes, mode: int) -> bytes:
    """Change one part inside the zip: overwrite, truncate or insert bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    target = names[part_choice % len(names)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in names:
            content = source.read(name)
            if name == target:
                at = int(len(content) * position)
                if mode == 0:
                    content = content[:at] + payload + content[at + len(payload):]
                elif mode == 1:
                    content = content[:at]
                else:
                    content = content[:at] + payload + content[at:]
            copy.writestr(name, content)
    return out.getvalue()


def read(tmp_path, data: bytes) -> None:
    from xlkit.reader import read_workbook

    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(data)
    try:
        read_workbook(path, timeout=10)
    except XlkitError:
        pass  # the only error allowed out


SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(seed=st.integers(0, 2), part=st.integers(0, 40), position=st.floats(0, 1),
       payload=st.one_of(st.binary(max_size=40),
                         st.sampled_from([b"<", b"</sheetData>", b'<c r="XFD1048576"><v>1</v></c>', b"&amp;",
                                          b'<definedName name="xlkit_elev">Elevvurdering!$Q$1:$A$0</definedName>',
                                          b"\xff\xfe", b'"kind"', b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
                                          b' table:number-rows-repeated="1048576"', b' table:number-columns-repeated="16384"',
                                          b"<table:table-cell>", b"</table:table>"])),
       mode=st.integers(0, 2))
def test_mutated_parts_only_raise_xlkit_errors(tmp_path, seeds, seed, part, position, payload, mode):
    read(tmp_path, mutate_zip(seeds[seed].read_bytes(), part, position, payload, mode))


@SETTINGS
@given(seed=st.integers(0, 2), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8))
def test_flipped_bytes_only_raise_xlkit_errors(tmp_path, seeds, seed, flips):
    data = bytearray(seeds[seed].read_bytes())
    for position, value in flips:
        data[int(position * (len(data) - 1))] = value
    read(tmp_path, bytes(data))


@SETTINGS
@given(position=st.floats(0, 1), mode=st.integers(0, 2),
       payload=st.one_of(st.binary(max_size=40), st.sampled_from([
           b' table:number-rows-repeated="1048576"', b' table:number-columns-repeated="16384"',
           b' table:number-columns-spanned="999999"', b' table:number-rows-repeated="0"',
           b'<table:table-cell office:value-type="float" office:value="1e308">', b"<table:table-cell>",
           b'<table:table table:name="xlkit">', b"</table:table>", b"</table:table-row>", b'<text:s text:c="99999999"/>',
           b'<table:named-range table:name="xlkit_elev" table:cell-range-address="$xlkit.$A$1:.$B$999"/>',
           b' office:value-type="date" office:date-value="99999-01-01"', b"<!DOCTYPE x [<!ENTITY a 'b'>]>"])))
def test_mutated_ods_content_only_raises_xlkit_errors(tmp_path, seeds, position, mode, payload):
    """The .ods cell reader (xlkit.ods) gets the mutations, not the zip around it."""
    names = zipfile.ZipFile(seeds[2]).namelist()
    read(tmp_path, mutate_zip(seeds[2].read_bytes(), names.index("content.xml"), position, payload, mode))

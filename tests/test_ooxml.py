"""Excel opens every generated workbook without a repair prompt: each passes the Open XML
SDK's schema and semantic rules (openxml-audit, offline).

Known false positives: none so far for XlsxWriter output. openxml-audit flags openpyxl's
default styles.xml, which Excel accepts; xlkit never writes with openpyxl, so no file here
is affected. Add any new false positive to KNOWN_FALSE_POSITIVES with a reason.

One warning is accepted by its rule id: Excel_InlineStrCells. The leaders' summary is
written row by row (XlsxWriter's constant_memory mode, so memory does not grow with the
rows), which stores text in the cells instead of a shared-strings table. That is valid
OOXML and Excel opens it without a prompt; Excel only moves the text to a table if the
file is saved again."""

from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner

from xlkit.cli import main
from xlkit.templates import elevvurdering

openxml_audit = pytest.importorskip("openxml_audit")

KNOWN_FALSE_POSITIVES: set[str] = set()
ACCEPTED_WARNINGS = {"Excel_InlineStrCells"}  # see the module docstring


def errors_of(path) -> list[str]:
    result = openxml_audit.OpenXmlValidator().validate(str(path))
    return [str(error) for error in result.errors
            if str(error) not in KNOWN_FALSE_POSITIVES
            and not (error.id in ACCEPTED_WARNINGS and error.severity.value == "warning")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ooxml") / "skole"
    assert CliRunner().invoke(main, ["demo", str(folder)]).exit_code == 0
    return folder


def test_generated_workbooks_are_valid(demo):
    files = sorted(demo.rglob("*.xlsx"))
    assert len(files) == 13  # 6 elevvurdering, 3 overblik, an empty template, the UDF showcase, the årshjul, the summary
    for path in files:
        assert errors_of(path) == [], path


def test_empty_template_is_valid(tmp_path, spec):
    assert errors_of(elevvurdering.build(spec, tmp_path / "tom.xlsx", "S", "A", 2026)) == []


def test_the_validator_does_catch_a_broken_workbook(tmp_path, demo):
    """So the checks above can fail: an element Excel does not know in a worksheet."""
    source = demo / "klasser" / "elevvurdering_7A.xlsx"
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<bogus/><sheetData>", 1)
            dst.writestr(item, data)
    assert errors_of(broken)

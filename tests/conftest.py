"""Shared fixtures: the shipped spec, a small roster and LibreOffice recalculation."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from xlkit.roster import Student
from xlkit.spec import load_spec

from tests.libreoffice import LibreOffice, find_soffice

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def spec():
    return load_spec(ROOT / "workbook_templates" / "elevvurdering.yaml")


@pytest.fixture
def students():
    return [
        Student("Peter Hansen", "pete4821"),
        Student("Ida Sørensen", "kwqa1190"),
        Student("Ælle Østergaard", "zzyb3310"),
        Student("Åge Møller", ""),
    ]


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory):
    """LibreOffice headless with forced recalculation; skipped only where soffice is absent
    outside CI (CI installs it, and there a missing soffice fails)."""
    import os

    soffice = find_soffice()
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("soffice mangler i CI; .ci/run skal installere libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) er ikke installeret")
    return LibreOffice(soffice, tmp_path_factory.mktemp("lo-profile"))


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()

"""Coverage-guided fuzzing of the reader with atheris.

Only xlkit's own error type (InvalidWorkbook, and XlkitError for missing defusedxml) may
leave read_workbook; anything else is a finding. Seeds are real workbooks from the demo and
LibreOffice-saved .ods files, plain and password-protected.

    pip install atheris
    python fuzz/fuzz_reader.py -max_total_time=600          # a longer run (10 minutes)
    python fuzz/fuzz_reader.py -atheris_runs=2000           # a short run
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from xlkit.errors import XlkitError
    from xlkit.reader import read_workbook

WORKDIR = Path(tempfile.mkdtemp(prefix="xlkit-fuzz-"))
PASSWORD = "Hemmelig æø 1"  # opens the protected seeds; files without a password ignore it


def seeds() -> Path:
    """A folder of real workbooks for the corpus (built once)."""
    from xlkit.demo import build_demo

    folder = WORKDIR / "seeds"
    if not folder.exists():
        build_demo(WORKDIR / "demo")
        folder.mkdir()
        for i, path in enumerate(sorted((WORKDIR / "demo" / "klasser").glob("*.xlsx"))[:4]):
            (folder / f"seed{i}").write_bytes(path.read_bytes())
        data = Path(__file__).parent.parent / "tests" / "data"  # saved by LibreOffice, three with PASSWORD
        for name in ("elevvurdering.ods", "elevvurdering-aes.ods", "elevvurdering-argon2.ods",
                     "elevvurdering-blowfish.ods"):
            (folder / f"seed-{name}").write_bytes((data / name).read_bytes())
    return folder


def test_one_input(data: bytes) -> None:
    path = WORKDIR / "input.xlsx"
    path.write_bytes(data)
    try:
        read_workbook(path, passwords=(PASSWORD,), timeout=10)
    except XlkitError:
        pass


if __name__ == "__main__":
    sys.argv.append(str(seeds()))
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()

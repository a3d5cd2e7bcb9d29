"""LibreOffice headless as the calculation engine of the tests.

LibreOffice trusts cached formula values in .xlsx by default; a private profile with
OOXMLRecalcMode=0 forces it to recalculate everything on load. soffice exits 0 even when
it fails, so every expected output file is checked. Newer LibreOffice (25.2) sets up a new
profile and exits with 81 ("restart") before converting anything, so that call is repeated.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

RESTART_AFTER_NEW_PROFILE = 81
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


class LibreOffice:
    def __init__(self, soffice: str, profile: Path):
        self.soffice = soffice
        self.profile = Path(profile)
        (self.profile / "user").mkdir(parents=True, exist_ok=True)
        (self.profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")

    def convert(self, files: list[Path], outdir: Path, target: str = "xlsx") -> list[Path]:
        """Convert (and so recalculate) many files in one soffice call."""
        outdir.mkdir(parents=True, exist_ok=True)
        command = [self.soffice, "--headless", "--norestore", f"-env:UserInstallation={self.profile.as_uri()}",
                   "--convert-to", target, "--outdir", str(outdir), *map(str, files)]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if completed.returncode == RESTART_AFTER_NEW_PROFILE:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
        outputs = [outdir / (Path(f).stem + "." + target.split(":")[0]) for f in files]
        missing = [str(p) for p in outputs if not p.exists()]
        if missing:
            raise RuntimeError(f"LibreOffice lavede ikke {missing}: {completed.stdout} {completed.stderr}")
        return outputs

    def recalculate(self, files: list[Path], outdir: Path) -> list[Path]:
        return self.convert(files, outdir, "xlsx")

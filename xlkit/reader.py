"""Opening untrusted workbooks safely and finding out which template they are.

Teacher workbooks arrive by e-mail. Before any XML is parsed the zip directory is checked
(size, entry count, inflated size, compression ratio); XML is parsed with defusedxml
(openpyxl uses it when installed, and xlkit refuses to run without it); the file is read
into memory once and never opened for writing. Every low-level failure becomes one
InvalidWorkbook with a Danish message.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import openpyxl.xml

from xlkit.errors import InvalidWorkbook, XlkitError
from xlkit.records import WorkbookData
from xlkit.workbook import METADATA_SHEET

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 1_000
MAX_INFLATED_BYTES = 300 * 1024 * 1024
BOMB_ENTRY_BYTES = 100 * 1024  # an entry this large ...
BOMB_RATIO = 100  # ... that inflates more than this many times is treated as a bomb
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def require_defusedxml() -> None:
    """openpyxl silently falls back to the standard XML parser without defusedxml."""
    if not openpyxl.xml.DEFUSEDXML:
        raise XlkitError("Pakken defusedxml mangler; xlkit læser ikke regneark uden den. Installér xlkit igen.")


def open_workbook(path: str | Path, formulas: bool = False):
    """An openpyxl workbook from an untrusted file, or InvalidWorkbook: cell values as last
    calculated, or with `formulas` the formulas themselves."""
    require_defusedxml()
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidWorkbook(
                f"Filen er for stor ({size // (1024 * 1024)} MB; grænsen er {MAX_FILE_BYTES // (1024 * 1024)} MB)."
            )
        data = path.read_bytes()
    except OSError as error:
        raise InvalidWorkbook(f"Filen kan ikke åbnes ({error.strerror or error}).") from None
    if data.startswith(OLE_SIGNATURE):
        raise InvalidWorkbook(
            "Filen er enten beskyttet med adgangskode eller gemt i det gamle .xls-format. "
            "Gem den som almindelig Excel-projektmappe (.xlsx) uden adgangskode."
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidWorkbook("Filen er ikke en Excel-projektmappe (.xlsx); den kan være beskadiget eller omdøbt.")
    _check_zip(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops; values are unaffected
            return openpyxl.load_workbook(io.BytesIO(data), data_only=not formulas, keep_vba=False, keep_links=False)
    except InvalidWorkbook:
        raise
    except Exception as error:  # openpyxl, zipfile and XML parsers raise many types on bad bytes
        raise InvalidWorkbook(f"Filen er beskadiget og kan ikke læses (teknisk årsag: {type(error).__name__}).") from None


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise InvalidWorkbook(f"Filen er beskadiget (teknisk årsag: {error}).") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise InvalidWorkbook(f"Filen har usædvanligt mange dele ({len(entries)}); den er ikke læst.")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_INFLATED_BYTES:
        raise InvalidWorkbook("Filen fylder for meget, når den pakkes ud; den er ikke læst (mulig zip-bombe).")
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > BOMB_ENTRY_BYTES and ratio > BOMB_RATIO:
            raise InvalidWorkbook(
                f"Delen {entry.filename} pakker sig {ratio:.0f} gange større ud; filen er ikke læst (mulig zip-bombe)."
            )


def read_metadata(workbook) -> dict:
    """The identity xlkit stored on its very hidden sheet; InvalidWorkbook when absent."""
    if METADATA_SHEET not in workbook.sheetnames:
        raise InvalidWorkbook("Filen er ikke lavet med xlkit (de skjulte skabelonoplysninger mangler).")
    metadata = {}
    for key, value in workbook[METADATA_SHEET].iter_rows(min_row=1, max_row=200, max_col=2, values_only=True):
        if not isinstance(key, str) or not isinstance(value, str):
            continue
        try:
            metadata[key] = json.loads(value)
        except json.JSONDecodeError:
            raise InvalidWorkbook(f"Skemaets skjulte oplysning '{key}' er beskadiget.") from None
    if "kind" not in metadata:
        raise InvalidWorkbook("Filen er ikke lavet med xlkit (skabelontypen mangler).")
    return metadata


def read_workbook(path: str | Path, label: str | None = None) -> WorkbookData:
    """Read one filled workbook of any known template kind."""
    from xlkit.templates import template_for  # the registry imports the template modules

    label = label or Path(path).name
    workbook = open_workbook(path)
    try:
        metadata = read_metadata(workbook)
        template = template_for(metadata["kind"])
        data = template.read(workbook, metadata, label)
        modified = getattr(workbook.properties, "modified", None)
        data.saved_at = modified if isinstance(modified, datetime) else None
        return data
    finally:
        workbook.close()

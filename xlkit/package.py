"""Limits for an untrusted zip package (.xlsx, .ods), checked from the zip directory
before any part is inflated or parsed: a class workbook inflates to about 1 MB."""

from __future__ import annotations

import io
import zipfile

from xlkit.errors import InvalidWorkbook

MAX_ZIP_ENTRIES = 1_000
MAX_INFLATED_BYTES = 64 * 1024 * 1024
BOMB_ENTRY_BYTES = 100 * 1024  # a part this large ...
BOMB_RATIO = 100  # ... that inflates more than this many times is treated as a bomb
TOO_LARGE = "Filen fylder for meget, når den pakkes ud; den er ikke læst (mulig zip-bombe)."


def check_zip(data: bytes) -> zipfile.ZipFile:
    """The archive, open, once the limits from its zip directory hold."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except Exception as error:  # zipfile raises BadZipFile, NotImplementedError, ValueError, OSError ...
        raise InvalidWorkbook(f"Filen er beskadiget (teknisk årsag: {type(error).__name__}).") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise InvalidWorkbook(f"Filen har usædvanligt mange dele ({len(entries)}); den er ikke læst.")
    if sum(entry.file_size for entry in entries) > MAX_INFLATED_BYTES:
        raise InvalidWorkbook(TOO_LARGE)
    for entry in entries:
        check_ratio(entry.filename, entry.file_size, entry.compress_size)
    return archive


def check_ratio(name: str, inflated: int, compressed: int) -> None:
    """The bomb rule for one part (also for parts decrypted in memory)."""
    ratio = inflated / max(compressed, 1)
    if inflated > BOMB_ENTRY_BYTES and ratio > BOMB_RATIO:
        raise InvalidWorkbook(f"Delen {name} pakker sig {ratio:.0f} gange større ud; filen er ikke læst (mulig zip-bombe).")

"""Limits for the containers untrusted workbooks come in, checked from what the container
says about itself before anything is inflated or followed: a zip package (.xlsx, .ods;
a class workbook inflates to about 1 MB) and an OLE compound file (a password-protected
.xlsx, an old .xls)."""

from __future__ import annotations

import io
import struct
import zipfile

import olefile

from xlkit.errors import InvalidWorkbook

MAX_ZIP_ENTRIES = 1_000
MAX_INFLATED_BYTES = 64 * 1024 * 1024
BOMB_ENTRY_BYTES = 100 * 1024  # a part this large ...
BOMB_RATIO = 100  # ... that inflates more than this many times is treated as a bomb
TOO_LARGE = "Filen fylder for meget, når den pakkes ud; den er ikke læst (den kan være lavet til at lægge computeren ned)."
MAX_SMALL_PART = 2 * 1024 * 1024  # a manifest or document properties: a few kB
MAX_OLE_BYTES = 20 * 1024 * 1024  # a password-protected class workbook is well under 1 MB
OLE_VERSIONS = {(3, 9), (4, 12)}  # major version and sector shift: 512- or 4096-byte sectors


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
        check_ratio(entry.file_size, entry.compress_size)
    return archive


MAX_LISTED_ENTRIES = 20_000  # a zip file in the folder: a school's workbooks sent as one file have far fewer
MAX_LISTED_DIRECTORY = 4 * 1024 * 1024  # bytes of its zip directory (an entry takes 46 bytes and its name)


def small_directory(path) -> bool:
    """Whether a zip file's end record declares a directory small enough to list. zipfile
    parses the whole directory on opening: ten zip files of 545,000 entries each took 80 s
    and 370 MB before any workbook was read (found in review). Zip64 (over 65,535 entries)
    and a file without an end record count as too large."""
    with open(path, "rb") as file:
        size = file.seek(0, io.SEEK_END)
        file.seek(max(0, size - 22 - 65_535))  # the end record, after at most a 64 KiB comment
        tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return False
    entries = int.from_bytes(tail[at + 10:at + 12], "little")
    directory = int.from_bytes(tail[at + 12:at + 16], "little")
    return entries <= MAX_LISTED_ENTRIES and directory <= MAX_LISTED_DIRECTORY


def small_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """A part that is only ever a few kB (b"" when absent), refused before it is inflated
    when the zip directory says it is large."""
    info = archive.NameToInfo.get(name)
    if info is None:
        return b""
    if info.file_size > MAX_SMALL_PART:
        raise InvalidWorkbook(f"Delen {name} er unormalt stor; filen er ændret med et andet program.")
    return archive.read(info)


def check_ratio(inflated: int, compressed: int) -> None:
    """The bomb rule for one part (also for parts decrypted in memory). The part's name is
    the file's own text, so the message leaves it out."""
    ratio = inflated / max(compressed, 1)
    if inflated > BOMB_ENTRY_BYTES and ratio > BOMB_RATIO:
        raise InvalidWorkbook(f"En del af filen pakker sig {ratio:.0f} gange større ud; filen er ikke læst "
                              "(den kan være lavet til at lægge computeren ned).")


def ole_streams(data: bytes) -> set[str]:
    """The lower-cased stream and storage paths of an OLE compound file, once its header
    and directory fit the file's size: olefile follows the sector counts and stream sizes
    a file claims, so a forged 6 kB file could take minutes or gigabytes."""
    if len(data) > MAX_OLE_BYTES:
        raise InvalidWorkbook(f"Filen er for stor til et beskyttet skema ({len(data) // 2**20} MB); den er ikke læst.")
    damaged = InvalidWorkbook("Filen er beskadiget (dens indholdsfortegnelse passer ikke til dens størrelse).")
    if len(data) < 512:
        raise damaged
    major, _, shift = struct.unpack_from("<HHH", data, 26)
    directory_sectors, fat_sectors = struct.unpack_from("<II", data, 40)
    mini_fat_sectors, _, difat_sectors = struct.unpack_from("<III", data, 64)
    if (major, shift) not in OLE_VERSIONS:
        raise damaged
    size = 1 << shift
    sectors = -(-len(data) // size) - 1  # after the header
    fat_needed = -(-sectors // (size // 4))
    if fat_sectors > 2 * fat_needed + 8 or max(difat_sectors, mini_fat_sectors, directory_sectors) > sectors:
        raise damaged
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))  # bytes, not a path: olefile reads short bytes as a file name
        sizes_fit = all(entry is None or entry.size <= len(data) for entry in ole.direntries)
        streams = {"/".join(path).lower() for path in ole.listdir(streams=True, storages=True)}
    except Exception as error:  # olefile raises several types on damaged containers
        raise InvalidWorkbook(f"Filen er beskadiget (teknisk årsag: {type(error).__name__}).") from None
    if not sizes_fit:
        raise damaged
    return streams

"""Keeping personal data small in what leaders receive: pseudonyms instead of names, and
summaries encrypted with a password (ECMA-376 agile encryption, which Excel and LibreOffice
open) without an unencrypted copy ever touching the disk."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import secrets
from pathlib import Path

from xlkit.errors import XlkitError


MIN_KEY_BYTES = 16  # 128 bits; xlkit makes 32-byte keys


def load_or_create_key(path: Path) -> tuple[bytes, bool]:
    """The pseudonym key, kept in its own file outside the summary, and whether it was made
    now: on first use, or because the path was mistyped, which the user must be told (every
    pseudonym changes with the key; found by the red team)."""
    if path.exists():
        try:
            if path.stat().st_size > 1000:
                raise ValueError("too large")
            key = bytes.fromhex(path.read_text(encoding="utf-8-sig").strip())  # a BOM from Notepad (review)
        except ValueError:
            raise XlkitError(f"Nøglefilen {path} er beskadiget (forventede en hex-nøgle).") from None
        if len(key) < MIN_KEY_BYTES:  # an empty key file gave pseudonyms anyone could recompute (found in review)
            raise XlkitError(f"Nøglefilen {path} er tom eller for kort til at beskytte navnene (en nøgle fra xlkit er "
                             "32 byte). Brug den rigtige nøglefil; eller slet filen, så laves en ny nøgle (så bliver "
                             "pseudonymerne nogle andre end før).")
        return key, False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # readable by the owner only from the start: written first and restricted after, the key
    # could be read in between (found by the red team)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key, True


def readable_by_others(path: Path) -> bool:
    """Whether other users of the machine may read the key file (POSIX permissions only)."""
    return os.name == "posix" and bool(path.stat().st_mode & 0o077)


def key_fingerprint(key: bytes) -> str:
    """A short name for the key, safe to print and to write in the summary: two summaries with
    the same fingerprint have comparable pseudonyms. It tells nothing about the key itself."""
    digest = hashlib.sha256(b"xlkit-pseudonym-key|" + key).hexdigest().upper()
    return f"{digest[:4]}-{digest[4:8]}"


def pseudonym(key: bytes, *identity: str, digits: int = 12) -> str:
    """The same student gets the same pseudonym every time the same key is used; without
    the key nobody can turn it back into a name. 12 hex digits (48 bits): 8 gave two of
    200,000 synthetic students one pseudonym five times (found by the red team)."""
    digest = hmac.new(key, json.dumps(identity, ensure_ascii=False).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"Elev {digest[:digits].upper()}"


def encrypt_to(data: bytes, password: str, output: Path) -> Path:
    """Write `data` (an .xlsx) encrypted with `password`; only the encrypted file is written."""
    from msoffcrypto.format.ooxml import OOXMLFile

    if not password:
        raise XlkitError("Adgangskoden til krypteringen må ikke være tom.")
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, encrypted)
    output.write_bytes(encrypted.getvalue())
    return output


def is_encrypted(path: Path) -> bool:
    import msoffcrypto

    with path.open("rb") as handle:
        try:
            return msoffcrypto.OfficeFile(handle).is_encrypted()
        except Exception:
            return False

"""Keeping personal data small in what leaders receive: pseudonyms instead of names, and
summaries encrypted with a password (ECMA-376 agile encryption, which Excel and LibreOffice
open) without an unencrypted copy ever touching the disk."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from pathlib import Path

from xlkit.errors import XlkitError


MIN_KEY_BYTES = 16  # 128 bits; xlkit makes 32-byte keys


def load_or_create_key(path: Path) -> bytes:
    """The pseudonym key, kept in its own file outside the summary; created on first use."""
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
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    path.write_text(key.hex() + "\n", encoding="ascii")
    path.chmod(0o600)
    return key


def pseudonym(key: bytes, *identity: str) -> str:
    """The same student gets the same pseudonym every time the same key is used; without
    the key nobody can turn it back into a name."""
    digest = hmac.new(key, "|".join(identity).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"Elev {digest[:8].upper()}"


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

"""Opening a password-protected .ods (LibreOffice: Gem som > Gem med adgangskode).

LibreOffice encrypts an OpenDocument package in one of two ways; both are read here with
`cryptography` (the library msoffcrypto-tool uses for password-protected .xlsx):

- "wholesome" (recent LibreOffice; 25.2 writes it): the whole package is one entry,
  `encrypted-package`, encrypted with AES-256-GCM (nonce first, tag last) under an
  Argon2id key from the SHA-256 of the password; inside is the deflated, plain package.
- per part (LibreOffice from 3.5, 7.4 among them): each part is deflated and encrypted on its own
  with AES-CBC under a PBKDF2-HMAC-SHA1 key from the SHA-256 (or SHA-1) of the password,
  with a digest of its first kilobyte to recognise a wrong password. Before 3.5, and
  later when saved as ODF 1.1, the cipher is Blowfish in 64-bit CFB and the start key SHA-1.

Both give back a plain package, which the reader checks against the zip limits like any
other file. Per part, only the parts xlkit reads (content.xml, meta.xml) are decrypted and
repeated names are refused, so a file with a thousand encrypted parts costs two key
derivations. The derivation
costs are written in the file, so they are capped; the manifest's and the inflated sizes too.
OpenPGP-encrypted packages (which need the recipient's private key) are reported, not opened.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import zipfile
import zlib
from typing import Sequence

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.decrepit.ciphers.algorithms import Blowfish
from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from defusedxml import ElementTree

from xlkit.errors import DAMAGED_BEHIND_PASSWORD, InvalidWorkbook, WrongPassword, opened_with_first_fitting
from xlkit.package import MAX_INFLATED_BYTES, TOO_LARGE, check_ratio, small_part

MANIFEST = "META-INF/manifest.xml"
WHOLE_PACKAGE = "encrypted-package"
PARTS_READ = ("content.xml", "meta.xml")  # what OdsBook reads; the other parts keep their names only
M = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
LOEXT = "{urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0}"
AES_CBC = {"http://www.w3.org/2001/04/xmlenc#aes256-cbc", "http://www.w3.org/2001/04/xmlenc#aes192-cbc",
           "http://www.w3.org/2001/04/xmlenc#aes128-cbc"}
BLOWFISH = {"Blowfish CFB", "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#blowfish"}  # ODF 1.1
AES_GCM = {"http://www.w3.org/2009/xmlenc11#aes256-gcm", "http://www.w3.org/2009/xmlenc11#aes192-gcm",
           "http://www.w3.org/2009/xmlenc11#aes128-gcm"}
SHA256 = {"http://www.w3.org/2000/09/xmldsig#sha256", "http://www.w3.org/2001/04/xmlenc#sha256",
          "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256", "SHA256"}
SHA1 = {"", "SHA1", "http://www.w3.org/2000/09/xmldsig#sha1"}  # SHA-1 is the default
ARGON2ID = "urn:org:documentfoundation:names:experimental:office:manifest:argon2id"
CHECKSUMS = {"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k": hashlib.sha256,
             "SHA256/1K": hashlib.sha256, "SHA1/1K": hashlib.sha1,
             "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha1-1k": hashlib.sha1}
# The costs LibreOffice writes are 100,000 PBKDF2 rounds and Argon2id t=3, m=64 MiB, p=4;
# a forged file must not make one read take minutes or gigabytes.
MAX_PBKDF2_ITERATIONS = 1_000_000
MAX_ARGON2_ITERATIONS = 10
MAX_ARGON2_MEMORY_KIB = 128 * 1024
MAX_ARGON2_LANES = 16
MAX_COST_DIGITS = 10  # int() of a 5,000-digit text is itself refused by Python
WRONG_OR_DAMAGED = "Adgangskoden passer ikke til filen, eller filen er beskadiget."


def decrypted(archive: zipfile.ZipFile, passwords: Sequence[str]) -> bytes | None:
    """The plain package of a password-protected .ods (opened with the first of the
    passwords that fits), or None when it is not protected."""
    manifest = small_part(archive, MANIFEST)
    if b"encryption-data" not in manifest:
        return None
    entries = _encrypted_entries(ElementTree.fromstring(manifest, forbid_dtd=True))
    if not entries:
        return None
    for encryption in entries.values():  # said before asking for a password that would not help
        _algorithm(encryption)
    if passwords:
        names = archive.namelist()
        if len(set(names)) != len(names):  # each copy would cost a key derivation
            raise InvalidWorkbook("Filen har flere dele med samme navn; det laver LibreOffice ikke, så filen er ændret med et andet program.")
    return opened_with_first_fitting(passwords, lambda password: _opened(archive, entries, password))


def _opened(archive: zipfile.ZipFile, entries: dict, password: str) -> bytes:
    try:
        secret = password.encode("utf-8")
    except UnicodeEncodeError:  # not a password anyone typed into LibreOffice
        raise WrongPassword() from None
    if WHOLE_PACKAGE in archive.NameToInfo:
        if WHOLE_PACKAGE not in entries:
            raise InvalidWorkbook("Filens krypterede indhold mangler sin beskrivelse; filen er ændret med et andet program.")
        return _plain_part(archive.read(WHOLE_PACKAGE), entries[WHOLE_PACKAGE], secret)
    return _with_parts_decrypted(archive, entries, secret)


def _encrypted_entries(manifest) -> dict[str, object]:
    """Part name -> its encryption-data element (PGP key info makes the file unreadable here)."""
    if any(element.tag.endswith("}keyinfo") for element in manifest.iter()):
        raise InvalidWorkbook("Filen er krypteret med en OpenPGP-nøgle, som xlkit ikke kan åbne. Gem den med en "
                              "adgangskode i stedet, eller som .xlsx.")
    return {entry.get(f"{M}full-path", ""): entry.find(f"{M}encryption-data")
            for entry in manifest.iter(f"{M}file-entry") if entry.find(f"{M}encryption-data") is not None}


def _with_parts_decrypted(archive: zipfile.ZipFile, entries: dict, secret: bytes) -> bytes:
    """The package with the parts xlkit reads decrypted and the others kept by name only
    (OdsBook needs no more of them); the manifest, which only describes the encryption,
    is left out."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
        for name in archive.namelist():
            data = b""
            if name in PARTS_READ:
                data = archive.read(name)
                if name in entries:
                    data = _plain_part(data, entries[name], secret)
            if name != MANIFEST:
                package.writestr(name, data)
    return out.getvalue()


def _plain_part(data: bytes, encryption, secret: bytes) -> bytes:
    """One encrypted entry, decrypted and inflated. Once a checksum or the GCM tag has
    proved the password, a part that does not inflate is damaged, and the next password
    would not help."""
    plain, proved = _decrypt(data, encryption, secret)
    try:
        return _inflate(plain)
    except zlib.error:
        if proved:
            raise InvalidWorkbook(DAMAGED_BEHIND_PASSWORD) from None
        raise WrongPassword(WRONG_OR_DAMAGED) from None


def _decrypt(data: bytes, encryption, secret: bytes) -> tuple[bytes, bool]:
    """One encrypted entry's deflated bytes, and whether a checksum or tag proved the key."""
    algorithm, name = _algorithm(encryption)
    derivation = encryption.find(f"{M}key-derivation")
    start = encryption.find(f"{M}start-key-generation")
    if derivation is None:
        raise InvalidWorkbook("Filens beskrivelse af krypteringen er ufuldstændig; filen er ændret med et andet program.")
    start_name = "" if start is None else start.get(f"{M}start-key-generation-name", "")
    if start_name not in SHA256 | SHA1:
        raise InvalidWorkbook("Filen danner sin krypteringsnøgle på en ukendt måde; filen er ikke læst.")
    start_key = (hashlib.sha256 if start_name in SHA256 else hashlib.sha1)(secret).digest()
    key = _derive(derivation, start_key, _key_size(derivation, name))
    if name in AES_GCM:
        try:
            return AESGCM(key).decrypt(data[:12], data[12:], None), True
        except (InvalidTag, ValueError):  # the tag proves the key (a damaged file is far rarer)
            raise WrongPassword() from None
    iv = _base64(algorithm.get(f"{M}initialisation-vector"))
    plain = _blowfish_cfb(key, iv, data) if name in BLOWFISH else _aes_cbc(key, iv, data)
    digest = CHECKSUMS.get(encryption.get(f"{M}checksum-type", ""))
    if digest and digest(plain[:1024]).digest() != _base64(encryption.get(f"{M}checksum")):
        raise WrongPassword()
    return plain, digest is not None


def _aes_cbc(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CBC with W3C padding (the last byte says how many bytes to drop)."""
    if len(iv) != 16 or len(data) % 16:
        raise InvalidWorkbook("Filens krypterede indhold har en forkert længde; filen er beskadiget.")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    padding = plain[-1] if plain else 0
    if not 1 <= padding <= 16:
        raise WrongPassword()
    return plain[:-padding]


def _blowfish_cfb(key: bytes, iv: bytes, data: bytes) -> bytes:
    """Blowfish in CFB with 64-bit feedback, no padding (LibreOffice's rtl cipher, which
    feeds back a whole block, byte by byte)."""
    if len(iv) != 8:
        raise InvalidWorkbook("Filens krypterede indhold har en forkert længde; filen er beskadiget.")
    try:
        decryptor = Cipher(Blowfish(key), CFB(iv)).decryptor()
    except UnsupportedAlgorithm:  # an OpenSSL built without its legacy ciphers
        raise InvalidWorkbook("Filen er krypteret med LibreOffices gamle kryptering (Blowfish, fra ODF 1.1), som "
                              "denne installation ikke kan åbne. Åbn den i LibreOffice, og gem den igen.") from None
    return decryptor.update(data) + decryptor.finalize()


def _algorithm(encryption) -> tuple[object, str]:
    """The cipher element and its name, when it is one xlkit can decrypt."""
    algorithm = encryption.find(f"{M}algorithm")
    name = "" if algorithm is None else algorithm.get(f"{M}algorithm-name", "")
    if name not in AES_CBC | AES_GCM | BLOWFISH:  # no text from the file in messages
        raise InvalidWorkbook("Filen er krypteret på en måde, som xlkit ikke kan åbne. Åbn den i "
                              "LibreOffice, og gem den igen (med eller uden adgangskode) eller som .xlsx.")
    return algorithm, name


def _key_size(derivation, algorithm: str) -> int:
    expected = 16 if "aes128" in algorithm or algorithm in BLOWFISH else 24 if "aes192" in algorithm else 32
    size = _number(derivation.get(f"{M}key-size", str(expected)), expected)
    if size != expected:
        raise InvalidWorkbook("Filens krypteringsnøgle har en forkert længde; filen er ændret med et andet program.")
    return size


def _derive(derivation, start_key: bytes, size: int) -> bytes:
    """The key, from the derivation the file names, within the capped costs."""
    kind = derivation.get(f"{M}key-derivation-name", "")
    salt = _base64(derivation.get(f"{M}salt"))
    if not 8 <= len(salt) <= 64:
        raise InvalidWorkbook("Filens krypteringssalt har en forkert længde; filen er ændret med et andet program.")
    if kind == "PBKDF2":
        rounds = _number(derivation.get(f"{M}iteration-count"), MAX_PBKDF2_ITERATIONS)
        return hashlib.pbkdf2_hmac("sha1", start_key, salt, rounds, size)
    if kind == ARGON2ID:
        lanes = _number(derivation.get(f"{LOEXT}argon2-lanes"), MAX_ARGON2_LANES)
        memory = _number(derivation.get(f"{LOEXT}argon2-memory"), MAX_ARGON2_MEMORY_KIB, smallest=8 * lanes)
        iterations = _number(derivation.get(f"{LOEXT}argon2-iterations"), MAX_ARGON2_ITERATIONS)
        return Argon2id(salt=salt, length=size, iterations=iterations, lanes=lanes, memory_cost=memory).derive(start_key)
    raise InvalidWorkbook("Filen bruger en ukendt nøgleafledning; filen er ikke læst.")


def _number(text: str | None, largest: int, smallest: int = 1) -> int:
    """A whole number from the manifest, from `smallest` to `largest` (Argon2 needs 8 KiB
    of memory per lane)."""
    if (text is None or not text.isascii() or not text.isdigit() or len(text) > MAX_COST_DIGITS
            or not smallest <= int(text) <= largest):
        raise InvalidWorkbook("Filens kryptering har usædvanlige indstillinger (for dyre eller ugyldige); "
                              "filen er ikke læst.")
    return int(text)


def _base64(text: str | None) -> bytes:
    try:
        return base64.b64decode(text or "", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidWorkbook("Filens beskrivelse af krypteringen er beskadiget.") from None


def _inflate(data: bytes) -> bytes:
    """Raw deflate, under the same limits as a part of a plain package (a bomb cannot grow)."""
    inflater = zlib.decompressobj(-15)
    plain = inflater.decompress(data, MAX_INFLATED_BYTES)  # zlib.error: see _plain_part
    if inflater.unconsumed_tail:
        raise InvalidWorkbook(TOO_LARGE)
    check_ratio(len(plain), len(data))
    return plain

"""A password-protected .ods opens with --password, as a protected .xlsx does, and the
costs a forged file asks for stay bounded.

The three files in tests/data were saved by LibreOffice itself from elevvurdering.ods
with the password PASSWORD (see tests/data/README.md): -aes by LibreOffice 7.4 (each part
AES-256-CBC, PBKDF2), -argon2 by LibreOffice 25.2 (the whole package AES-256-GCM,
Argon2id), -blowfish by LibreOffice 7.4 set to ODF 1.1 (each part Blowfish in 64-bit CFB,
PBKDF2 from SHA-1, as LibreOffice wrote before 3.5)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import os
import re
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlkit.odfcrypt
from tests.conftest import file_hash
from xlkit.cli import main
from xlkit.errors import PASSWORD_NEEDED, WRONG_PASSWORD, InvalidWorkbook
from xlkit.reader import open_book, read_workbook

DATA = Path(__file__).parent / "data"
PASSWORD = "Hemmelig æø 1"  # not ASCII: the key starts from the password's UTF-8 bytes
ENCRYPTED = ["elevvurdering-aes.ods", "elevvurdering-argon2.ods", "elevvurdering-blowfish.ods"]
MANIFEST = "META-INF/manifest.xml"


def copy_with(source: Path, target: Path, change) -> Path:
    """Copy a package, passing the manifest's text through change()."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, change(data.decode()).encode() if item.filename == MANIFEST else data)
    return target


def wholesome(inner: bytes, password: str, memory: int = 64, iterations: int = 1, lanes: int = 1) -> bytes:
    """A package encrypted as LibreOffice 25.2 does it (cheap Argon2 costs unless asked)."""
    salt, nonce = os.urandom(16), os.urandom(12)
    key = Argon2id(salt=salt, length=32, iterations=iterations, lanes=lanes,
                   memory_cost=memory).derive(hashlib.sha256(password.encode()).digest())
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    sealed = nonce + AESGCM(key).encrypt(nonce, deflater.compress(inner) + deflater.flush(), None)
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0" manifest:version="1.4">'
        '<manifest:file-entry manifest:full-path="encrypted-package" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"><manifest:encryption-data>'
        '<manifest:algorithm manifest:algorithm-name="http://www.w3.org/2009/xmlenc11#aes256-gcm" '
        f'manifest:initialisation-vector="{base64.b64encode(nonce).decode()}"/>'
        '<manifest:start-key-generation manifest:start-key-generation-name="http://www.w3.org/2001/04/xmlenc#sha256" '
        'manifest:key-size="32"/><manifest:key-derivation manifest:key-derivation-name='
        '"urn:org:documentfoundation:names:experimental:office:manifest:argon2id" '
        f'loext:argon2-iterations="{iterations}" loext:argon2-memory="{memory}" loext:argon2-lanes="{lanes}" '
        f'manifest:salt="{base64.b64encode(salt).decode()}" manifest:key-size="32"/>'
        "</manifest:encryption-data></manifest:file-entry></manifest:manifest>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        package.writestr("encrypted-package", sealed)
        package.writestr(MANIFEST, manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()


@pytest.mark.parametrize("name", ENCRYPTED)
def test_libreoffice_protected_ods_reads_like_the_plain_one(name):
    plain = read_workbook(DATA / "elevvurdering.ods")
    protected = read_workbook(DATA / name, label="elevvurdering.ods", passwords=(PASSWORD,))
    assert dataclasses.astuple(protected) == dataclasses.astuple(plain)
    assert plain.records and plain.problems  # the fixture has ratings and a "gul" typed as text


@pytest.mark.parametrize("name", ENCRYPTED)
def test_without_or_with_a_wrong_password_it_says_so(name):
    with pytest.raises(InvalidWorkbook) as missing:
        read_workbook(DATA / name)
    assert str(missing.value) == PASSWORD_NEEDED
    for wrong in ("hemmelig æø 1", "Hemmelig ae o 1", ""):
        with pytest.raises(InvalidWorkbook) as error:
            read_workbook(DATA / name, passwords=(wrong,))
        assert str(error.value) == WRONG_PASSWORD


def test_blowfish_without_openssls_legacy_ciphers_says_what_to_do(monkeypatch):
    """cryptography's wheels carry Blowfish; an OpenSSL built without it must not look like
    a damaged file."""
    def unsupported(key):
        raise UnsupportedAlgorithm("Blowfish")

    monkeypatch.setattr(xlkit.odfcrypt, "Blowfish", unsupported)
    with pytest.raises(InvalidWorkbook, match=r"gamle kryptering \(Blowfish, fra ODF 1.1\).*gem den igen"):
        read_workbook(DATA / "elevvurdering-blowfish.ods", passwords=(PASSWORD,))
    read_workbook(DATA / "elevvurdering-aes.ods", passwords=(PASSWORD,))


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m.replace('iteration-count="100000"', 'iteration-count="1000000000"'), "usædvanlige indstillinger"),
    (lambda m: m.replace('iteration-count="100000"', 'iteration-count="-1"'), "usædvanlige indstillinger"),
    (lambda m: re.sub(r'manifest:salt="[^"]*"', 'manifest:salt="QQ=="', m), "salt har en forkert længde"),
    (lambda m: re.sub(r'manifest:salt="[^"]*"', 'manifest:salt="ikke base64!"', m), "beskadiget"),
    (lambda m: m.replace('manifest:key-derivation-name="PBKDF2"', 'manifest:key-derivation-name="scrypt"'),
     "ukendt nøgleafledning"),
    (lambda m: m.replace("xmlenc#aes256-cbc", "xmlenc#tripledes-cbc 010203-1234"), "ikke kan åbne. Åbn"),
    (lambda m: m.replace('key-size="32"', 'key-size="16"'), "forkert længde"),
    (lambda m: m.replace("</manifest:manifest>", "<manifest:keyinfo/></manifest:manifest>"), "OpenPGP"),
])
def test_forged_encryption_settings_are_refused_quickly(tmp_path, change, message):
    path = copy_with(DATA / "elevvurdering-aes.ods", tmp_path / "klasse.ods", change)
    start = time.perf_counter()
    with pytest.raises(InvalidWorkbook, match=message):
        read_workbook(path, passwords=(PASSWORD,))
    assert time.perf_counter() - start < 5  # a billion PBKDF2 rounds would take about an hour


def test_a_blowfish_vector_of_the_wrong_length_is_refused(tmp_path):
    path = copy_with(DATA / "elevvurdering-blowfish.ods", tmp_path / "klasse.ods",
                     lambda m: re.sub(r'initialisation-vector="[^"]*"', 'initialisation-vector="QUFBQQ=="', m))
    with pytest.raises(InvalidWorkbook, match="forkert længde"):
        read_workbook(path, passwords=(PASSWORD,))


@pytest.mark.parametrize("costs", ['argon2-memory="65536"', 'argon2-iterations="3"', 'argon2-lanes="4"'])
def test_argon2_costs_beyond_what_libreoffice_writes_are_refused(tmp_path, costs):
    name, value = costs.split("=")
    larger = {"argon2-memory": "4194304", "argon2-iterations": "1000", "argon2-lanes": "1024"}[name]
    path = copy_with(DATA / "elevvurdering-argon2.ods", tmp_path / "klasse.ods",
                     lambda m: m.replace(costs, f'{name}="{larger}"'))
    start = time.perf_counter()
    with pytest.raises(InvalidWorkbook, match="usædvanlige indstillinger"):
        read_workbook(path, passwords=(PASSWORD,))
    assert time.perf_counter() - start < 5  # 4 GiB of Argon2 memory was never allocated


def test_an_encrypted_bomb_stops_at_the_package_limit(tmp_path):
    path = tmp_path / "bombe.ods"
    path.write_bytes(wholesome(b"\0" * 200_000_000, PASSWORD))  # 200 MB of zeros: 0.2 MB deflated
    start = time.perf_counter()
    with pytest.raises(InvalidWorkbook, match="lægge computeren ned"):
        open_book(path, (PASSWORD,))
    assert time.perf_counter() - start < 10
    inner = io.BytesIO()  # a plain package inside, with a bomb of its own: the usual limits apply
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        package.writestr("content.xml", b"<a>" + b" " * 20_000_000 + b"</a>")
    path.write_bytes(wholesome(inner.getvalue(), PASSWORD))
    with pytest.raises(InvalidWorkbook, match="lægge computeren ned"):
        open_book(path, (PASSWORD,))


def test_an_encrypted_part_that_inflates_like_a_bomb_is_refused_as_in_a_plain_package(tmp_path):
    inner = io.BytesIO()  # the 20 MB part stored, so only the encrypted stream is compressed
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_STORED) as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        package.writestr("content.xml", b"<a>" + b" " * 20_000_000 + b"</a>")
    path = tmp_path / "bombe.ods"
    path.write_bytes(wholesome(inner.getvalue(), PASSWORD))
    start = time.perf_counter()
    with pytest.raises(InvalidWorkbook, match="En del af filen pakker sig .* gange større ud"):
        open_book(path, (PASSWORD,))
    assert time.perf_counter() - start < 5


def test_repeated_parts_cost_no_extra_key_derivations(tmp_path):
    path = tmp_path / "gentaget.ods"
    with zipfile.ZipFile(DATA / "elevvurdering-aes.ods") as src, zipfile.ZipFile(path, "w") as dst:
        content = src.read("content.xml")
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item))
        with pytest.warns(UserWarning, match="Duplicate name"):
            for _ in range(50):  # 50 derivations at 100,000 rounds would take many seconds
                dst.writestr("content.xml", content)
    start = time.perf_counter()
    with pytest.raises(InvalidWorkbook, match="flere dele med samme navn"):
        open_book(path, (PASSWORD,))
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize(("name", "change"), [
    ("elevvurdering-argon2.ods", lambda m: m.replace('argon2-memory="65536"', 'argon2-memory="31"')),  # < 8 x 4 lanes
    ("elevvurdering-aes.ods", lambda m: m.replace('iteration-count="100000"', f'iteration-count="{"9" * 5000}"')),
])
def test_costs_cryptography_or_python_would_refuse_get_the_readers_message(tmp_path, name, change):
    path = copy_with(DATA / name, tmp_path / "klasse.ods", change)
    with pytest.raises(InvalidWorkbook, match="usædvanlige indstillinger"):
        read_workbook(path, passwords=(PASSWORD,))


def test_a_password_that_is_no_text_is_a_wrong_password():
    """Command-line bytes that are not UTF-8 become lone surrogates in Python."""
    for name in ENCRYPTED:
        with pytest.raises(InvalidWorkbook) as error:
            read_workbook(DATA / name, passwords=("Hemmelig \udce6\udcf8 1",))
        assert str(error.value) == WRONG_PASSWORD


def test_a_protected_package_keeps_its_macro_flag(tmp_path):
    path = tmp_path / "makro.ods"
    with zipfile.ZipFile(DATA / "elevvurdering-aes.ods") as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("Basic/Standard/Module1.xml", os.urandom(64))  # encrypted like the rest
    book = open_book(path, (PASSWORD,))
    assert book.has_macros and "Elevvurdering" in book.sheetnames


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(ENCRYPTED), attribute=st.integers(0, 200),
       value=st.sampled_from(["", "0", "1", "99", "A", "QUFBQQ==", "AAAAAAAAAAAAAAAAAAAAAA==", "x" * 300, "ø"]))
def test_a_changed_encryption_setting_gives_only_the_readers_error(tmp_path, name, attribute, value):
    def change(manifest: str) -> str:
        values = list(re.finditer(r'(?:manifest|loext):[a-z0-9-]+="([^"]*)"', manifest))
        found = values[attribute % len(values)]
        return manifest[:found.start(1)] + value + manifest[found.end(1):]

    path = copy_with(DATA / name, tmp_path / "klasse.ods", change)
    try:
        read_workbook(path, passwords=(PASSWORD,))
    except InvalidWorkbook:
        pass


def test_consolidate_reads_protected_ods_with_the_prompted_password(tmp_path):
    folder = tmp_path / "skemaer"
    folder.mkdir()
    for name in ENCRYPTED:
        (folder / name).write_bytes((DATA / name).read_bytes())
    hashes = {p: file_hash(p) for p in folder.iterdir()}
    out = tmp_path / "oversigt.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(out), "--password"],
                                input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    files = {row[0]: (row[1], row[8]) for row in openpyxl.load_workbook(out)["Filer"].iter_rows(min_row=4, values_only=True)
             if row[0]}
    assert [files[name][0] for name in ENCRYPTED] == ["Læst"] * 3
    assert {p: file_hash(p) for p in folder.iterdir()} == hashes
    without = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(tmp_path / "uden.xlsx")])
    assert without.exit_code == 1 and not (tmp_path / "uden.xlsx").exists()  # no file could be read: no summary
    reason = next(line for line in without.output.splitlines() if "elevvurdering-argon2.ods" in line)
    assert "--password" in reason


@pytest.mark.parametrize("name", ["elevvurdering-aes.ods", "elevvurdering-blowfish.ods"])
def test_a_part_damaged_after_the_password_is_proved_is_reported_as_damaged(tmp_path, name):
    """The checksum of the first kilobyte proves the password; a part that then does not
    inflate is damaged, and trying the next passwords would not help. (AES-GCM's tag covers
    every byte, so there a damaged file and a wrong password cannot be told apart.)"""
    def damage(source: Path, target: Path) -> Path:
        with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
            for item in old.infolist():
                data = old.read(item)
                if item.filename == "content.xml":
                    data = data[:1500] + bytes([data[1500] ^ 0xFF]) + data[1501:]
                new.writestr(item, data)
        return target

    path = damage(DATA / name, tmp_path / name)
    with pytest.raises(InvalidWorkbook) as error:
        read_workbook(path, passwords=(PASSWORD, "kode 2", "kode 3"))
    assert str(error.value) == "Adgangskoden passer, men filens krypterede indhold er beskadiget."
    with pytest.raises(TypeError):  # one string would be tried letter by letter
        read_workbook(path, passwords=PASSWORD)

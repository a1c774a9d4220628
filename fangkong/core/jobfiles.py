"""Job files on disk: uploads, exports and rejected-rows reports hold personal numbers.

Every file is created 0600 (``O_CREAT | O_EXCL``, so nothing else's file is ever reused) in a
0700 directory. Files that stay after their job (exports, error reports) are encrypted at rest:
a fresh AES-256-GCM data key per file, wrapped with the keyring's current key through
``core.crypto``, and the content sealed in 64 KiB chunks (the chunk number and a last-chunk flag
are authenticated, so a truncated or reordered file fails to open). They are decrypted only as
they are downloaded. Inputs are deleted when their import ends; outputs expire after
``FANGKONG_JOB_FILE_TTL_HOURS`` (``manage.py purge_job_files``).
"""

from __future__ import annotations

import base64
import os
import secrets
import struct
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from fangkong.core import crypto

MAGIC = b"FKJOB1\n"
CHUNK = 64 * 1024
_NONCE = 12


class SealedFileError(Exception):
    """The sealed file is damaged, truncated or made with a key that is gone."""


def job_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "jobs"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def create_private(name: str) -> tuple[Path, object]:
    """Create ``job_dir()/name`` for writing, 0600, failing if it already exists."""
    path = job_dir() / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    return path, os.fdopen(fd, "wb")


def write_private(name: str, data: bytes) -> Path:
    path, handle = create_private(name)
    with handle:
        handle.write(data)
    return path


class SealedWriter:
    """A write-only binary stream that seals what is written into ``handle`` chunk by chunk.

    Usable wherever a file object is written sequentially (``zipfile`` in write mode, hence
    openpyxl's ``save``). ``close()`` writes the last chunk; without it the file never opens.
    """

    def __init__(self, handle):
        self._handle = handle
        self._key = AESGCM.generate_key(bit_length=256)
        self._aead = AESGCM(self._key)
        self._prefix = secrets.token_bytes(4)
        self._buffer = bytearray()
        self._index = 0
        self._written = 0
        self.closed = False
        wrapped = crypto.encrypt(base64.b64encode(self._key).decode())
        self._header = MAGIC + struct.pack(">H", len(wrapped)) + wrapped + self._prefix
        handle.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        self._written += len(data)
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        self._handle.flush()

    def _seal(self, plain: bytes, *, last: bool) -> None:
        nonce = self._prefix + struct.pack(">Q", self._index)
        aad = self._header + struct.pack(">Q?", self._index, last)
        sealed = self._aead.encrypt(nonce, plain, aad)
        self._handle.write(struct.pack(">I?", len(sealed), last) + sealed)
        self._index += 1

    def close(self) -> None:
        if self.closed:
            return
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._handle.close()
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def create_sealed(name: str) -> tuple[Path, SealedWriter]:
    path, handle = create_private(name)
    return path, SealedWriter(handle)


def is_sealed(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def open_sealed(path: Path) -> Iterator[bytes]:
    """The plaintext of a sealed file, chunk by chunk; raises ``SealedFileError`` if it is not
    intact (checked before each chunk is handed out, and at the end for truncation)."""
    with open(path, "rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise SealedFileError("not a sealed job file")
        (size,) = struct.unpack(">H", handle.read(2))
        wrapped = handle.read(size)
        prefix = handle.read(4)
        header = MAGIC + struct.pack(">H", size) + wrapped + prefix
        try:
            key = base64.b64decode(crypto.decrypt(wrapped))
        except Exception as exc:  # unknown key id, tampered wrapping
            raise SealedFileError("the file's key cannot be unwrapped") from exc
        aead = AESGCM(key)
        index = 0
        while True:
            head = handle.read(5)
            if len(head) < 5:
                raise SealedFileError("the file is truncated")
            length, last = struct.unpack(">I?", head)
            sealed = handle.read(length)
            nonce = prefix + struct.pack(">Q", index)
            try:
                plain = aead.decrypt(nonce, sealed, header + struct.pack(">Q?", index, last))
            except InvalidTag as exc:
                raise SealedFileError("the file is damaged") from exc
            yield plain
            if last:
                return
            index += 1

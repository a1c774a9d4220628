"""Encryption at rest for personal data (PIPL): AES-256-GCM with an HMAC-SHA256 blind index.

The keyring is JSON: ``{"current": "k2", "keys": {"k1": "<b64>", "k2": "<b64>"}, "index_key":
"<b64>"}``. It comes from the ``FANGKONG_KEYS`` environment variable (or ``FANGKONG_KEYS_FILE``),
otherwise from ``FANGKONG_KEY_FILE``, which is created with mode 0600 on first use. Each
ciphertext names the key that made it, so keys can be rotated (``manage.py rotate_keys``) while
old rows still decrypt. The blind index uses a separate key so that equality lookups and
duplicate detection never need the plaintext in SQL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_NONCE_BYTES = 12
_lock = threading.Lock()
_keyring: Keyring | None = None


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: dict[str, bytes]
    index_key: bytes

    def to_json(self) -> str:
        return json.dumps(
            {
                "current": self.current,
                "keys": {kid: base64.b64encode(k).decode() for kid, k in self.keys.items()},
                "index_key": base64.b64encode(self.index_key).decode(),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, source: str) -> Keyring:
        try:
            data = json.loads(text)
            keys = {kid: base64.b64decode(k, validate=True) for kid, k in data["keys"].items()}
            ring = cls(data["current"], keys, base64.b64decode(data["index_key"], validate=True))
        except (ValueError, KeyError, TypeError) as exc:
            raise ImproperlyConfigured(f"The keyring in {source} is malformed: {exc}") from None
        if ring.current not in ring.keys:
            raise ImproperlyConfigured(f"The keyring in {source} has no key {ring.current!r}")
        if any(len(k) != 32 for k in ring.keys.values()) or len(ring.index_key) < 32:
            raise ImproperlyConfigured(f"The keyring in {source} has keys of the wrong length")
        if any(":" in kid for kid in ring.keys):
            raise ImproperlyConfigured(f"Key ids in {source} may not contain ':'")
        return ring

    @classmethod
    def generate(cls) -> Keyring:
        return cls("k1", {"k1": AESGCM.generate_key(bit_length=256)}, secrets.token_bytes(32))


def write_key_file(path: Path, ring: Keyring) -> None:
    """Write the keyring readable by the owner only, replacing the file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w") as fh:
        fh.write(ring.to_json())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_keyring() -> Keyring:
    global _keyring
    if _keyring is not None:
        return _keyring
    with _lock:
        if _keyring is None:
            if settings.FANGKONG_KEYS:
                _keyring = Keyring.from_json(settings.FANGKONG_KEYS, "FANGKONG_KEYS")
            else:
                path = Path(settings.FANGKONG_KEY_FILE)
                if not path.exists():
                    if getattr(settings, "PRODUCTION", False):
                        raise ImproperlyConfigured(
                            f"No keyring: set FANGKONG_KEYS_FILE or create {path} "
                            "with `manage.py rotate_keys --init`"
                        )
                    write_key_file(path, Keyring.generate())
                _keyring = Keyring.from_json(path.read_text(), str(path))
    return _keyring


def reset_keyring_cache() -> None:
    global _keyring
    with _lock:
        _keyring = None


def encrypt(plaintext: str, ring: Keyring | None = None) -> bytes:
    ring = ring or load_keyring()
    nonce = secrets.token_bytes(_NONCE_BYTES)
    kid = ring.current.encode()
    ciphertext = AESGCM(ring.keys[ring.current]).encrypt(nonce, plaintext.encode(), kid)
    return kid + b":" + nonce + ciphertext


def key_id_of(blob: bytes) -> str:
    return bytes(blob).split(b":", 1)[0].decode()


def decrypt(blob: bytes, ring: Keyring | None = None) -> str:
    cached = ring is None
    ring = ring or load_keyring()
    blob = bytes(blob)
    kid, _, rest = blob.partition(b":")
    key = ring.keys.get(kid.decode())
    if key is None and cached:
        # Another process may have rotated the key file since we cached it (rotate_keys writes
        # the new key before any row uses it): reload once before giving up.
        reset_keyring_cache()
        ring = load_keyring()
        key = ring.keys.get(kid.decode())
    if key is None:
        raise ImproperlyConfigured(f"Ciphertext made with unknown key {kid.decode()!r}")
    nonce, ciphertext = rest[:_NONCE_BYTES], rest[_NONCE_BYTES:]
    return AESGCM(key).decrypt(nonce, ciphertext, kid).decode()


def blind_index(value: str, purpose: str, ring: Keyring | None = None) -> str:
    """A keyed hash for exact lookup: same value and purpose, same index; nothing reversible."""
    ring = ring or load_keyring()
    digest = hmac.new(ring.index_key, f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return digest.hexdigest()


def last4_index(value: str, purpose: str, ring: Keyring | None = None) -> str:
    """The keyed index of the last four characters, for "search by the last four digits".

    Kept instead of the plain digits: the region code and the birth date are plain elsewhere,
    so plain last four digits would give the whole ID number back without any key.
    The purpose (``resident_id_last4``, ``mobile_last4``) keeps it apart from the full-number
    index of the same field.
    """
    if not value:
        return ""
    return blind_index(value[-4:].upper(), f"{purpose}_last4", ring)

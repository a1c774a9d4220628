"""Bulk writes of the list import: insert-or-skip many rows in one statement per chunk, and the
per-value crypto done with one key lookup.

A carrier list has up to a million rows; building a model instance and a ``bulk_create`` per
row would cost more than the whole matching. Rows are dicts of column values here, prepared
once by their field (encrypted values are already ciphertext), and inserted with
``ON CONFLICT DO NOTHING`` semantics: a row already stored under a unique key (a list row's
fingerprint, a task's person and window) is skipped, which is what makes a resumed or repeated
import store nothing twice. PostgreSQL: ``COPY`` into a temporary table, then one
``INSERT … SELECT … ON CONFLICT DO NOTHING``. SQLite: ``executemany`` of ``INSERT OR IGNORE``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

from fangkong.core import crypto
from fangkong.core.fields import EncryptedTextField


class Crypt:
    """``crypto.encrypt`` / ``blind_index`` / ``last4_index`` with the keyring read once: the same
    ciphertext format and the same indexes, at a fraction of the cost per value."""

    def __init__(self):
        ring = crypto.load_keyring()
        self._kid = ring.current.encode()
        self._aead = AESGCM(ring.keys[ring.current])
        self._index_key = ring.index_key

    def encrypt(self, text: str) -> bytes | None:
        if not text:
            return None
        nonce = os.urandom(12)
        return self._kid + b":" + nonce + self._aead.encrypt(nonce, text.encode(), self._kid)

    def index(self, value: str, purpose: str) -> str:
        if not value:
            return ""
        return hmac.digest(self._index_key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hex()

    def last4(self, value: str, purpose: str) -> str:
        return self.index(value[-4:].upper(), f"{purpose}_last4") if value else ""


def _prep(model) -> list[tuple[str, str, object, str, object]]:
    """(attname, column, default, kind, prep) for every concrete field but the primary key.

    Kinds: ``plain`` (stored as given), ``binary`` (ciphertext), ``json`` (dumped here),
    ``memo`` (prepared by the field once per distinct value: a chunk's rows share a handful of
    dates and one timestamp)."""
    plain = (models.CharField, models.IntegerField, models.BooleanField, models.ForeignKey)
    out = []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if isinstance(f, EncryptedTextField):
            kind = "binary"
        elif isinstance(f, models.JSONField):
            kind = "json"
        elif isinstance(f, plain):
            kind = "plain"
        else:
            kind = "memo"
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            default = timezone.now()
        else:
            default = f.get_default() if f.has_default() else (None if f.null else "")
        out.append((f.attname, f.column, default, kind, f.get_db_prep_save))
    return out


def insert_ignore(model, rows: list[dict]) -> None:
    """Insert ``rows`` (attname -> value; missing fields take their defaults), skipping any row
    that would violate a unique constraint."""
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]
    db.ensure_connection()
    spec = _prep(model)
    binary = db.Database.Binary
    columns_out = []
    for attname, _column, default, kind, prep in spec:
        column = [row.get(attname, default) for row in rows]
        if kind == "binary":
            column = [None if v is None else binary(v) for v in column]
        elif kind == "json":
            column = [None if v is None else "[]" if v == [] else json.dumps(v) for v in column]
        elif kind == "memo":
            memo: dict = {}
            prepared = []
            for v in column:
                if v not in memo:
                    memo[v] = prep(v, db)
                prepared.append(memo[v])
            column = prepared
        columns_out.append(column)
    values = list(zip(*columns_out, strict=True))
    table = db.ops.quote_name(model._meta.db_table)
    columns = ", ".join(db.ops.quote_name(s[1]) for s in spec)
    if db.vendor == "postgresql":
        temp = db.ops.quote_name(f"tmp_{model._meta.db_table}")
        with db.cursor() as cur:
            # Names come from the model's metadata, never from input.
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {temp} "  # noqa: S608
                f"AS SELECT {columns} FROM {table} WITH NO DATA"
            )
            cur.execute(f"TRUNCATE {temp}")
            with cur.cursor.copy(f"COPY {temp} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            cur.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {temp} "  # noqa: S608
                "ON CONFLICT DO NOTHING"
            )
    else:
        marks = ", ".join(["%s"] * len(spec))
        with db.cursor() as cur:
            cur.cursor.executemany(
                f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                values,
            )

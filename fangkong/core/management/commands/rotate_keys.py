"""Rotate the personal-data keys: a new data key (default), or a new blind-index key (--index).

Ordering is what keeps data safe if the command dies half way:

1. the key file is rewritten (atomically) with the new key ADDED and marked current, before any
   row is touched, so every ciphertext in the database is always made by a key in the file;
2. rows are re-encrypted in small batches, each in its own transaction;
3. old keys stay in the file until ``--retire-old``, which drops only keys that a scan of every
   encrypted column (historical tables included) proves unused.

Other processes that cached the old keyring reload it when they meet the new key id (see
``crypto.decrypt``); restart the app servers before ``--retire-old`` so none still encrypts with
a retired key. A keyring given through ``FANGKONG_KEYS`` cannot be rewritten from here: rotate
the file it came from with this command on a copy, then redeploy.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F

from fangkong.core import crypto
from fangkong.core.fields import EncryptedTextField
from fangkong.core.sensitive import SensitiveFieldsMixin

BATCH = 500


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model (historical tables too) with its EncryptedTextField columns."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def raw_rows(model, names: list[str], **filters) -> Iterator[tuple]:
    """``(pk, blob, blob, ...)`` with the ciphertext as stored: the field's decryption is skipped
    by reading each column through an expression typed as a plain BinaryField."""
    raw = {f"_raw_{n}": ExpressionWrapper(F(n), output_field=models.BinaryField()) for n in names}
    qs = model._base_manager.filter(**filters).order_by("pk").annotate(**raw)
    return qs.values_list("pk", *raw).iterator(chunk_size=2000)


def key_ids_in_use() -> dict[str, int]:
    """How many stored ciphertexts each key id made, over every encrypted column."""
    counts: dict[str, int] = {}
    for model, names in encrypted_fields():
        for row in raw_rows(model, names):
            for blob in row[1:]:
                if blob is not None:
                    kid = crypto.key_id_of(bytes(blob))
                    counts[kid] = counts.get(kid, 0) + 1
    return counts


def _next_key_id(ring: crypto.Keyring) -> str:
    numbers = [int(m.group(1)) for k in ring.keys if (m := re.fullmatch(r"k(\d+)", k))]
    return f"k{max(numbers, default=0) + 1}"


class Command(BaseCommand):
    help = (
        "Rotate the encryption key of personal data (re-encrypting every row), or with --index "
        "the blind-index key. --init creates the key file for a new installation."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--init",
            action="store_true",
            help="Create the key file (mode 0600) if it does not exist yet.",
        )
        group.add_argument(
            "--index",
            action="store_true",
            help="Rotate the blind-index key and recompute every index column.",
        )
        group.add_argument(
            "--retire-old",
            action="store_true",
            help="Remove keys that no stored ciphertext uses any more.",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH)

    def handle(self, *args, init=False, index=False, retire_old=False, batch_size=BATCH, **options):
        if settings.FANGKONG_KEYS:
            raise CommandError(
                "The keyring comes from the FANGKONG_KEYS environment variable (or "
                "FANGKONG_KEYS_FILE), which this command cannot rewrite. Copy it to a key file, "
                "run `FANGKONG_KEY_FILE=<copy> manage.py rotate_keys` against the database, then "
                "deploy the new keyring to every server."
            )
        self.path = Path(settings.FANGKONG_KEY_FILE)
        self.batch = max(1, batch_size)
        try:
            if init:
                self.init()
            elif index:
                self.rotate_index()
            elif retire_old:
                self.retire_old()
            else:
                self.rotate_data_key()
        finally:
            # This process, and anything it runs next, must see the file as it now is.
            crypto.reset_keyring_cache()

    def _ring(self) -> crypto.Keyring:
        if not self.path.exists():
            raise CommandError(f"No key file at {self.path}: run `manage.py rotate_keys --init`.")
        crypto.reset_keyring_cache()
        return crypto.load_keyring()

    def _write(self, ring: crypto.Keyring) -> None:
        crypto.write_key_file(self.path, ring)
        crypto.reset_keyring_cache()

    def init(self) -> None:
        if self.path.exists():
            ring = self._ring()  # fails loudly if the existing file is malformed
            self.stdout.write(
                f"{self.path} already exists (current key {ring.current}); nothing changed."
            )
            return
        self._write(crypto.Keyring.generate())
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {self.path} (mode 0600). Back it up: "
                "without it the personal data cannot be read."
            )
        )

    def rotate_data_key(self) -> None:
        old = self._ring()
        kid = _next_key_id(old)
        ring = crypto.Keyring(
            kid, {**old.keys, kid: AESGCM.generate_key(bit_length=256)}, old.index_key
        )
        self._write(ring)  # step 1: the new key is in the file before any row uses it
        self.stdout.write(f"Added key {kid} to {self.path} and made it current.")
        total = 0
        for model, names in encrypted_fields():
            done = self._reencrypt(model, names, ring)
            total += done
            if done:
                self.stdout.write(f"  {model._meta.label}: {done} rows re-encrypted")
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {total} rows under {kid}. Restart the app servers, then run "
                "`manage.py rotate_keys --retire-old` to drop the old keys."
            )
        )

    def _reencrypt(self, model, names: list[str], ring: crypto.Keyring) -> int:
        done = 0
        last = None
        while True:
            with transaction.atomic():
                qs = model._base_manager.order_by("pk")
                if last is not None:
                    qs = qs.filter(pk__gt=last)
                pks = list(qs.values_list("pk", flat=True)[: self.batch])
                if not pks:
                    return done
                last = pks[-1]
                # Lock the batch so a concurrent edit cannot be overwritten with stale plaintext.
                list(model._base_manager.filter(pk__in=pks).select_for_update().values("pk"))
                # Per column, the rows whose ciphertext is not yet under the current key: a
                # rerun after a crash skips what is already done.
                pending: dict[str, list[models.Model]] = {name: [] for name in names}
                for pk, *blobs in raw_rows(model, names, pk__in=pks):
                    touched = False
                    for name, blob in zip(names, blobs, strict=True):
                        if blob is not None and crypto.key_id_of(bytes(blob)) != ring.current:
                            blob = crypto.encrypt(crypto.decrypt(bytes(blob)), ring)
                            # Ciphertext bytes pass through get_prep_value unchanged.
                            pending[name].append(model(pk=pk, **{name: blob}))
                            touched = True
                    done += touched
                for name, objs in pending.items():
                    if objs:
                        # bulk_update, not save(): no version bump, no history row.
                        model._base_manager.bulk_update(objs, [name], batch_size=BATCH)

    def rotate_index(self) -> None:
        old = self._ring()
        ring = crypto.Keyring(old.current, dict(old.keys), secrets.token_bytes(32))
        # Blind indexes can always be recomputed from the ciphertext, so the file goes first;
        # if this run dies, run it again. Exact search is incomplete until it finishes.
        self._write(ring)
        self.stdout.write(f"Wrote a new blind-index key to {self.path}; recomputing indexes.")
        for model in apps.get_models():
            if issubclass(model, SensitiveFieldsMixin) and model.SENSITIVE:
                n = self._reindex(model, model, lambda obj: obj.refresh_sensitive_indexes())
                self.stdout.write(f"  {model._meta.label}: {n} rows")
            source = getattr(model, "instance_type", None)  # simple_history's historical model
            if source is not None and issubclass(source, SensitiveFieldsMixin) and source.SENSITIVE:
                n = self._reindex(model, source, lambda obj, s=source: _refresh_history(obj, s))
                self.stdout.write(f"  {model._meta.label}: {n} rows")
        self.stdout.write(self.style.SUCCESS("Blind-index key rotated."))

    def _reindex(self, model, source, refresh) -> int:
        columns = [c for spec in source.SENSITIVE.values() for c in spec[:2]]
        wanted = [*source.SENSITIVE, *columns]
        done = 0
        last = None
        while True:
            with transaction.atomic():
                qs = model._base_manager.order_by("pk").only(*wanted)
                if last is not None:
                    qs = qs.filter(pk__gt=last)
                batch = list(qs.select_for_update()[: self.batch])
                if not batch:
                    return done
                last = batch[-1].pk
                for obj in batch:
                    refresh(obj)
                # bulk_update, not save(): no version bump, no history row, no updated_at.
                model._base_manager.bulk_update(batch, columns, batch_size=BATCH)
                done += len(batch)

    def retire_old(self) -> None:
        ring = self._ring()
        in_use = key_ids_in_use()
        unknown = set(in_use) - set(ring.keys)
        if unknown:
            raise CommandError(
                f"Rows use keys missing from {self.path}: {sorted(unknown)}. "
                "Restore them from a backup before anything else."
            )
        keep = {k: v for k, v in ring.keys.items() if k == ring.current or k in in_use}
        dropped = sorted(set(ring.keys) - set(keep))
        still = sorted(k for k in keep if k != ring.current)
        if dropped:
            self._write(crypto.Keyring(ring.current, keep, ring.index_key))
            self.stdout.write(self.style.SUCCESS(f"Removed unused keys: {', '.join(dropped)}."))
        else:
            self.stdout.write("No unused keys to remove.")
        if still:
            self.stdout.write(
                self.style.WARNING(
                    f"Still in use, kept: {', '.join(f'{k} ({in_use[k]} values)' for k in still)}. "
                    "Run `manage.py rotate_keys` to re-encrypt them."
                )
            )


def _refresh_history(obj, source) -> None:
    """The same index columns as ``SensitiveFieldsMixin.refresh_sensitive_indexes``, on a
    historical row (which does not inherit the mixin)."""
    for field, (bidx_field, last4_field, purpose) in source.SENSITIVE.items():
        value = getattr(obj, field) or ""
        setattr(obj, bidx_field, crypto.blind_index(value, purpose) if value else "")
        setattr(obj, last4_field, crypto.last4_index(value, purpose))

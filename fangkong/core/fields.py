"""Model fields for personal data: stored encrypted, read as plain ``str`` in Python."""

from django.db import models

from fangkong.core import crypto


class EncryptedTextField(models.BinaryField):
    """Holds a string encrypted with the current data key; the database never sees plaintext.

    It cannot be filtered on (every encryption is different): pair it with a blind-index
    ``CharField`` (see ``SensitiveFieldsMixin``) for exact lookup.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("editable", "blank", "null"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None:
            return ""
        return crypto.decrypt(bytes(value))

    def to_python(self, value):
        if value is None:
            return ""
        if isinstance(value, bytes | memoryview | bytearray):
            return crypto.decrypt(bytes(value))
        return str(value)

    def get_prep_value(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bytes | memoryview | bytearray):
            return bytes(value)  # already ciphertext (e.g. copied by history tracking)
        return crypto.encrypt(str(value))

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None:
            return None
        return connection.Database.Binary(value)

    @property
    def get_placeholder(self):
        # BinaryField asks the backend for a placeholder per value, which is plain "%s" on
        # PostgreSQL and SQLite (only Oracle differs). Merely having the method makes
        # PostgreSQL's bulk insert give up its UNNEST form (one short, cached statement for a
        # whole batch) for VALUES with a placeholder per cell, which psycopg then parses anew
        # for every batch: the batch API's costliest step. Absent, "%s" is used.
        raise AttributeError("get_placeholder")

    def value_to_string(self, obj):
        return "***"

    def formfield(self, **kwargs):
        from django import forms

        return forms.CharField(required=not self.blank, **kwargs)

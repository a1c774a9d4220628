"""``field__prefix=value``: a prefix match that every database can answer from a B-tree index.

PostgreSQL answers ``LIKE 'zs%'`` from the ``varchar_pattern_ops`` indexes the models declare.
SQLite's LIKE is case-insensitive and so cannot use an ordinary index; there the same match is
written as the range ``value <= field < value || U+10FFFF``, which can. Search fields hold
lowercase pinyin, digits or Chinese, so the two spellings agree.
"""

from django.db.models import CharField
from django.db.models.lookups import StartsWith

_TOP = "\U0010ffff"


@CharField.register_lookup
class Prefix(StartsWith):
    lookup_name = "prefix"

    def get_rhs_op(self, connection, rhs):
        # Backends key their LIKE operators by the built-in lookup names.
        return connection.operators["startswith"] % rhs

    def as_sqlite(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        value = self.rhs
        return (
            f"({lhs_sql} >= %s AND {lhs_sql} < %s)",
            [*lhs_params, value, *lhs_params, value + _TOP],
        )


__all__ = ["Prefix"]

"""Counting what a search found, without counting a whole district to say "a lot"."""

from django.db.models import QuerySet

# A search that finds more than this tells the user to type more; nobody pages through a
# thousand namesakes, and counting 60,000 of them costs a scan of them all.
SEARCH_COUNT_CAP = 1000


def capped_count(queryset: QuerySet, cap: int = SEARCH_COUNT_CAP) -> tuple[int, bool]:
    """``(n, more)``: the number of rows up to ``cap``, and whether there are more than that.

    The database stops after ``cap + 1`` rows (``SELECT COUNT(*) FROM (... LIMIT cap + 1)``).
    """
    n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap

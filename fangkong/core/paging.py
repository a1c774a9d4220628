"""Counting what a search found, without counting a whole district to say "a lot"."""

import math
from collections.abc import Callable

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import models
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

# A search that finds more than this tells the user to type more; nobody pages through a
# thousand namesakes, and counting 60,000 of them costs a scan of them all.
SEARCH_COUNT_CAP = 1000


def capped_count(queryset: QuerySet, cap: int = SEARCH_COUNT_CAP) -> tuple[int, bool]:
    """``(n, more)``: the number of rows up to ``cap``, and whether there are more than that.

    The database stops after ``cap + 1`` rows (``SELECT COUNT(*) FROM (... LIMIT cap + 1)``).
    """
    n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


# Lists stop counting here ("10,000+ records"): an exact figure past it is worth nothing to a
# reader and costs a scan of every matching row on every page view.
LIST_COUNT_CAP = 10_000

# (actor, model) -> kept total of every live record in the actor's scope, or None when the
# model is not counted. Registered by the app that keeps the counts (places), so core does not
# import it.
_kept_total: Callable[..., int | None] | None = None


def register_kept_total(func: Callable[..., int | None]) -> None:
    global _kept_total
    _kept_total = func


def kept_total(*, actor, model: type[models.Model]) -> int | None:
    """The exact, cheaply kept number of ``model`` records in ``actor``'s scope, if kept."""
    return _kept_total(actor=actor, model=model) if _kept_total is not None else None


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, has_more: bool | None = None):
        super().__init__(object_list, number, paginator)
        self._has_more = has_more

    def has_next(self) -> bool:
        return super().has_next() if self._has_more is None else self._has_more

    @property
    def elided_range(self):
        """Page numbers around this one and at the ends, ``…`` between: the pager never loops
        over 40,000 pages of a district."""
        return list(self.paginator.get_elided_page_range(self.number, on_each_side=2, on_ends=1))


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows (``SELECT COUNT(*) FROM (… LIMIT cap+1)``).

    Past the cap, ``count_capped`` is true, ``count`` is the cap, and pages go on for as long
    as there are rows: each page fetches one row more than it shows to know whether a next
    one exists. ``exact_count`` (e.g. a kept total) is used as is, with no counting at all.
    """

    def __init__(self, object_list, per_page, *, cap: int | None = None, exact_count=None):
        super().__init__(object_list, per_page)
        self.cap = cap or LIST_COUNT_CAP
        self.exact_count = exact_count
        self.count_capped = False
        self._reached = 0

    @cached_property
    def count(self) -> int:
        if self.exact_count is not None:
            return self.exact_count
        if not isinstance(self.object_list, models.QuerySet):
            return len(self.object_list)
        n, self.count_capped = capped_count(self.object_list, self.cap)
        return n

    @property
    def num_pages(self) -> int:
        known = max(1, math.ceil(self.count / self.per_page))
        return max(known, self._reached) if self.count_capped else known

    def validate_number(self, number):
        if self.count and self.count_capped:
            try:
                number = int(number)
            except (TypeError, ValueError):
                raise PageNotAnInteger(_("That page number is not an integer")) from None
            if number < 1:
                raise EmptyPage(_("That page number is less than 1"))
            return number
        return super().validate_number(number)

    def _get_page(self, *args, **kwargs):
        return CappedPage(*args, **kwargs)

    def page(self, number):
        number = self.validate_number(number)
        if not self.count_capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(_("That page contains no results"))
        has_more = len(rows) > self.per_page
        self._reached = max(self._reached, number + (1 if has_more else 0))
        return CappedPage(rows[: self.per_page], number, self, has_more)

    def get_page(self, number):
        try:
            return self.page(self.validate_number(number))
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            if self.count_capped:
                return self.page(1)
            return self.page(self.num_pages)

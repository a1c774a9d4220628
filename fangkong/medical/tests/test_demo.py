"""The demo tells the article's story: the suspected patient from 沅江市四季红镇 on 22 January,
referred and notified at once, later cured; Datonghu's own counts stay zero throughout."""

import datetime as dt

import pytest

from fangkong.core.figures import FigureContext
from fangkong.core.testing import DEMO_PERSONS, DEMO_SEED, load_demo_once
from fangkong.medical.figures import case_figures, medical_figures
from fangkong.medical.models import Case, JurisdictionNotice
from fangkong.places.models import Area

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_keeps_the_districts_own_counts_at_zero():
    load_demo_once(persons=DEMO_PERSONS, seed=DEMO_SEED)
    case = Case.objects.get()
    assert case.home_jurisdiction.name == "沅江市" and case.status == "recovered"
    notice = JurisdictionNotice.objects.get(jurisdiction__name="沅江市")
    referral = notice.referral
    assert referral.to_facility.name == "益阳市第四人民医院"
    assert notice.notified_at == referral.referred_at
    local = referral.referred_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert local.date() == dt.date(2020, 1, 22) and local.hour >= 12
    district = Area.objects.get(level=Area.Level.DISTRICT)
    towns = list(Area.objects.filter(parent=district))
    day, visits = dt.date(2020, 1, 20), 0
    while day <= dt.date(2020, 2, 24):
        ctx = FigureContext(day=day, root=district, units=towns)
        figures = {f.key: f.total for f in case_figures(ctx)}
        for key in (
            "confirmed_new",
            "confirmed_cumulative",
            "suspected_new",
            "suspected_current",
            "excluded_cumulative",
        ):
            assert figures[key] == 0, (day, key)
        assert figures["external_received"] == (1 if day >= dt.date(2020, 1, 22) else 0)
        assert figures["external_suspected_current"] == (
            1 if day in (dt.date(2020, 1, 22), dt.date(2020, 1, 23)) else 0
        )
        visits += {f.key: f.total for f in medical_figures(ctx)}["fever_visits"]
        day += dt.timedelta(days=1)
    assert visits > 36

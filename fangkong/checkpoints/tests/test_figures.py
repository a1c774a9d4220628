"""The report's checkpoints section: by town of the checkpoint, from the passages' own times."""

import datetime as dt

from django.utils import timezone

from fangkong.checkpoints.figures import checkpoint_figures
from fangkong.checkpoints.models import Passage
from fangkong.core.figures import FigureContext


def _passage(checkpoint, at, **extra):
    fields = {"name": "旅客", "temperature": "36.5", "direction": "in", "origin": "长沙"}
    return Passage.objects.create(checkpoint=checkpoint, at=at, **{**fields, **extra})


def test_figures_count_the_day_by_town(world, checkpoint, other_checkpoint):
    day = dt.date(2020, 1, 26)
    noon = timezone.make_aware(dt.datetime(2020, 1, 26, 12))
    _passage(checkpoint, noon)
    _passage(checkpoint, noon, temperature="37.9", fever=True, direction="out")
    _passage(checkpoint, noon, kind="vehicle", plate="湘H12345", passengers=3)
    _passage(other_checkpoint, noon, origin="武汉", risk_origin=True)
    # Registered late for that day: counts; a passage of the next day does not.
    _passage(checkpoint, timezone.make_aware(dt.datetime(2020, 1, 26, 23, 59)))
    _passage(checkpoint, timezone.make_aware(dt.datetime(2020, 1, 27, 0, 0)))
    ctx = FigureContext(day=day, root=world.district, units=[world.town, world.other_town])
    figures = {f.key: f for f in checkpoint_figures(ctx)}
    assert figures["passages"].total == 5
    assert figures["passages"].by_unit == {world.town.pk: 4, world.other_town.pk: 1}
    assert figures["persons"].total == 4 and figures["vehicles"].total == 1
    assert figures["vehicle_passengers"].total == 3
    assert figures["entering"].total == 4 and figures["leaving"].total == 1
    assert figures["fevers"].by_unit == {world.town.pk: 1}
    assert figures["risk_arrivals"].by_unit == {world.other_town.pk: 1}
    assert "day=2020-01-26" in figures["fevers"].link and "fever=true" in figures["fevers"].link


def test_the_drill_down_link_lists_those_passages(client, office, world, checkpoint):
    noon = timezone.make_aware(dt.datetime(2020, 1, 26, 12))
    _passage(checkpoint, noon, name="发热旅客", temperature="38.0", fever=True)
    _passage(checkpoint, noon, name="正常旅客")
    ctx = FigureContext(day=dt.date(2020, 1, 26), root=world.district, units=[world.town])
    link = {f.key: f for f in checkpoint_figures(ctx)}["fevers"].link
    client.force_login(office)
    body = client.get(link).content.decode()
    assert "发热旅客" in body and "正常旅客" not in body

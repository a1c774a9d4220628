import pytest

from fangkong.alerts.models import Alert
from fangkong.alerts.services import raise_alert


@pytest.mark.django_db
def test_a_dedupe_key_stores_the_alert_once(world):
    first = raise_alert(
        kind="fever_checkpoint", area=world.town, title="发热", roles=["clinician"], dedupe_key="k1"
    )
    again = raise_alert(kind="fever_checkpoint", area=world.town, title="发热", dedupe_key="k1")
    assert again.pk == first.pk and Alert.objects.count() == 1
    raise_alert(kind="other", area=world.town, title="无键")
    raise_alert(kind="other", area=world.town, title="无键")
    assert Alert.objects.count() == 3

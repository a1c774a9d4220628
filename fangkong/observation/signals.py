"""Checks stored through the batch path (bulk inserts, not ``check_create``) get the same
consequences: symptoms make them abnormal, and abnormal ones raise their alerts."""

from django.dispatch import receiver

from fangkong.core.kit.batch import records_created
from fangkong.observation.models import HealthCheck


@receiver(records_created, sender=HealthCheck)
def checks_stored(sender, objs, actor, **kwargs):
    from fangkong.observation.services import alert_abnormal_checks

    ids = [c.pk for c in objs]
    through = HealthCheck.symptoms.through
    with_symptoms = set(
        through.objects.filter(healthcheck_id__in=ids).values_list("healthcheck_id", flat=True)
    )
    newly = [c for c in objs if c.pk in with_symptoms and not c.abnormal]
    if newly:
        HealthCheck.objects.filter(pk__in=[c.pk for c in newly]).update(abnormal=True)
        for check in newly:
            check.abnormal = True
    alert_abnormal_checks(objs)

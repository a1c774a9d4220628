"""Drop the plain last-four columns (history too); one live person per ID number in the
database; names as long as an identity document prints them; no future birth dates.

The unique index cannot be built while two live records share a number. Rather than pick one
automatically (two records with one number may be two people, one of them mistyped), the
migration stops with the record numbers of each group: merge or correct them on the
duplicates page (Persons › Duplicates) with the previous release, then migrate again.
"""

from django.db import migrations, models
from django.db.models import Count, Q

import fangkong.core.validators


def refuse_live_duplicates(apps, schema_editor):
    person = apps.get_model("people", "Person")
    live = person._base_manager.filter(deleted_at__isnull=True).exclude(id_number_bidx="")
    groups = (
        live.values("id_number_bidx").annotate(n=Count("id")).filter(n__gt=1).order_by()
    )
    clashes = []
    for group in groups[:50]:
        pks = live.filter(id_number_bidx=group["id_number_bidx"]).order_by("id")
        clashes.append("#" + ", #".join(str(pk) for pk in pks.values_list("id", flat=True)))
    if clashes:
        total = groups.count()
        raise RuntimeError(
            f"{total} ID number(s) are held by more than one live person, so the unique index "
            "person_unique_live_id_number cannot be created. Merge or correct these records "
            "(Persons › Duplicates) with the previous release, then run migrate again. "
            f"Record groups: {'; '.join(clashes)}" + (" …" if total > len(clashes) else "")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_last4_blind_index"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_id_suffix_idx"),
        migrations.RemoveIndex(model_name="person", name="person_phone_suffix_idx"),
        migrations.RemoveField(model_name="historicalperson", name="id_suffix"),
        migrations.RemoveField(model_name="historicalperson", name="phone_suffix"),
        migrations.RemoveField(model_name="person", name="id_suffix"),
        migrations.RemoveField(model_name="person", name="phone_suffix"),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["id_last4_bidx"], name="person_id_last4_idx"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["phone_last4_bidx"], name="person_phone_last4_idx"),
        ),
        migrations.AlterField(
            model_name="historicalperson",
            name="birth_date",
            field=models.DateField(
                blank=True,
                null=True,
                validators=[fangkong.core.validators.validate_not_future],
                verbose_name="date of birth",
            ),
        ),
        migrations.AlterField(
            model_name="historicalperson",
            name="name",
            field=models.CharField(
                max_length=60,
                validators=[fangkong.core.validators.validate_person_name],
                verbose_name="name",
            ),
        ),
        migrations.AlterField(
            model_name="historicalperson",
            name="name_initials",
            field=models.CharField(editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="historicalperson",
            name="name_pinyin",
            field=models.CharField(db_index=True, editable=False, max_length=360),
        ),
        migrations.AlterField(
            model_name="person",
            name="birth_date",
            field=models.DateField(
                blank=True,
                null=True,
                validators=[fangkong.core.validators.validate_not_future],
                verbose_name="date of birth",
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="name",
            field=models.CharField(
                max_length=60,
                validators=[fangkong.core.validators.validate_person_name],
                verbose_name="name",
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="name_initials",
            field=models.CharField(editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="person",
            name="name_pinyin",
            field=models.CharField(db_index=True, editable=False, max_length=360),
        ),
        migrations.RunPython(refuse_live_duplicates, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                condition=models.Q(~Q(id_number_bidx=""), ("deleted_at__isnull", True)),
                fields=("id_number_bidx",),
                name="person_unique_live_id_number",
            ),
        ),
    ]

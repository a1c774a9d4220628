"""Last-four-digit search keys become keyed blind indexes (no plain digits at rest).

The plain ``id_suffix``/``phone_suffix`` columns, with the plain region code and birth date,
gave most ID numbers back without any key. The new columns hold
``HMAC(index key, "<purpose>_last4" + last four)``, computed here from the decrypted values
for every person and every history row; 0003 then drops the plain columns.
"""

from django.db import migrations, models

BATCH = 1000


def fill_last4_indexes(apps, schema_editor):
    from fangkong.core.crypto import last4_index

    specs = (("id_number", "id_last4_bidx", "resident_id"), ("phone", "phone_last4_bidx", "mobile"))
    for name in ("Person", "HistoricalPerson"):
        model = apps.get_model("people", name)
        pk = model._meta.pk.name
        last = None
        while True:
            qs = model._base_manager.order_by(pk).only(pk, "id_number", "phone")
            if last is not None:
                qs = qs.filter(**{f"{pk}__gt": last})
            batch = list(qs[:BATCH])
            if not batch:
                break
            last = getattr(batch[-1], pk)
            for row in batch:
                for field, column, purpose in specs:
                    setattr(row, column, last4_index(getattr(row, field) or "", purpose))
            model._base_manager.bulk_update(batch, ["id_last4_bidx", "phone_last4_bidx"])


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalperson",
            name="id_last4_bidx",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalperson",
            name="phone_last4_bidx",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="person",
            name="id_last4_bidx",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="person",
            name="phone_last4_bidx",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(fill_last4_indexes, migrations.RunPython.noop, elidable=False),
    ]

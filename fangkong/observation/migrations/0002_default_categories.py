"""The article's key-person categories. Names are English source strings, translated on display
(an administrator may rename or add categories later; this migration never overwrites them)."""

from django.db import migrations

DEFAULTS = [
    ("wuhan", "returned from Wuhan", 10),
    ("hubei", "returned from elsewhere in Hubei", 20),
    ("close_contact", "close contact of a case", 30),
    ("fever", "fever patient", 40),
    ("other", "other", 90),
]


def seed(apps, schema_editor):
    Category = apps.get_model("observation", "KeyPersonCategory")
    for code, name, sort in DEFAULTS:
        Category.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})


class Migration(migrations.Migration):
    dependencies = [("observation", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

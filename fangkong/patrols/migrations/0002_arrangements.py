"""The simplified funeral arrangements the article's rule (丧事一律从简) asks families to agree
to: seeded as data (names are English source strings, translated on display); a district edits
the list in the admin."""

from django.db import migrations

ARRANGEMENTS = [
    ("no_banquet", "No funeral banquet", 10),
    ("family_only", "Close family only", 20),
    ("no_condolence_gathering", "No gathering for condolences", 30),
    ("no_band", "No band, opera or firecrackers", 40),
    ("no_procession", "No funeral procession", 50),
    ("quick_burial", "Burial or cremation within three days", 60),
    ("masks_temperature", "Masks and temperature checks for attendees", 70),
]


def seed(apps, schema_editor):
    Arrangement = apps.get_model("patrols", "Arrangement")
    for code, name, sort in ARRANGEMENTS:
        Arrangement.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})


class Migration(migrations.Migration):
    dependencies = [("patrols", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

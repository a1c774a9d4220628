"""Default team roles (六包一), measures (六个一) and symptoms. Names are English source strings,
translated on display; the command office may rename, reorder, retire or add entries later, and
this migration never overwrites them."""

from django.db import migrations

TEAM_ROLES = [
    ("town_cadre", "town cadre", 10),
    ("village_cadre", "village cadre", 20),
    ("village_doctor", "village doctor", 30),
    ("police", "police officer", 40),
    ("grid_worker", "grid worker", 50),
    ("volunteer", "party member or volunteer", 60),
]
# The article names the 六个一 measures without listing them; these are the six a Hunan
# county commonly applied in 2020 (configurable).
MEASURES = [
    ("notice_visit", "one visit to explain the observation rules", 10),
    ("commitment", "one signed home-observation commitment", 20),
    ("thermometer", "one thermometer handed over", 30),
    ("protective_kit", "one pack of masks and disinfectant", 40),
    ("contact_card", "one contact card with the team's phone numbers", 50),
    ("door_notice", "one notice posted at the door", 60),
]
SYMPTOMS = [
    ("cough", "cough", 10),
    ("fatigue", "fatigue", 20),
    ("sore_throat", "sore throat", 30),
    ("short_breath", "shortness of breath", 40),
    ("diarrhoea", "diarrhoea", 50),
    ("aches", "muscle aches", 60),
]


def seed(apps, schema_editor):
    for model, rows in (("TeamRole", TEAM_ROLES), ("Measure", MEASURES), ("Symptom", SYMPTOMS)):
        Model = apps.get_model("observation", model)
        for code, name, sort in rows:
            Model.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})


class Migration(migrations.Migration):
    dependencies = [("observation", "0003_teams_checks_release")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

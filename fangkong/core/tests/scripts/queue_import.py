"""Queue a people import of ROWS persons on the file database; prints {"job": id}."""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
django.setup()

from django.db import transaction  # noqa: E402

from fangkong.core.imports import import_start  # noqa: E402
from fangkong.core.testing import build_world, make_id_number, make_user, xlsx_bytes  # noqa: E402

rows = int(sys.argv[1])
world = build_world()
worker = make_user("gridworker", "grid_worker", world.grid)
data = xlsx_bytes(
    ["姓名", "身份证号", "网格代码"],
    [[f"居民{i}", make_id_number(seq=i), world.grid.code] for i in range(rows)],
)
with transaction.atomic():
    job = import_start(
        actor=worker, importer_key="people.persons", data=data, filename="people.xlsx"
    )
print(json.dumps({"job": str(job.pk)}))

"""A background export on file SQLite while another client polls its progress and writes.

Usage: export_while_polling.py ROWS. Prints {"status", "message", "polls", "poll_errors"}.
The worker is the real ``db_worker`` command (main thread, as deployed); the watching user is a
Django test client in a thread with its own connection, opening the progress partial and an
ordinary page (which saves the session) in turn, as a browser with the job page open does.
"""

import json
import os
import sys
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from fangkong.core.exports import export_start  # noqa: E402
from fangkong.core.testing import build_world, make_user  # noqa: E402
from fangkong.people.models import Person  # noqa: E402

rows = int(sys.argv[1])
world = build_world()
commander = make_user("commander", "district_commander", world.district, demo=True)
Person.objects.bulk_create(
    (Person(name=f"居民{i}", area=world.grid) for i in range(rows)), batch_size=2000
)
with transaction.atomic():
    job = export_start(
        actor=commander, exporter_key="people.persons", params={}, unmasked=False, reason=""
    )
connection.close()

stop = threading.Event()
stats = {"polls": 0, "poll_errors": 0}


def watch():
    client = Client()
    client.force_login(commander)
    progress = reverse("core:job_progress", args=[job.pk])
    while not stop.is_set():
        for url in (progress, reverse("core:job_list")):
            try:
                answer = client.get(url)
                stats["polls"] += 1
                if answer.status_code != 200:
                    stats["poll_errors"] += 1
            except Exception:  # noqa: BLE001 - counted, the test reads the count
                stats["poll_errors"] += 1
        time.sleep(0.02)
    connection.close()


watcher = threading.Thread(target=watch)
watcher.start()
time.sleep(0.3)  # the page is open before the worker picks the job up
try:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
finally:
    stop.set()
    watcher.join()
job.refresh_from_db()
print(json.dumps({"status": job.status, "message": job.message, **stats}))

"""A server process's preparation (``core.startup.prepare_worker``, run by fangkong/wsgi.py)."""

import gc
import importlib
import sys

from fangkong.core import startup


def test_the_wsgi_module_prepares_the_worker(monkeypatch):
    calls = []
    monkeypatch.setattr(startup, "prepare_worker", lambda: calls.append(1))
    monkeypatch.delitem(sys.modules, "fangkong.wsgi", raising=False)
    wsgi = importlib.import_module("fangkong.wsgi")
    assert calls == [1] and callable(wsgi.application)


def test_startup_objects_are_frozen_out_of_full_collections():
    gc.unfreeze()
    try:
        startup.prepare_worker()
        # The loaded code's objects (hundreds of thousands) are out of the collector's way.
        assert gc.get_freeze_count() > 100_000
        young = sum(gc.get_count())
        assert young < 1_000  # collected just before freezing: nothing left pending
    finally:
        gc.unfreeze()

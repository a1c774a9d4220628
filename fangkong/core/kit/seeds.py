"""Lookup data seeded by a data migration, seeded again when its tables are empty.

A data migration runs once; a database flushed afterwards (tests that use a live server, or an
administrator's ``flush``) loses the seeded rows while the migration stays applied.
``reseed_after_flush`` re-runs the migration's ``seed(apps, schema_editor)`` after every
``migrate``/``flush`` — but only when all its tables are empty, so an administrator's later
edits and deletions of single rows stand."""

from __future__ import annotations

import importlib

from django.db.models.signals import post_migrate


def reseed_after_flush(config, migration: str, models: tuple[str, ...]) -> None:
    """Connect the ``seed`` of ``<app>.migrations.<migration>`` to run after migrate when the
    app's ``models`` (names) are all empty."""

    def handler(sender, using="default", **kwargs):
        from django.apps import apps

        if not all(
            config.get_model(name)._base_manager.using(using).count() == 0 for name in models
        ):
            return
        module = importlib.import_module(f"{config.name}.migrations.{migration}")
        module.seed(apps, None)

    post_migrate.connect(
        handler, sender=config, weak=False, dispatch_uid=f"reseed:{config.label}:{migration}"
    )

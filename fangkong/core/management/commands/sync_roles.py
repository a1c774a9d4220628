"""``manage.py sync_roles``: give existing roles the permissions modules declare, once.

Runs by itself after every ``migrate``; run it by hand to see what it would add (``--dry-run``).
"""

from django.core.management.base import BaseCommand

from fangkong.core.kit.roles import sync_roles


class Command(BaseCommand):
    help = "Add declared role permissions that were never given (removed ones stay removed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be added; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        result = sync_roles(dry_run=dry_run)
        for role, perms in sorted(result.added.items()):
            self.stdout.write(f"{role}: {'would add' if dry_run else 'added'} {', '.join(perms)}")
        for perm in result.unknown:
            self.stderr.write(f"declared but not in the database (not migrated?): {perm}")
        verb = "would be added" if dry_run else "added"
        self.stdout.write(f"{result.total} role permission(s) {verb}.")

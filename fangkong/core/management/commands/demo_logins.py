"""``manage.py demo_logins``: the demo accounts and their shared password, for the README and
``make run``. Real users are never listed: only accounts flagged ``demo``."""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand
from django.utils import translation

from fangkong.core.demo import DEMO_PASSWORD
from fangkong.core.models import RoleGrant, User
from fangkong.core.text import in_script


class Command(BaseCommand):
    help = "Print the demo logins (username, role, area, password)."

    def handle(self, *args, **options):
        users = list(User.objects.filter(demo=True, is_active=True).order_by("date_joined", "pk"))
        if not users:
            self.stdout.write("No demo accounts (load them with `manage.py load_demo`).")
            return
        grants: dict[int, list[RoleGrant]] = {}
        for grant in (
            RoleGrant.objects.active()
            .filter(user__in=users)
            .select_related("role", "area")
            .order_by("role__sort", "area__path")
        ):
            grants.setdefault(grant.user_id, []).append(grant)
        # The demo users share one hash of the published password; check each distinct hash
        # once (the hasher is slow on purpose), and never print a password that was changed.
        known: dict[str, bool] = {}
        rows = [("username", "role", "area", "password")]
        # Accounts without a role (the checkpoints' roster names, say) show nothing when signed
        # in: they are counted below the table, not offered as logins.
        roleless = [user for user in users if user.pk not in grants]
        users = [user for user in users if user.pk in grants]
        for user in users:
            if user.password not in known:
                known[user.password] = check_password(DEMO_PASSWORD, user.password)
            held = grants.get(user.pk, [])
            with translation.override(settings.LANGUAGE_CODE):
                role = "、".join(sorted({str(g.role) for g in held})) or "—"
            area = "、".join(in_script(g.area.name, None) for g in held) or "—"
            rows.append(
                (user.username, role, area, DEMO_PASSWORD if known[user.password] else "(changed)")
            )
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        for i, row in enumerate(rows):
            self.stdout.write("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)))
            if i == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        if roleless:
            self.stdout.write(
                f"\n{len(roleless)} more demo accounts hold no role (named on rosters, e.g. "
                f"{roleless[0].username}); an administrator grants one a role to let them log in."
            )
        if settings.FANGKONG_DEMO_WAIVE_2FA:
            self.stdout.write(
                "\nDemo accounts skip two-factor login only because FANGKONG_DEMO_WAIVE_2FA is on "
                "(production settings refuse it); real users of roles that can unmask personal "
                "data or grant roles must set up TOTP."
            )
        else:
            self.stdout.write(
                "\nFANGKONG_DEMO_WAIVE_2FA is off: demo accounts of roles that can unmask "
                "personal data or grant roles must set up two-factor login like everyone else."
            )


def _width(text: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))

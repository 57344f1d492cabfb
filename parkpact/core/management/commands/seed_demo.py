"""Load the Donghu demo: `manage.py seed_demo [--if-empty]` (docs/demo.md describes it).

Core knows no other app, so it discovers them: it creates the centre's staff accounts, then
imports each installed ParkPact app's ``demo`` module, if it has one, and calls its
``seed(context)`` in INSTALLED_APPS order, all in one transaction. Every write goes through the
apps' services, so the audit ledger records the demo like any other change.

The context is one dict that each app reads from and adds to:

- ``password``: the demo password every demo account shares;
- ``today``: the day the demo is loaded;
- ``users``: accounts by username (the centre's staff here, provider staff from providers);
- ``parks``, ``zones``, ``facilities`` (parks), ``providers`` (providers), ``contracts``
  (contracts), and whatever later apps add.

A demo module may also define ``DEMO_USERNAMES`` (its accounts, for the logins table) and
``has_data()`` (whether the app already holds data; ``--if-empty`` then loads nothing).
Each ``seed`` looks its objects up by natural keys first, so running the command again
changes nothing.
"""

import time
import unicodedata
from collections.abc import Sequence
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from parkpact.core.models import AuditEvent, Role, User
from parkpact.core.services import create_user

# Shared by every demo account; shown by `make run`. Never use the demo in production.
DEMO_PASSWORD = "donghu2016"  # noqa: S105
CENTRE_NAME = "泉州市公园管理中心"

# The centre's staff: username, role, name, job.
CENTRE_STAFF: list[tuple[str, Role, str, str]] = [
    ("admin", Role.ADMIN, "李明", "信息科 系统管理员"),
    ("manager", Role.MANAGER, "王建国", "合同管理员（王经理）"),
    ("manager2", Role.MANAGER, "陈丽华", "合同管理科科长，审批合同变更"),
    ("inspector", Role.INSPECTOR, "林志强", "质检员"),
    ("finance", Role.FINANCE, "黄美玲", "财务科 会计"),
    ("auditor", Role.AUDITOR, "郑国平", "纪检监察室"),
]


def demo_modules() -> list[ModuleType]:
    """The ``demo`` modules of the installed ParkPact apps, in INSTALLED_APPS order."""
    return [
        import_module(f"{config.name}.demo")
        for config in apps.get_app_configs()
        if config.name.startswith("parkpact.") and module_has_submodule(config.module, "demo")
    ]


def seed_centre_staff() -> dict[str, User]:
    """The centre's demo accounts, created the first time (the administrator by the system)."""
    users: dict[str, User] = {}
    for username, role, name, _job in CENTRE_STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = create_user(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                by=users.get("admin"),
                first_name=name,
            )
        users[username] = user
    return users


def _width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths, strict=True)
        ]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def login_rows(modules: Sequence[ModuleType]) -> list[list[str]]:
    """One row per demo account that exists: username, password, role, organisation, name."""
    usernames = [username for username, *_rest in CENTRE_STAFF]
    for module in modules:
        usernames += list(getattr(module, "DEMO_USERNAMES", ()))
    found = {
        user.username: user
        for user in User.objects.filter(username__in=usernames).select_related(
            "staff_membership__provider"
        )
    }
    rows = []
    for username in usernames:
        user = found.get(username)
        if user is None:
            continue
        membership = getattr(user, "staff_membership", None)
        organisation = str(membership.provider) if membership else CENTRE_NAME
        rows.append([username, DEMO_PASSWORD, user.role, organisation, user.get_full_name() or "-"])
    return rows


class Command(BaseCommand):
    help = "Load the Donghu demo (idempotent), then print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into a database that holds no park yet (used by `make run`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        modules = demo_modules()
        if options["if_empty"] and any(
            module.has_data() for module in modules if hasattr(module, "has_data")
        ):
            self.stdout.write("The database already holds parks: the demo was not loaded.")
        else:
            self.seed(modules)
        rows = login_rows(modules)
        if rows:
            self.stdout.write("\nDemo logins:\n")
            header = ["Username", "Password", "Role", "Organisation", "Name"]
            self.stdout.write(format_table(header, rows) + "\n")
        else:
            self.stdout.write("No demo accounts exist in this database.")

    def seed(self, modules: Sequence[ModuleType]) -> None:
        started = time.monotonic()
        events_before = AuditEvent.objects.count()
        with transaction.atomic():
            context: dict[str, Any] = {
                "password": DEMO_PASSWORD,
                "today": timezone.localdate(),
                "users": seed_centre_staff(),
            }
            for module in modules:
                module.seed(context)
        added = AuditEvent.objects.count() - events_before
        seconds = time.monotonic() - started
        if added:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the Donghu demo in {seconds:.1f} s "
                    f"({added} changes recorded in the audit ledger)."
                )
            )
        else:
            self.stdout.write("The Donghu demo is already loaded: nothing to add.")

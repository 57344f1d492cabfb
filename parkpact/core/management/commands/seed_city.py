"""Build a city-sized database: `manage.py seed_city --parks 100 --months 12 [--scale N]
[--seed S] [--rebuild] [--noinput]` (docs/city.md describes what it makes, its sizes and times).

It writes into the database Django is configured with (DATABASE_URL; SQLite by default), by
bulk inserts, in one transaction: a failure leaves the database as it was. It fills only an
empty, migrated database; one holding the same city (same parameters, same builder) is left as
it is; one holding anything else is refused unless ``--rebuild``, which erases every row first
(after asking, when the database holds data that is not a city, unless ``--noinput``).

The generator itself is ``parkpact.city``, a package outside the apps that writes into most of
them; core imports it only here, when the command runs.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = (
        "Fill an empty database with a city: parks, contracts, a year of evidence, a million "
        "service requests and some eighteen million sensor readings at scale 1 (docs/city.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--parks", type=int, default=100, help="parks (100)")
        parser.add_argument("--months", type=int, default=12, help="months (12)")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="evidence multiplier, 0.01–20 (1: 10,000 service requests per park-year, "
            "a reading every 30 minutes)",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="erase every row of the database first, then build the city",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask before erasing a database that holds other data",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from parkpact.city.database import (
            analyze,
            city_size,
            data_found,
            database_bytes,
            erase_database,
            read_marker,
        )
        from parkpact.city.parameters import CityParameters, check_parameters

        problems = check_parameters(
            parks=options["parks"], months=options["months"], scale=options["scale"]
        )
        if problems:
            raise CommandError(" ".join(problems))
        self.check_migrated()
        parameters = CityParameters(
            parks=options["parks"],
            months=options["months"],
            scale=options["scale"],
            seed=options["seed"],
        )
        progress = options["verbosity"] >= 1
        started = time.monotonic()
        marker = read_marker()
        if marker == parameters and not options["rebuild"]:
            from parkpact.city.history import ensure_history

            with transaction.atomic():
                topped_up = ensure_history(parameters, progress=progress)
            analyze(always=topped_up is not None)
            self.stdout.write(
                "The database already holds this city: nothing rebuilt"
                + (" (its history was brought up to date)." if topped_up else ".")
            )
            self.report(city_size(), time.monotonic() - started, database_bytes())
            return
        found = data_found()
        if found:
            self.check_erasable(found, marker, options)
        self.stdout.write(
            f"Building a city of {parameters.parks} parks over {parameters.months} months at "
            f"scale {parameters.scale:g} (seed {parameters.seed}) in the "
            f"{connections[DEFAULT_DB_ALIAS].vendor} database…"
        )
        with transaction.atomic():
            if found or marker is not None:
                erase_database()
            self.build(parameters, progress=progress)
        analyze(always=True)
        self.report(city_size(), time.monotonic() - started, database_bytes())

    def check_migrated(self) -> None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError(
                "The database has unapplied migrations: run `manage.py migrate` first."
            )

    def check_erasable(self, found: dict[str, int], marker: Any, options: dict[str, Any]) -> None:
        """Refuse a database with data unless --rebuild; ask before erasing one that holds
        something other than a city."""
        holding = ", ".join(f"{rows:,} {label}" for label, rows in found.items())
        if marker is not None:
            what = (
                f"a different city ({marker.parks} parks, {marker.months} months, scale "
                f"{marker.scale:g}, seed {marker.seed}, builder version {marker.version})"
            )
        else:
            what = f"other data ({holding})"
        if not options["rebuild"]:
            raise CommandError(
                f"The database already holds {what}. seed_city fills only an empty database: "
                "point DATABASE_URL at an empty, migrated database, or add --rebuild to erase "
                "every row of this one first."
            )
        if marker is None and options["interactive"]:
            answer = input(
                f"The database holds {holding}. --rebuild erases ALL of it (the service catalogue "
                "and sensor rules are kept). Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was erased or built.")

    def build(self, parameters: Any, *, progress: bool) -> None:
        from parkpact.city.history import build_with_history

        build_with_history(parameters, progress=progress)

    def report(self, sizes: dict[str, int], seconds: float, size: int | None) -> None:
        width = max(len(table) for table in sizes)
        for table, rows in sizes.items():
            self.stdout.write(f"{table:<{width}}  {rows:>12,}")
        total = sum(sizes.values())
        self.stdout.write(f"{'total':<{width}}  {total:>12,}")
        on_disk = f", database {size / 1_000_000:,.0f} MB" if size is not None else ""
        self.stdout.write(self.style.SUCCESS(f"Done in {seconds:.1f} s{on_disk}."))

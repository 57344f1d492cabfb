"""``manage.py assess --month YYYY-MM``: compute every draft assessment of a month.

The evidence of all contracts is counted at once in the database, then each contract's draft is
written in its own transaction (a progress bar follows them). Months already sent or approved are
listed as refused, not recomputed.
"""

from datetime import date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from parkpact.assessments import services
from parkpact.contracts.models import Contract


def month_argument(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError as error:
        raise CommandError(_("Give the month as YYYY-MM, e.g. 2026-07.")) from error


class Command(BaseCommand):
    help = "Compute the draft assessments of every contract in force in a month."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="The month, as YYYY-MM.")
        parser.add_argument(
            "--contract", action="append", default=[], help="Only this contract number."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        month = month_argument(options["month"])
        contracts = services.contracts_in_term(month)
        if options["contract"]:
            contracts = [c for c in contracts if c.number in options["contract"]]
            unknown = set(options["contract"]) - {c.number for c in contracts}
            if unknown:
                raise CommandError(
                    _("No contract in force in %(month)s numbered %(numbers)s.")
                    % {"month": f"{month:%Y-%m}", "numbers": ", ".join(sorted(unknown))}
                )
        with tqdm(
            total=len(contracts),
            unit=_("contract"),
            disable=options["no_progress"],
            file=self.stderr._out,
        ) as bar:

            def step(_contract: Contract) -> None:
                bar.update(1)

            done, refused = services.compute_month(
                month=month, by=None, contracts=contracts, progress=step
            )
        self.stdout.write(
            _("%(count)s assessments computed for %(month)s.")
            % {"count": len(done), "month": f"{month:%Y-%m}"}
        )
        for contract, error in refused:
            self.stdout.write(f"{contract.number}: {' '.join(error.messages)}")

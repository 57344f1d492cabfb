"""Re-draw revealed surveillance plans and compare them with the scheduled visits:
`manage.py verify_sample [--contract NUMBER] [--month YYYY-MM]`."""

import re
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db.models import Prefetch

from parkpact.inspections.models import Inspection, SurveillancePlan
from parkpact.inspections.services import month_label, verify_plan


class Command(BaseCommand):
    help = (
        "Check every revealed surveillance plan: the seed and parameters against their published "
        "hashes, and every scheduled visit against a fresh draw. Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--contract", default="", help="Only this contract number.")
        parser.add_argument("--month", default="", help="Only this month, as YYYY-MM.")

    @no_translations
    def handle(self, *args: Any, contract: str, month: str, **options: Any) -> None:
        plans = SurveillancePlan.objects.exclude(status=SurveillancePlan.Status.DRAFT)
        if contract:
            plans = plans.filter(contract__number=contract)
        if month:
            match = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", month)
            if match is None:
                raise CommandError(f"--month must be written YYYY-MM, not {month!r}")
            plans = plans.filter(month=date(int(match.group(1)), int(match.group(2)), 1))
        plans = (
            plans.select_related("contract", "standard")
            .prefetch_related(
                Prefetch(
                    "inspections",
                    queryset=Inspection.objects.select_related("zone__park", "inspector"),
                )
            )
            .order_by("month", "contract__number", "standard__code", "pk")
        )
        checked = failed = waiting = 0
        for plan in plans:
            name = (
                f"{plan.contract.number} {plan.standard.code} {month_label(plan.month)} "
                f"(plan {plan.pk})"
            )
            if plan.status != SurveillancePlan.Status.REVEALED:
                waiting += 1
                self.stdout.write(f"not revealed yet  {name}: seed hash {plan.seed_hash}")
                continue
            checked += 1
            verdict = verify_plan(plan)
            if verdict.ok:
                self.stdout.write(
                    f"OK                {name}: {len(verdict.visits)} visits re-drawn, all match"
                )
            else:
                failed += 1
                self.stdout.write(f"MISMATCH          {name}: {'; '.join(verdict.summary())}")
        self.stdout.write(
            f"{checked} revealed plans checked, {failed} mismatched, {waiting} not revealed yet."
        )
        if failed:
            raise CommandError(f"{failed} of {checked} revealed plans do not match their sample.")

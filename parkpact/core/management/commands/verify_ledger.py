"""Re-compute the audit ledger's hash chain: `manage.py verify_ledger`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parkpact.core.services import verify_ledger


class Command(BaseCommand):
    help = "Verify the audit ledger; print its head, or fail naming the first broken entry."

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = verify_ledger()
        if not verdict.intact:
            raise CommandError(
                f"Audit ledger BROKEN at entry {verdict.broken_seq}: {verdict.problem}. "
                f"The {verdict.count} entries before it are intact (head {verdict.head})."
            )
        self.stdout.write(f"Audit ledger intact: {verdict.count} entries, head {verdict.head}")

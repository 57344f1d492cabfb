"""Open311 API keys from the shell: `manage.py open311_key create NAME [--per-hour N]`,
`open311_key list`, `open311_key revoke NAME [--reason TEXT]`."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from parkpact.open311.models import ApiKey
from parkpact.open311.services import create_key, revoke_key


def _refusal(error: ValidationError) -> CommandError:
    return CommandError(" ".join(error.messages))


class Command(BaseCommand):
    help = (
        "Issue, list or revoke the API keys that integrators use to post Open311 requests. "
        "`create` prints the key alone on standard output, once: only its hash is kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Issue a key and print it.")
        create.add_argument("name", help="Who will use it, e.g. '12345 hotline'.")
        create.add_argument(
            "--per-hour", type=int, default=600, help="Posts allowed per hour (default 600)."
        )
        actions.add_parser("list", help="List the keys: prefix, limit, last use, revoked.")
        revoke = actions.add_parser("revoke", help="Revoke a key by its name.")
        revoke.add_argument("name")
        revoke.add_argument(
            "--reason", default="Revoked with manage.py open311_key", help="Kept in the ledger."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            try:
                api_key, key = create_key(
                    name=options["name"], requests_per_hour=options["per_hour"], by=None
                )
            except ValidationError as error:
                raise _refusal(error) from None
            self.stderr.write(
                f"Open311 key {api_key.name!r} ({api_key.requests_per_hour} posts per hour). "
                "Keep it secret; it cannot be shown again. Send it as the api_key parameter."
            )
            self.stdout.write(key)
        elif action == "list":
            for api_key in ApiKey.objects.order_by("name"):
                last_used = (
                    f"{timezone.localtime(api_key.last_used_at):%Y-%m-%d %H:%M}"
                    if api_key.last_used_at
                    else "never used"
                )
                state = (
                    f"revoked {timezone.localtime(api_key.revoked_at):%Y-%m-%d}"
                    if api_key.revoked_at
                    else "active"
                )
                self.stdout.write(
                    f"{api_key.name}\t{api_key.prefix}…\t{api_key.requests_per_hour}/h\t"
                    f"{last_used}\t{state}"
                )
        else:
            found = ApiKey.objects.filter(name=options["name"]).first()
            if found is None:
                raise CommandError(f"There is no key called {options['name']!r}.")
            if found.revoked_at is not None:
                raise CommandError(f"The key {found.name!r} is already revoked.")
            try:
                revoke_key(key=found, by=None, reason=options["reason"])
            except ValidationError as error:
                raise _refusal(error) from None
            self.stdout.write(f"Revoked the key {found.name!r}.")

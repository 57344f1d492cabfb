"""Give someone a personal API token: `manage.py issue_api_token <username> <name>`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parkpact.core.models import User
from parkpact.core.services import issue_api_token


def _user(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"There is no user {username!r}.") from None


class Command(BaseCommand):
    help = (
        "Issue a personal API token and print it once: only its hash is kept. "
        "The token alone goes to standard output, so that a script can capture it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="Whose token it is; it acts with their role.")
        parser.add_argument("name", help="What the token is for, e.g. 'GIS import'.")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="Who issues it, for the audit ledger (default: the token's owner).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = _user(options["username"])
        if not user.is_active:
            raise CommandError(f"The user {user.username!r} is deactivated.")
        name = options["name"].strip()
        if not name:
            raise CommandError("Give the token a name that says what it is for.")
        by = _user(options["by"]) if options["by"] else user
        key = issue_api_token(user=user, name=name, by=by)
        self.stderr.write(
            f"API token {name!r} for {user.username} ({user.role}). "
            "Keep it secret; it cannot be shown again. Send it as: Authorization: Bearer <token>"
        )
        self.stdout.write(key)

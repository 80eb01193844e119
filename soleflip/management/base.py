"""What every command that changes data shares: who does it, dry runs, and people named by e-mail.

``ActingCommand`` gives a command ``--as-user EMAIL`` (the author of its changes in the audit
log and the rows' history; without it the system acts) and, when ``destructive``, makes it a
dry run unless ``--commit``. The services the commands call take the user as
``acting_user=`` and tell the database themselves; a command never sets it. Imports add the
run report on top (``pricing.imports.ImportCommand``).

Users are found through ``get_user_model()``, Django's declared extension point, so this
module imports no app.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser


def _by_email(email: str) -> Any:
    address = email.strip()
    # A blank address would find a user without one (service accounts may have none).
    return get_user_model()._default_manager.filter(email__iexact=address).first() if address else None


def user_by_email(email: str) -> Any:
    """The user with this e-mail address (case-insensitive, as the address is unique)."""
    user = _by_email(email)
    if user is None:
        raise CommandError(f"No user with the e-mail {email!r}.")
    return user


def acting(email: str | None) -> Any:
    """The user an ``--as-user EMAIL`` option names (None without the option): the author of the changes."""
    if email is None:
        return None
    user = _by_email(email)
    if user is None:
        raise CommandError(f"--as-user {email}: no user has this e-mail address.")
    return user


class ActingCommand(BaseCommand):
    """A command that changes data: ``--as-user`` names who does it; ``destructive`` ones need ``--commit``."""

    #: True: the command only reports what it would change unless run with ``--commit``.
    destructive = False
    commit_help = "Do it; without --commit the command only reports what it would change."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--as-user", metavar="EMAIL", help="Who does this, for the audit log and history (default: the system)."
        )
        if self.destructive:
            parser.add_argument("--commit", action="store_true", help=self.commit_help)
        return parser

    def acting_user(self, options: dict[str, Any]) -> Any:
        """The user of ``--as-user``, or None (the system)."""
        return acting(options["as_user"])

    def dry_run_notice(self, what: str = "nothing was changed") -> None:
        self.stdout.write(self.style.WARNING(f"Dry run: {what}; run with --commit."))

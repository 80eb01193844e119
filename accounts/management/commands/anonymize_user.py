from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.gdpr import user_anonymize
from accounts.people import acting, user_by_email


class Command(BaseCommand):
    help = (
        "Erase a person (GDPR): anonymize their user and supplier accounts and rewrite every copy of their data "
        "(history, audit log, admin log, login records, sessions, import reports). Dry run unless --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The person's e-mail address.")
        parser.add_argument("--commit", action="store_true", help="Do it (it cannot be undone).")
        parser.add_argument("--as-user", metavar="EMAIL", help="Who is doing this, for the audit log.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_by_email(options["email"])
        operator = acting(options["as_user"])
        if user.anonymized_at:
            raise CommandError(f"{options['email']} was already anonymized on {user.anonymized_at:%Y-%m-%d}.")
        with transaction.atomic():
            report = user_anonymize(user=user, acting_user=operator)
            self.stdout.write(str(report))
            if not options["commit"]:
                transaction.set_rollback(True)
                self.stdout.write(self.style.WARNING("Dry run: nothing was changed; run with --commit."))
                return
        self.stdout.write(self.style.SUCCESS(f"Done: {options['email']} is anonymized."))

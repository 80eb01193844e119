from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from accounts.gdpr import user_anonymize
from soleflip.management.base import ActingCommand, user_by_email


class Command(ActingCommand):
    destructive = True
    commit_help = "Do it (it cannot be undone)."

    help = (
        "Erase a person (GDPR): anonymize their user and supplier accounts and rewrite every copy of their data "
        "(history, audit log, admin log, login records, sessions, import reports). Dry run unless --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The person's e-mail address.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_by_email(options["email"])
        operator = self.acting_user(options)
        if user.anonymized_at:
            raise CommandError(f"{options['email']} was already anonymized on {user.anonymized_at:%Y-%m-%d}.")
        with transaction.atomic():
            report = user_anonymize(user=user, acting_user=operator)
            self.stdout.write(str(report))
            if not options["commit"]:
                transaction.set_rollback(True)
                self.dry_run_notice()
                return
        self.stdout.write(self.style.SUCCESS(f"Done: {options['email']} is anonymized."))

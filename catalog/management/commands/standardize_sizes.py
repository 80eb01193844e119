from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.people import acting
from catalog.services import sizes_standardize


class Command(BaseCommand):
    help = (
        "Fill sizes.standardized_value (EU) wherever a brand's size chart decides it, and send every ambiguous or "
        "unknown size to the review queue (admin: Size reviews). Never guesses. Dry run unless --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--commit", action="store_true", help="Write the results (default: only report).")
        parser.add_argument("--as-user", metavar="EMAIL", help="Who is doing this, for the audit log.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = sizes_standardize(acting_user=acting(options["as_user"]), commit=options["commit"])
        for example in report.examples:
            self.stdout.write(f"  review: {example}")
        prefix = "" if options["commit"] else "Dry run: "
        self.stdout.write(f"{prefix}{report}.")
        if not options["commit"] and (report.decided or report.queued):
            self.stdout.write(self.style.WARNING("Nothing was written; run with --commit."))

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from catalog.services import sizes_standardize


class Command(BaseCommand):
    help = (
        "Fill sizes.standardized_value (EU) wherever a brand's size chart decides it, and send every ambiguous or "
        "unknown size to the review queue (admin: Size reviews). Never guesses. Dry run unless --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--commit", action="store_true", help="Write the results (default: only report).")

    def handle(self, *args: Any, **options: Any) -> None:
        report = sizes_standardize(commit=options["commit"])
        for example in report.examples:
            self.stdout.write(f"  review: {example}")
        prefix = "" if options["commit"] else "Dry run: "
        self.stdout.write(f"{prefix}{report}.")
        if not options["commit"] and (report.decided or report.queued):
            self.stdout.write(self.style.WARNING("Nothing was written; run with --commit."))

from typing import Any

from catalog.services import sizes_standardize
from soleflip.management.base import ActingCommand


class Command(ActingCommand):
    destructive = True
    commit_help = "Write the results (default: only report)."

    help = (
        "Fill sizes.standardized_value (EU) wherever a brand's size chart decides it, and send every ambiguous or "
        "unknown size to the review queue (admin: Size reviews). Never guesses. Dry run unless --commit."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = sizes_standardize(acting_user=self.acting_user(options), commit=options["commit"])
        for example in report.examples:
            self.stdout.write(f"  review: {example}")
        prefix = "" if options["commit"] else "Dry run: "
        self.stdout.write(f"{prefix}{report}.")
        if not options["commit"] and (report.decided or report.queued):
            self.dry_run_notice("nothing was written")

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.review import MISSING, scorecard


class Command(BaseCommand):
    help = (
        "Check the live database against every recommendation of the database review; one line per item: "
        "done, declined (with its ADR) or missing. Exits non-zero if anything is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only-missing", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        results = scorecard()
        for item, status, detail in results:
            if options["only_missing"] and status != MISSING:
                continue
            style = {"done": self.style.SUCCESS, "declined": self.style.WARNING}.get(status, self.style.ERROR)
            self.stdout.write(f"{item.section:<6} {style(f'{status:<8}')} {item.title}: {detail}")
        missing = sum(1 for _, status, _ in results if status == MISSING)
        counts = {s: sum(1 for _, st, _ in results if st == s) for s in ("done", "declined", "missing")}
        self.stdout.write(f"{counts['done']} done, {counts['declined']} declined, {counts['missing']} missing")
        if missing:
            raise SystemExit(1)

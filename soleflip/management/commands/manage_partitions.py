from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from soleflip.db.partitions import apply_upkeep, plan_upkeep


class Command(BaseCommand):
    help = (
        "Partition upkeep for price_history, logs and audit_log: create months ahead, move rows out of the "
        "DEFAULT partition, archive months past the hot window. Prints the plan; --commit carries it out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--premake", type=int, default=3, help="Months to create ahead (default 3).")
        parser.add_argument(
            "--archive-after", type=int, default=12, help="Months kept attached before archiving (default 12)."
        )
        parser.add_argument("--commit", action="store_true", help="Carry out the plan (default: only print it).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["premake"] < 0 or options["archive_after"] < 1:
            raise CommandError("--premake must be 0 or more and --archive-after 1 or more.")
        actions = plan_upkeep(premake=options["premake"], archive_after=options["archive_after"])
        for action in actions:
            self.stdout.write(str(action))
        if not actions:
            self.stdout.write("Partitions are up to date.")
            return
        if not options["commit"]:
            self.stdout.write(self.style.WARNING(f"Dry run: {len(actions)} step(s) planned; run with --commit."))
            return
        apply_upkeep(actions)
        self.stdout.write(self.style.SUCCESS(f"Done: {len(actions)} step(s)."))

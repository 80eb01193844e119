from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.services import size_charts_load


class Command(BaseCommand):
    help = "Load the brand size charts (catalog/data/size_charts.json, or FILE) into size_charts. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="A size charts JSON file in the same format.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            added, present = size_charts_load(path=options["file"])
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"{options['file'] or 'size charts'}: {exc}") from exc
        self.stdout.write(f"Size charts: {added} line(s) added, {present} already present.")

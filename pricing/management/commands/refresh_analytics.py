from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pricing.analytics import VIEWS, analytics_refresh


class Command(BaseCommand):
    help = "Refresh the analytics materialized views now (all, or the ones named with --view)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--view", action="append", choices=VIEWS, help="Refresh only this view (repeatable).")
        parser.add_argument(
            "--blocking",
            action="store_true",
            help="Plain REFRESH (locks readers out; faster on very large views). Default: CONCURRENTLY.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = analytics_refresh(views=options["view"], concurrently=not options["blocking"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for result in results:
            self.stdout.write(str(result))
        total = sum(r.duration_ms for r in results)
        self.stdout.write(self.style.SUCCESS(f"Refreshed {len(results)} view(s) in {total} ms."))

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from pricing.imports import import_runs_sweep


class Command(BaseCommand):
    help = (
        "Run the background worker: periodic analytics refresh (every 5 minutes) and other jobs. "
        "Run it beside the web server; stop it with Ctrl-C. Several may run on several machines."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queues", default="", help="Comma-separated queues to serve (default: all).")
        parser.add_argument("--concurrency", type=int, default=1, help="Jobs run at once by this worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        swept = import_runs_sweep()
        if swept:
            self.stdout.write(f"{swept} import run(s) left running by a process that ended are now marked failed.")
        argv = ["worker", f"--concurrency={options['concurrency']}"]
        if options["queues"]:
            argv.append(f"--queues={options['queues']}")
        call_command("procrastinate", *argv)

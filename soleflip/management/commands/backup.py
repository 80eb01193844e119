from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from soleflip.db.backup import backup


class Command(BaseCommand):
    help = "Dump the configured database with pg_dump (custom format) to FILE, or to var/backups/ by default."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="Where to write the dump.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"] or f"var/backups/soleflip-{timezone.now():%Y%m%d-%H%M%S}.dump")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            backup(path)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:
            raise CommandError(f"pg_dump failed: {getattr(exc, 'stderr', '') or exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written: {path} ({path.stat().st_size:,} bytes)"))

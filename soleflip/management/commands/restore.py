from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from soleflip.db.backup import restore


class Command(BaseCommand):
    help = (
        "Restore a dump made by `backup` into a database (default: the configured one, which must be empty; "
        "use --database NAME for a new one made with createdb). All-or-nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--database", help="Restore into this database on the same server.")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db import connection

        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        target = options["database"] or connection.settings_dict["NAME"]
        try:
            restore(path, database=target)
        except Exception as exc:
            raise CommandError(
                f"pg_restore failed (nothing was restored): {getattr(exc, 'stderr', '') or exc}"
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {path} into {target}."))

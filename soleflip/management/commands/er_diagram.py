from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from soleflip.db.erd import diagrams_markdown, replace_diagrams

DOC = Path(settings.BASE_DIR) / "docs" / "database" / "schema-overview.md"


class Command(BaseCommand):
    help = "Print the Mermaid ER diagrams of every schema; --write updates docs/database/schema-overview.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", action="store_true", help=f"Rewrite the generated section of {DOC.name}.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["write"]:
            DOC.write_text(replace_diagrams(DOC.read_text()))
            self.stdout.write(f"Updated {DOC}")
        else:
            self.stdout.write(diagrams_markdown())

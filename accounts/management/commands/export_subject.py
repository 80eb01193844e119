import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.gdpr import user_export
from soleflip.management.base import user_by_email


class Command(BaseCommand):
    help = "Write everything held on one person as JSON (GDPR subject access request)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The person's e-mail address.")
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args: Any, **options: Any) -> None:
        data = json.dumps(user_export(user=user_by_email(options["email"])), indent=2, ensure_ascii=False)
        if options["output"]:
            Path(options["output"]).write_text(data + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote {options['output']}")
        else:
            self.stdout.write(data)

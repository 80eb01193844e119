from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.people import acting
from soleflip.db.crypto import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value under the newest key (the first in FIELD_ENCRYPTION_KEYS), in batches. "
        "Old keys keep decrypting until they are removed from the setting. Dry run unless --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--commit", action="store_true", help="Write the re-encrypted values.")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--as-user", metavar="EMAIL", help="Who is doing this, for the audit log.")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rotate_all(
            acting_user=acting(options["as_user"]), commit=options["commit"], batch_size=options["batch_size"]
        )
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} value(s) {'re-encrypted' if options['commit'] else 'to re-encrypt'}")
        total = sum(counts.values())
        if options["commit"]:
            self.stdout.write(self.style.SUCCESS(f"Done: {total} value(s) now under the newest key."))
        else:
            self.stdout.write(
                self.style.WARNING(f"Dry run: {total} value(s) would be re-encrypted; run with --commit.")
            )

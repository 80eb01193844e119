from typing import Any

from django.core.management.base import CommandParser

from soleflip.db.crypto import rotate_all
from soleflip.management.base import ActingCommand


class Command(ActingCommand):
    destructive = True
    commit_help = "Write the re-encrypted values."

    help = (
        "Re-encrypt every encrypted value under the newest key (the first in FIELD_ENCRYPTION_KEYS), in batches. "
        "Old keys keep decrypting until they are removed from the setting. Dry run unless --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rotate_all(
            acting_user=self.acting_user(options), commit=options["commit"], batch_size=options["batch_size"]
        )
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} value(s) {'re-encrypted' if options['commit'] else 'to re-encrypt'}")
        total = sum(counts.values())
        if options["commit"]:
            self.stdout.write(self.style.SUCCESS(f"Done: {total} value(s) now under the newest key."))
        else:
            self.dry_run_notice(f"{total} value(s) would be re-encrypted")

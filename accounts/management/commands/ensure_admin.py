from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.services import user_ensure_admin


class Command(BaseCommand):
    help = "Create an admin login if no active superuser exists, and print its password once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default="admin@soleflip.local")
        parser.add_argument("--username", default="admin")

    def handle(self, *args: Any, **options: Any) -> None:
        user, password = user_ensure_admin(email=options["email"], username=options["username"])
        if password is None:
            self.stdout.write(
                f"Admin login exists: {user.username}. Forgot the password? manage.py changepassword {user.username}"
            )
            return
        self.stdout.write(self.style.SUCCESS("Created the admin login (shown only this once):"))
        self.stdout.write(f"  username: {user.username}\n  password: {password}")

from typing import Any

from django.core.management.base import BaseCommand

from accounts.roles import roles_matrix_markdown


class Command(BaseCommand):
    help = "Print the roles' permission matrix as Markdown (the table in docs/roles.md)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(roles_matrix_markdown(), ending="")

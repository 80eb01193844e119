from typing import Any

from django.core.management.base import BaseCommand

from soleflip.demo import demo_seed


class Command(BaseCommand):
    help = "Load the demo data set (brands, products, sizes, prices, stock, sales). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        report = demo_seed()
        self.stdout.write(str(report))

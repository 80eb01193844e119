import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.scale import PAIRS_PER_PRODUCT, PRODUCTS_PER_SCALE, SIZES_PER_PRODUCT, scale_seed
from demo.seed import demo_seed


class Command(BaseCommand):
    help = (
        "Load the demo data set (brands, products, sizes, prices, stock, sales). Safe to run again. "
        "--scale N adds generated data on top: ~300*N price sources and ~60*N pairs of stock "
        "(N=3400 is about a million price sources)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="1 = the small demo (default); larger adds volume.")

    def handle(self, *args: Any, **options: Any) -> None:
        scale = options["scale"]
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        self.stdout.write(str(demo_seed()))
        if scale == 1:
            return
        products = scale * PRODUCTS_PER_SCALE
        self.stdout.write(
            f"Generating up to {products:,} products, ~{products * SIZES_PER_PRODUCT * 3:,} price sources, "
            f"~{products * PAIRS_PER_PRODUCT:,} pairs of stock ..."
        )
        report = scale_seed(scale=scale, progress=self._progress)
        self.stdout.write("")
        self.stdout.write(str(report))

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        sys.stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} products")
        sys.stdout.flush()

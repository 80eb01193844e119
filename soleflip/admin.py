"""What every SoleFlip admin screen shares: no full counts, capped pages, authorship, money."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from unfold.admin import ModelAdmin

from soleflip.money import format_cents

MAX_ROWS = 10_000  # deepest row a list pages to; filter or search to go further


class EstimatedCountPaginator(Paginator):
    """Count cheaply: the planner's estimate for a whole big table, a capped count otherwise.

    ``count(*)`` over a million rows costs 40-170 ms per page view (shared/PERFORMANCE.md);
    ``pg_class.reltuples`` costs 0.1 ms. Filtered lists count at most MAX_ROWS + 1 rows.
    Pages stop at MAX_ROWS either way: a deep OFFSET is slow and nobody reads page 20,000.
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            estimate = _estimated_rows(queryset.model._meta.db_table)
            if estimate > MAX_ROWS:
                return estimate
        if isinstance(queryset, QuerySet):
            return queryset[: MAX_ROWS + 1].count()
        return super().count

    @cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, max(1, MAX_ROWS // self.per_page))


def _estimated_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else -1


class SoleflipAdmin(ModelAdmin):
    """Base of every screen: fast on big tables, and records who created or changed a row."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    list_max_show_all = 200

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from soleflip.services import authored_save

        authored_save(obj=obj, user=request.user)


class ProductSearchMixin:
    """Search a big list through the products it refers to, using indexes instead of one wide OR.

    Django's default search ORs ``icontains`` over every search field across the joins,
    which no index can serve: 0.4-1.1 s on a million price rows. Here the product part runs
    first on the products' trigram indexes (capped), a GTIN is canonicalized and looked up
    exactly, and the list is then filtered by indexed foreign keys.
    """

    product_path: str = "product"  # lookup from the listed model to products.Product
    gtin_path: str | None = None  # forward lookup to a variant's GTIN; else a GTIN finds the product
    exact_search_fields: tuple[str, ...] = ()  # fields matched exactly (order numbers, refs)
    PRODUCT_MATCH_CAP = 1000
    search_help_text = "Product name or style code (part of it), an EAN/UPC, or an exact reference."

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        from catalog.gtin import normalize_gtin
        from catalog.models import Product, Variant

        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Product.objects.filter(Q(name__icontains=term) | Q(style_code__icontains=term))
        product_ids = list(matches.values_list("pk", flat=True)[: self.PRODUCT_MATCH_CAP])
        gtin = None
        if term.isdigit():
            with contextlib.suppress(ValueError):
                gtin = normalize_gtin(term)
        if gtin and not self.gtin_path:
            product_ids += list(Variant.objects.filter(ean=gtin).values_list("product_id", flat=True))
        condition = Q()
        if product_ids:
            condition |= Q(**{f"{self.product_path}__in": product_ids})
        if gtin and self.gtin_path:
            condition |= Q(**{self.gtin_path: gtin})
        for field in self.exact_search_fields:
            condition |= Q(**{field: term})
        if not condition:
            return queryset.none(), False
        return queryset.filter(condition), False


def money(
    field: str, *, currency: str = "currency", base: bool = False, description: str | None = None
) -> Callable[[Any], str]:
    """A column showing ``field`` cents as money ("€129.95"), sortable by the cents.

    The currency comes from the row's ``currency`` attribute, or is the base currency for
    amounts already converted (``base=True``).
    """

    @admin.display(description=description or field.removesuffix("_cents").replace("_", " "), ordering=field)
    def column(obj: Any) -> str:
        code = settings.BASE_CURRENCY if base else getattr(obj, currency)
        return format_cents(getattr(obj, field), code)

    column.__name__ = field.removesuffix("_cents")
    return column

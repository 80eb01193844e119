"""What every SoleFlip admin screen shares: no full counts, capped pages, authorship, money."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, Lookup, Q, QuerySet
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.admin import checkbox as unfold_checkbox
from unfold.widgets import UnfoldAdminTextInputWidget

from soleflip import unfold_speedups
from soleflip.money import format_cents

unfold_speedups.install()

MAX_ROWS = 10_000  # deepest row an unfiltered list pages to; filter or search to go further
MAX_COUNTED = 1_000  # a filtered or searched list counts this many rows at most ("1,000+")


class EstimatedCountPaginator(Paginator):
    """Count cheaply: the planner's estimate for a whole big table, a capped count otherwise.

    ``count(*)`` over a million rows costs 40-170 ms per page view (shared/PERFORMANCE.md);
    ``pg_class.reltuples`` costs 0.1 ms. Filtered and searched lists count at most
    MAX_COUNTED + 1 rows (counting 10,000 matches scattered over a big table costs ~350 ms).
    Pages stop at MAX_ROWS: a deep OFFSET is slow and nobody reads page 20,000.
    """

    @functools.cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            estimate = _estimated_rows(queryset.model._meta.db_table)
            if estimate > MAX_ROWS:
                return estimate
        if isinstance(queryset, QuerySet):
            return queryset.order_by()[: MAX_COUNTED + 1].count()  # unordered: any index may serve
        return super().count

    @functools.cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, max(1, MAX_ROWS // self.per_page))


def _keep_subsecond_times(obj: Any, form: Any) -> None:
    """Keep stored microseconds the admin's date/time widgets cannot show.

    Otherwise saving a form rewrites every timestamp to whole seconds, and the history
    records changes nobody made.
    """
    for name, value in getattr(form, "cleaned_data", {}).items():
        initial = form.initial.get(name)
        if (
            isinstance(value, dt.datetime)
            and isinstance(initial, dt.datetime)
            and value == initial.replace(microsecond=0)
        ):
            setattr(obj, name, initial)


_PK_SLOT = "soleflip-row-pk-slot"


@functools.cache
def _row_checkbox_html() -> str:
    return str(unfold_checkbox.render(helpers.ACTION_CHECKBOX_NAME, _PK_SLOT))


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
    # Unfold's row template asks for this twice per row; missing, each ask is a failed
    # template lookup that calls dir() on the admin (7 ms a 50-row page).
    list_sections: list[Any] = []

    @admin.display(description=ModelAdmin.action_checkbox.short_description)
    def action_checkbox(self, obj: Any) -> SafeString:
        # Unfold renders the row checkbox through the form-template engine: 0.6 ms a row,
        # 33 ms of a 50-row page. Its HTML differs only in the value, so it is rendered once.
        return mark_safe(_row_checkbox_html().replace(_PK_SLOT, escape(str(obj.pk))))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from soleflip.services import authored_save

        _keep_subsecond_times(obj, form)
        authored_save(obj=obj, user=request.user)


class ReadOnlyAdminMixin:
    """Rows the system writes (triggers, imports, views): shown here, never added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HistoryAdmin(SimpleHistoryAdmin, SoleflipAdmin):
    """A screen whose rows keep per-object history: who changed what, when, why, with field diffs.

    Each change form asks for an optional reason, stored with the history row. Revert is
    disabled project-wide (SIMPLE_HISTORY_REVERT_DISABLED): history is evidence, and a revert
    could bring back personal data that was erased.
    """

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if "form" not in kwargs:
            reason = forms.CharField(
                label="Reason for this change",
                max_length=100,
                required=False,
                help_text="Optional; shown in the object's history.",
                widget=UnfoldAdminTextInputWidget,
            )
            kwargs["form"] = type(f"{self.form.__name__}WithReason", (self.form,), {"change_reason": reason})
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        listed = {name for _, options in fieldsets for name in flatten_fieldsets([(None, options)])}
        if "change_reason" not in listed and self.has_change_permission(request, obj):
            fieldsets.append(("History", {"fields": ["change_reason"]}))
        return fieldsets

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj._change_reason = form.cleaned_data.get("change_reason") or None
        super().save_model(request, obj, form, change)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> Any:
        # Hiding the revert button is not enough: simple-history still saves a POSTed old version.
        if request.method == "POST":
            raise PermissionDenied("Past versions can be viewed, not restored.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ProductSearchMixin:
    """Search a big list through the products it refers to, using indexes instead of one wide OR.

    Django's default search ORs ``icontains`` over every search field across the joins,
    which no index can serve: 0.4-1.1 s on a million price rows. Here the product part runs
    first on the products' trigram indexes (capped), a GTIN is canonicalized and looked up
    exactly, and the list is then filtered by an OR of indexed lookups, one per way a row can
    match (its product, its GTIN, each exact reference), which the planner runs as a
    BitmapOr. One branch without an index of its own makes it scan the whole table instead
    (60-130 ms for a rare style code at a million rows).
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
        products = Product.objects.filter(Q(name__icontains=term) | Q(style_code__icontains=term))
        model = queryset.model
        # Each branch is an indexed lookup on the listed table, so the planner runs the OR
        # as a BitmapOr of index scans.
        condition = _indexed_lookup(
            model, self.product_path, products.order_by().values("pk")[: self.PRODUCT_MATCH_CAP]
        )
        gtin = None
        if term.isdigit():
            with contextlib.suppress(ValueError):
                gtin = normalize_gtin(term)
        if gtin and self.gtin_path:
            condition |= _indexed_lookup(model, self.gtin_path, gtin)
        elif gtin:
            condition |= _indexed_lookup(
                model, self.product_path, Variant.objects.filter(ean=gtin).values("product_id")
            )
        for field in self.exact_search_fields:
            condition |= Q(**{field: term})
        return queryset.filter(condition), False


def _indexed_lookup(model: type[Any], path: str, value: Any) -> Q:
    """Rows of ``model`` whose ``path`` equals ``value`` (or is among a subquery's values).

    Written as a condition on an indexed column of ``model``'s own table. Through a relation
    (``inventory__product``, ``variant__ean``) Django joins, and an OR of a join condition
    with other branches makes the planner scan or hash whole tables (a search on orders:
    30 ms a query at 71,000 orders); a subquery in an OR becomes a hashed filter over every
    row. Instead the keys are collected once, ``inventory_id = ANY(ARRAY(SELECT id FROM
    inventory WHERE ...))``, which the planner evaluates first and then looks up on the
    column's index (6 ms).
    """
    relation, _, rest = path.partition("__")
    field = model._meta.pk if relation == "pk" else model._meta.get_field(relation)
    if rest:
        lookup = f"{rest}__in" if isinstance(value, QuerySet) else rest
        keys = field.related_model._default_manager.filter(**{lookup: value}).order_by().values("pk")
        return Q(_EqualsAny(F(field.attname), ArraySubquery(keys)))
    if isinstance(value, QuerySet):
        # On the table's own column the keys are fetched and sent as a list: the planner then
        # knows how many rows match. With 20,000 matching price rows it walks the list's order
        # index and stops at a page (8 ms); with an array of unknown size it fetched, joined and
        # sorted all 20,000 (70 ms).
        keys = [next(iter(row.values())) for row in value]
        return Q(**{f"{field.attname}__in": keys})
    return Q(**{field.attname: value})


class _EqualsAny(Lookup):
    """``lhs = ANY(rhs)`` for an array ``rhs``: Django's own lookups parenthesize an expression."""

    lookup_name = "equals_any"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


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

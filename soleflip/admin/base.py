"""What every SoleFlip admin screen shares: no full counts, capped pages, authorship, guarded filters, history."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.admin import checkbox as unfold_checkbox
from unfold.widgets import UnfoldAdminTextInputWidget

from soleflip.admin import speedups as unfold_speedups
from soleflip.admin.money import MoneyFieldsMixin, MoneyHistoryContextHelper, with_money_fields
from soleflip.db.models import AuthoredModel

unfold_speedups.install()

MAX_ROWS = 10_000  # deepest row an unfiltered list pages to; filter or search to go further
MAX_COUNTED = 1_000  # a filtered or searched list counts this many rows at most ("1,000+")


class EstimatedCountPaginator(Paginator):
    """Count cheaply: the planner's estimate for a whole big table, a capped count otherwise.

    ``count(*)`` over a million rows costs 40-170 ms per page view (docs/stack-facts.md, figures);
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


# --- money and rates ---------------------------------------------------------------------


class ChoiceLookupGuard:
    """Refuse a list filter value a choice field cannot hold before the database sees it.

    ``?status__exact=evil`` on a column the database checks (or an enum type) failed in the
    query with a server error; it now goes the way of Django's own bad lookups: back to the
    unfiltered list with the "?e=1" notice.
    """

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        for name, value in request.GET.items():
            field_name, _, lookup = name.partition("__")
            if lookup not in ("", "exact"):
                continue
            try:
                field = self.model._meta.get_field(field_name)  # type: ignore[attr-defined]
            except FieldDoesNotExist:
                continue
            choices = getattr(field, "choices", None)
            if choices and value not in {str(choice) for choice, _ in field.flatchoices}:
                raise IncorrectLookupParameters(f"{field_name}: no such choice {value!r}")
        return super().get_changelist_instance(request)  # type: ignore[misc]


class SoleflipAdmin(ChoiceLookupGuard, MoneyFieldsMixin, ModelAdmin):
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

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        # Every inline of a SoleFlip screen edits and shows money like the screen itself.
        return [with_money_fields(inline) for inline in super().get_inlines(request, obj)]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        _keep_subsecond_times(obj, form)
        authored_save(obj=obj, acting_user=request.user)


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
        # Also a form a screen passes in (an event form for adding, say): get_fieldsets lists
        # the reason whenever the user may change the row, so the form must have it.
        base: Any = kwargs.get("form") or self.form
        if "change_reason" not in getattr(base, "base_fields", {}):
            reason = forms.CharField(
                label="Reason for this change",
                max_length=100,
                required=False,
                help_text="Optional; shown in the object's history.",
                widget=UnfoldAdminTextInputWidget,
            )
            kwargs["form"] = type(f"{base.__name__}WithReason", (base,), {"change_reason": reason})
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        listed = {name for _, options in fieldsets for name in flatten_fieldsets([(None, options)])}
        if "change_reason" not in listed and self.has_change_permission(request, obj):
            fieldsets.append(("History", {"fields": ["change_reason"]}))
        return fieldsets

    def get_historical_record_context_helper(self, request: HttpRequest, historical_record: Any) -> Any:
        return MoneyHistoryContextHelper(self.model, historical_record)

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


@transaction.atomic
def authored_save(*, obj: models.Model, acting_user: Any) -> models.Model:
    """Save a row from a form, recording the acting user on critical tables."""
    if isinstance(obj, AuthoredModel) and acting_user is not None and acting_user.is_authenticated:
        if obj._state.adding:
            obj.created_by = acting_user
        obj.updated_by = acting_user
    obj.save()
    return obj

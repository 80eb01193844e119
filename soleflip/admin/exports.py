"""Exports of admin selections: every text cell is safe to open in a spreadsheet, money is money.

django-import-export's own escaping only strips a leading ``=``; ``+ - @``, tab and CR
pass through (docs/stack-facts.md, trap 2), so every exported text value goes through ``escape_formula``.

Amounts leave as decimals in currency units under a header without the unit
(``purchase_price_cents`` 9995 → ``purchase_price`` 99.95, beside the row's ``currency``
column), rates as percentages (``transaction_fee_bps`` 950 → ``transaction_fee_percent``
9.50). The values are ``Decimal``: numbers in a spreadsheet format, ``99.95`` in CSV and JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from import_export import resources, widgets
from import_export.admin import ExportActionMixin
from import_export.fields import Field as ResourceField
from unfold.contrib.import_export.forms import SelectableFieldsExportForm

from soleflip.tabular.formulas import escape_formula

_HUNDREDTH = Decimal("0.01")


class HundredthsWidget(widgets.Widget):
    """Exports an integer of hundredths (cents, basis points) as a two-decimal ``Decimal`` (9995 → 99.95)."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return ""
        return (Decimal(int(value)) / 100).quantize(_HUNDREDTH)


def export_column_name(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """The export header of a model column: ``price_cents`` → ``price``, ``roi_bps`` → ``roi_percent``.

    A header some other column already uses gets ``_amount`` instead (``price_cents`` beside
    a ``price`` column → ``price_amount``). Other columns keep their name.
    """
    if name.endswith("_cents"):
        renamed = name.removesuffix("_cents")
        return renamed if renamed not in taken else f"{renamed}_amount"
    if name.endswith("_bps"):
        return f"{name.removesuffix('_bps')}_percent"
    return name


class SafeResource(resources.ModelResource):
    """A model resource whose text cells cannot run as spreadsheet formulas.

    Every ``*_cents``/``*_bps`` integer column of the model is exported in currency units or
    percent under a header without the unit (the module docstring has the rules).
    """

    fields: dict[str, Any]  # set by django-import-export's metaclass, copied per instance

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        model = self._meta.model
        if model is None:
            return
        columns = {
            f.name: f
            for f in model._meta.concrete_fields
            if f.name.endswith(("_cents", "_bps")) and f.get_internal_type().endswith("IntegerField") and not f.choices
        }
        taken = set(self.fields)
        renamed: dict[str, Any] = {}
        for key, field in self.fields.items():
            if key in columns and field.attribute == key:
                key = export_column_name(key, taken)
                field = ResourceField(
                    attribute=field.attribute, column_name=key, widget=HundredthsWidget(), readonly=True
                )
            renamed[key] = field
        self.fields = renamed

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return escape_formula(super().export_field(field, instance, **kwargs))


class ExportSelectionMixin(ExportActionMixin):
    """An "Export selected" action (CSV, XLSX, JSON ...) that needs the export permission."""

    export_form_class = SelectableFieldsExportForm
    MAX_EXPORT_ROWS = 50_000  # exports are built in memory: bigger ones are for bench/SQL, not the admin

    def get_export_resource_classes(self, request: Any) -> list[type[resources.ModelResource]]:
        return [resources.modelresource_factory(self.model, resource_class=SafeResource)]

    def get_valid_export_item_pks(self, request: Any) -> Any:
        # Only the selected rows, and only those this user may see; the library's default
        # lists every primary key of the table (a million rows read for a 3-row export).
        chosen = request.POST.getlist("export_items")
        return [str(pk) for pk in self.get_queryset(request).filter(pk__in=chosen).values_list("pk", flat=True)]

    def get_export_queryset(self, request: Any) -> Any:
        queryset = super().get_export_queryset(request)
        whole_list = request.method == "POST" and "export_items" not in request.POST
        if whole_list and queryset[: self.MAX_EXPORT_ROWS + 1].count() > self.MAX_EXPORT_ROWS:
            raise ExportTooLarge(f"More than {self.MAX_EXPORT_ROWS:,} rows: filter the list or select rows to export.")
        return queryset


class ExportTooLarge(PermissionDenied):
    """An admin export of more rows than fit in memory comfortably."""

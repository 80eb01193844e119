"""Exports of admin selections: every text cell is safe to open in a spreadsheet.

django-import-export's own escaping only strips a leading ``=``; ``+ - @``, tab and CR
pass through (TRAPS.md, 2), so every exported text value goes through ``escape_formula``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from import_export import resources
from import_export.admin import ExportActionMixin
from unfold.contrib.import_export.forms import SelectableFieldsExportForm

from soleflip.tabular import escape_formula


class SafeResource(resources.ModelResource):
    """A model resource whose text cells cannot run as spreadsheet formulas."""

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

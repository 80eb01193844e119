"""Amounts in currency units and rates in percent on every admin screen, never cents or basis points.

Money columns hold integer cents (``*_cents``) and rates basis points (``*_bps``); people never
see either. Every admin built on ``SoleflipAdmin`` or ``SoleflipTabularInline`` edits an amount
in currency units (``99.95``, ``MoneyField``) and a rate in percent (``9.5``, ``PercentField``),
labels them without the unit ("purchase price", "transaction fee (%)"), and shows them as money
or percent wherever they are read-only: list columns, read-only fields, view-only pages.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db import connection, models
from django.db.models import Q
from django.http import HttpRequest
from django.utils.text import capfirst
from simple_history.template_utils import HistoricalRecordContextHelper
from unfold.admin import TabularInline

from soleflip.admin.forms import MoneyField, PercentField
from soleflip.values.money import cents_to_units, format_bps, format_cents

_CENTS_WORDS = re.compile(r"\s*\((?:in )?cents\)|,?\s*\bin cents\b|\s*\bcents\b", re.IGNORECASE)
_BPS_WORDS = re.compile(
    r"\s*\((?:in )?(?:bps|basis points)\)|,?\s*\bin (?:bps|basis points)\b|\s*\b(?:bps|basis points)\b",
    re.IGNORECASE,
)
# "in basis points (900 = 9%)": the example is in the unit the form no longer shows.
_BPS_HELP = re.compile(r",?\s*\bin (?:bps|basis points)\b(?:\s*\([^)]*=[^)]*\))?", re.IGNORECASE)
_CENTS_HELP = re.compile(r",?\s*\bin cents\b", re.IGNORECASE)
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_POSITIVE = (models.PositiveIntegerField, models.PositiveSmallIntegerField, models.PositiveBigIntegerField)


def is_amount_field(field: Any) -> bool:
    """An integer model column of cents (``*_cents``), shown and edited as money."""
    return isinstance(field, models.IntegerField) and field.name.endswith("_cents") and not field.choices


def is_rate_field(field: Any) -> bool:
    """An integer model column of basis points (``*_bps``), shown and edited as a percentage."""
    return isinstance(field, models.IntegerField) and field.name.endswith("_bps") and not field.choices


def _tidy(text: str) -> str:
    return re.sub(r"\s{2,}", " ", text).strip()


def amount_label(field: Any) -> str:
    """``retail price cents`` → ``retail price``; amounts already in the base currency say so."""
    label = _tidy(_CENTS_WORDS.sub("", str(field.verbose_name)))
    if field.name.endswith("_base_cents") and label.lower().endswith(" base"):
        label = f"{label[: -len(' base')]} (base currency)"
    return label or field.name.removesuffix("_cents").replace("_", " ")


def rate_label(field: Any) -> str:
    """``transaction fee bps`` → ``transaction fee (%)``; ``ROI (bps)`` → ``ROI (%)``."""
    label = _tidy(_BPS_WORDS.sub("", str(field.verbose_name))) or field.name.removesuffix("_bps").replace("_", " ")
    return label if "%" in label else f"{label} (%)"


def amount_help_text(text: Any) -> str:
    """``"Price paid per pair, in cents."`` → ``"Price paid per pair."``"""
    return _tidy(_CENTS_HELP.sub("", str(text or "")))


def rate_help_text(text: Any) -> str:
    """``"Percent of the sale price, in basis points (900 = 9%)."`` → ``"Percent of the sale price."``"""
    return _tidy(_BPS_HELP.sub("", str(text or "")))


def currency_fields_for(model: type[models.Model], name: str) -> tuple[str, ...]:
    """The columns of ``model`` that may hold the currency of amount ``name``, most specific first.

    ``payout_cents`` → ``payout_currency`` then ``currency``; ``retail_price_cents`` →
    ``retail_currency``; a table with one currency column uses it for every amount. Empty for
    amounts in the base currency (``*_base_cents``) and where nothing decides.
    """
    stem = name.removesuffix("_cents")
    if stem.endswith("_base"):
        return ()
    columns = [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField) and (f.name == "currency" or f.name.endswith("_currency"))
    ]
    wanted = [f"{stem}_currency", f"{stem.split('_')[0]}_currency", "currency"]
    direct = tuple(dict.fromkeys(c for c in wanted if c in columns))
    if direct:
        return direct
    return tuple(columns) if len(columns) == 1 else ()


def _row_currency(obj: Any, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, str) and _CURRENCY_CODE.fullmatch(value):
            return value
    return None


def _condition_leaves(condition: Any) -> list[tuple[str, Any]]:
    """The ``(lookup, value)`` pairs of a check constraint's condition, outside negated parts."""
    if not isinstance(condition, Q):
        return []
    if condition.negated:
        return []
    leaves: list[tuple[str, Any]] = []
    for child in condition.children:
        if isinstance(child, Q):
            leaves += _condition_leaves(child)
        elif isinstance(child, tuple) and len(child) == 2:
            leaves.append((str(child[0]), child[1]))
    return leaves


def _lowest_allowed(field: Any) -> int | None:
    """The smallest value the table's check constraints allow in ``field`` (``>= 0``, ``> 0``), if any."""
    lowest: int | None = 0 if isinstance(field, _POSITIVE) else None
    for constraint in field.model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        for lookup, value in _condition_leaves(condition):
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            bound = {f"{field.name}__gte": value, f"{field.name}__gt": value + 1}.get(lookup)
            if bound is not None and (lowest is None or bound > lowest):
                lowest = bound
    return lowest


def money_formfield(field: Any, **kwargs: Any) -> forms.Field | None:
    """The form field for a ``*_cents`` or ``*_bps`` model column, or ``None`` for any other column.

    Amounts are typed in currency units and rates in percent; labels and help texts lose the
    unit. A form that sets its own widget or form class for the column keeps it.
    """
    if "widget" in kwargs or "form_class" in kwargs or not field.editable:
        return None
    if is_amount_field(field):
        lowest = _lowest_allowed(field)
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        stem = field.name.removesuffix("_cents")
        defaults: dict[str, Any] = {
            "form_class": MoneyField,
            "label": capfirst(amount_label(field)),
            "help_text": amount_help_text(field.help_text),
            "allow_negative": lowest is None or lowest < 0,
            "min_value": low if lowest is None else lowest,
            "max_value": high,
            "currency": settings.BASE_CURRENCY if stem.endswith("_base") else None,
            "currency_fields": currency_fields_for(field.model, field.name),
        }
    elif is_rate_field(field):
        defaults = {
            "form_class": PercentField,
            "label": capfirst(rate_label(field)),
            "help_text": rate_help_text(field.help_text),
            "min_value": 0,
            "max_value": 10_000,
        }
    else:
        return None
    formfield: forms.Field = field.formfield(**{**defaults, **kwargs})
    return formfield


def _shown_as_money(field: Any) -> Callable[[Any], str]:
    name = field.name
    base = name.removesuffix("_cents").endswith("_base")
    currencies = currency_fields_for(field.model, name)

    @admin.display(description=amount_label(field), ordering=name)
    def shown(obj: Any) -> str:
        cents = getattr(obj, name)
        code = settings.BASE_CURRENCY if base else _row_currency(obj, currencies)
        if cents is None or code:
            return format_cents(cents, code or "")
        return cents_to_units(cents)

    shown.__name__ = f"{name}_as_money"
    return shown


def _shown_as_percent(field: Any) -> Callable[[Any], str]:
    name = field.name

    @admin.display(description=rate_label(field), ordering=name)
    def shown(obj: Any) -> str:
        return format_bps(getattr(obj, name))

    shown.__name__ = f"{name}_as_percent"
    return shown


def _renamed(fields: Any, rename: dict[str, str], seen: set[Any]) -> list[Any]:
    """``fields`` (names, callables, rows of them) with names replaced; a name already placed is dropped."""
    kept: list[Any] = []
    for item in fields:
        if isinstance(item, list | tuple):
            row = _renamed(item, rename, seen)
            if row:
                kept.append(tuple(row))
            continue
        name = rename.get(item, item) if isinstance(item, str) else item
        if name not in seen:
            seen.add(name)
            kept.append(name)
    return kept


def _showing(method: Callable[..., Any], show: str) -> Callable[..., Any]:
    """``method`` (a screen's own ``get_readonly_fields``...) with its result passed through ``show``."""

    @functools.wraps(method)
    def shown(self: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        obj = args[0] if args else kwargs.get("obj")
        return getattr(self, show)(method(self, request, *args, **kwargs), request, obj)

    shown.money_shown = True  # type: ignore[attr-defined]
    return shown


class MoneyFieldsMixin:
    """Amounts and rates in people's units on an admin screen or inline (see the module docstring).

    Each ``*_cents``/``*_bps`` column gets a display attribute on the admin
    (``purchase_price_cents_as_money``, ``transaction_fee_bps_as_percent``). Where the column
    is read-only (``readonly_fields``, a view-only page, a list column) the admin shows that
    attribute instead of the raw integer: same place, label without the unit, the amount with
    the row's currency.

    A screen's own ``get_readonly_fields``, ``get_fieldsets`` or ``get_list_display`` gets the
    same treatment whether or not it calls ``super()``: ``__init_subclass__`` passes its result
    through the mapping too (mapping twice changes nothing).
    """

    model: Any
    list_editable: Any
    _SHOWN_RESULTS = {
        "get_readonly_fields": "show_readonly_fields",
        "get_fieldsets": "show_fieldsets",
        "get_list_display": "show_list_display",
        "get_fields": "show_fields",
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, show in cls._SHOWN_RESULTS.items():
            own = cls.__dict__.get(name)
            if callable(own) and not getattr(own, "money_shown", False):
                setattr(cls, name, _showing(own, show))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown_as: dict[str, str] = {}  # column name → display attribute name
        self.shown_as_editable: list[str] = []
        for field in self.model._meta.concrete_fields:
            if is_amount_field(field):
                display = _shown_as_money(field)
            elif is_rate_field(field):
                display = _shown_as_percent(field)
            else:
                continue
            if hasattr(type(self), display.__name__):
                continue  # a screen's own method of that name wins
            setattr(self, display.__name__, display)
            self.shown_as[field.name] = display.__name__
            if field.editable:
                self.shown_as_editable.append(field.name)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = money_formfield(db_field, **kwargs)
        if formfield is not None:
            return formfield
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]

    def all_read_only(self, request: HttpRequest, obj: Any = None) -> bool:
        """Whether this page shows every field read-only (Django's view-only change page)."""
        return obj is not None and not self.has_change_permission(request, obj)  # type: ignore[attr-defined]

    def show_readonly_fields(self, names: Any, request: HttpRequest, obj: Any = None) -> list[Any]:
        """Read-only ``names`` with each amount or rate column replaced by its display attribute."""
        shown = [self.shown_as.get(name, name) if isinstance(name, str) else name for name in names]
        if self.shown_as and self.all_read_only(request, obj):
            # Listed too, so every view (history pages included) agrees with show_fieldsets.
            shown += [self.shown_as[name] for name in self.shown_as_editable if self.shown_as[name] not in shown]
        return shown

    def show_fieldsets(self, fieldsets: Any, request: HttpRequest, obj: Any = None) -> Any:
        """``fieldsets`` with each read-only amount or rate column replaced by its display attribute."""
        if not self.shown_as:
            return fieldsets
        if self.all_read_only(request, obj):
            rename = dict(self.shown_as)
        else:
            read_only = set(self.get_readonly_fields(request, obj))
            rename = {name: shown for name, shown in self.shown_as.items() if shown in read_only}
        if not rename:
            return fieldsets
        seen: set[Any] = set()
        return [
            (title, {**options, "fields": _renamed(options["fields"], rename, seen)}) for title, options in fieldsets
        ]

    def show_fields(self, names: Any, request: HttpRequest, obj: Any = None) -> Any:
        """``names`` with each read-only amount or rate column shown by its display attribute.

        Django's own field list puts the form's fields first and the read-only ones after; a
        read-only amount is there twice (its column from the form, its display attribute from
        ``get_readonly_fields``) and keeps the read-only place, as any read-only field would.
        """
        if not self.shown_as:
            return names
        read_only = set(self.get_readonly_fields(request, obj))
        listed = set(names)
        shown: list[Any] = []
        for name in names:
            display = self.shown_as.get(name) if isinstance(name, str) else None
            if display is None or display not in read_only:
                shown.append(name)
            elif display not in listed:
                shown.append(display)
        return shown

    def show_list_display(self, names: Any, request: HttpRequest, obj: Any = None) -> list[Any]:
        """List columns with each raw amount or rate column shown as money or percent (editable ones stay)."""
        editable = set(getattr(self, "list_editable", ()))
        return [
            self.shown_as.get(name, name) if isinstance(name, str) and name not in editable else name for name in names
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.show_readonly_fields(super().get_readonly_fields(request, obj), request, obj)  # type: ignore[misc]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.show_fieldsets(super().get_fieldsets(request, obj), request, obj)  # type: ignore[misc]

    def get_list_display(self, request: HttpRequest) -> Any:
        return self.show_list_display(super().get_list_display(request), request)  # type: ignore[misc]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.show_fields(super().get_fields(request, obj), request, obj)  # type: ignore[misc]


class InlineMoneyFieldsMixin(MoneyFieldsMixin):
    """``MoneyFieldsMixin`` for inlines, whose rows are read-only by their parent's permissions too.

    Existing rows of an inline the user may add to but not change are the one case left with
    raw columns: Django renders them read-only from the same field list as the editable blank
    rows.
    """

    admin_site: Any
    parent_model: Any

    def all_read_only(self, request: HttpRequest, obj: Any = None) -> bool:
        # As Django decides for the inline's formset: every row read-only when the parent
        # cannot be edited, or when this inline can neither change nor add rows.
        parent = self.admin_site._registry.get(self.parent_model)
        if parent is not None:
            can_edit_parent = (
                parent.has_change_permission(request, obj) if obj is not None else parent.has_add_permission(request)
            )
            if not can_edit_parent:
                return True
        return not self.has_change_permission(request, obj) and not self.has_add_permission(request, obj)  # type: ignore[attr-defined]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if "fields" not in kwargs:
            shown = set(self.shown_as.values())
            fieldsets = self.get_fieldsets(request, obj)
            kwargs["fields"] = [name for name in flatten_fieldsets(fieldsets) if name not in shown]
        return super().get_formset(request, obj, **kwargs)  # type: ignore[misc]


class SoleflipTabularInline(InlineMoneyFieldsMixin, TabularInline):
    """A tabular inline with amounts in currency units and rates in percent, like ``SoleflipAdmin``.

    ``SoleflipAdmin`` gives any other inline of its screens the same behaviour (``get_inlines``);
    subclassing this says so where the inline is declared.
    """


@functools.cache
def with_money_fields(inline_class: type[Any]) -> type[Any]:
    """``inline_class`` with ``InlineMoneyFieldsMixin`` in front, once per class; unchanged if it has it."""
    if issubclass(inline_class, MoneyFieldsMixin):
        return inline_class
    attrs = {"__module__": inline_class.__module__, "__qualname__": inline_class.__qualname__}
    return type(inline_class.__name__, (InlineMoneyFieldsMixin, inline_class), attrs)


class MoneyHistoryContextHelper(HistoricalRecordContextHelper):
    """A history list's field changes with amounts as money and rates as percentages, labelled without the unit.

    The currency is the newer record's (the one the change belongs to).
    """

    def format_delta_change(self, change: Any) -> Any:
        formatted = super().format_delta_change(change)
        field = self.model._meta.get_field(change.field)
        if is_amount_field(field):
            base = field.name.removesuffix("_cents").endswith("_base")
            code = (
                settings.BASE_CURRENCY
                if base
                else _row_currency(self.record, currency_fields_for(self.model, field.name))
            )

            def shown(cents: Any) -> str:
                if cents is None or code:
                    return format_cents(cents, code or "")
                return cents_to_units(cents)

            return dataclasses.replace(
                formatted, field=capfirst(amount_label(field)), old=shown(change.old), new=shown(change.new)
            )
        if is_rate_field(field):
            return dataclasses.replace(
                formatted, field=capfirst(rate_label(field)), old=format_bps(change.old), new=format_bps(change.new)
            )
        return formatted


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

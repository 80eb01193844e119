"""Form fields for money and rates: people type ``99.95`` and ``9.5``, the database keeps cents and basis points (parsing in ``soleflip.values.money``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from unfold.widgets import UnfoldAdminTextInputWidget

from soleflip.values.money import (
    CURRENCY_CODE,
    bps_to_percent,
    cents_to_units,
    parse_money,
    parse_percent,
)


class MoneyInput(UnfoldAdminTextInputWidget):
    """A text input for an amount: the decimal keypad on phones, the currency code at its end when known."""

    def __init__(self, attrs: dict[str, Any] | None = None, currency: str | None = None) -> None:
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00", **(attrs or {})})
        self.currency = currency

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if self.currency:
            context["widget"]["suffix"] = self.currency
        return context


class PercentInput(UnfoldAdminTextInputWidget):
    """A text input for a percentage, with a % sign at its end."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0", **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["suffix"] = "%"
        return context


class _HundredthsField(forms.Field):
    """An integer number of hundredths (cents, basis points) typed and shown in whole units."""

    default_error_messages = {
        "min_value": "Enter %(limit)s or more.",
        "max_value": "Enter %(limit)s or less.",
    }

    def __init__(
        self,
        *,
        allow_negative: bool = False,
        min_value: int | None = None,
        max_value: int | None = None,
        **kwargs: Any,
    ) -> None:
        # Model fields pass these for the range of their column; they are in hundredths too.
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        kwargs.pop("step_size", None)
        self.allow_negative = allow_negative
        self.min_value = min_value
        self.max_value = max_value
        super().__init__(**kwargs)

    def parse(self, text: str) -> int:
        raise NotImplementedError

    def show(self, value: int) -> str:
        raise NotImplementedError

    def to_python(self, value: Any) -> int | None:
        # Form data is what was typed, in units, whatever its Python type: 75 is 75.00, never
        # 75 cents. Stored values come in as initial data and go out through prepare_value.
        if value in self.empty_values:
            return None
        if isinstance(value, bool):
            raise ValidationError("Enter a number, e.g. 99.95.", code="invalid")
        text = str(value).strip()
        return self.parse(text) if text else None

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                self.error_messages["min_value"], code="min_value", params={"limit": self.show(self.min_value)}
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                self.error_messages["max_value"], code="max_value", params={"limit": self.show(self.max_value)}
            )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return self.show(value)
        return value  # typed text shown again as typed, e.g. after a refused entry


class MoneyField(_HundredthsField):
    """An amount typed in currency units (``99.95``), cleaned to integer cents (9995).

    ``currency`` is shown with the input and after the help text. ``currency_fields`` names
    the form fields or instance attributes that may hold the row's currency, first non-empty
    wins; the hint is then taken from the bound form (``get_bound_field``), so the change form
    of a USD row says USD.
    """

    widget = MoneyInput
    default_error_messages = {
        "min_value": "Enter an amount of at least %(limit)s.",
        "max_value": "Enter an amount of at most %(limit)s.",
    }

    def __init__(
        self,
        *,
        currency: str | None = None,
        currency_fields: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.base_help_text = str(self.help_text or "")
        self.currency_fields = tuple(currency_fields)
        self.currency: str | None = None
        self.set_currency(currency)

    def parse(self, text: str) -> int:
        return parse_money(text, allow_negative=self.allow_negative)

    def show(self, value: int) -> str:
        return cents_to_units(value)

    def set_currency(self, currency: str | None) -> None:
        """Show ``currency`` (an ISO code) as the unit of this amount; ``None`` shows none."""
        self.currency = currency if currency and CURRENCY_CODE.fullmatch(currency) else None
        if isinstance(self.widget, MoneyInput):
            self.widget.currency = self.currency
        hint = f"In {self.currency}." if self.currency else ""
        self.help_text = " ".join(part for part in (self.base_help_text, hint) if part)

    def get_bound_field(self, form: forms.BaseForm, field_name: str) -> Any:
        if self.currency_fields:
            # form.fields are this form's own copies: the hint is per form, e.g. per inline row.
            self.set_currency(_currency_of(form, self.currency_fields) or self.currency)
        return super().get_bound_field(form, field_name)


class PercentField(_HundredthsField):
    """A rate typed as a percentage (``9.5``, ``9,5`` or ``9.5%``), cleaned to basis points (950).

    Between 0 and 100 % unless ``min_value``/``max_value`` (in basis points) say otherwise;
    at most two decimals of a percent.
    """

    widget = PercentInput
    default_error_messages = {
        "min_value": "Enter a percentage of %(limit)s%% or more.",
        "max_value": "Enter a percentage of %(limit)s%% or less.",
    }

    def __init__(self, *, min_value: int | None = 0, max_value: int | None = 10_000, **kwargs: Any) -> None:
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def parse(self, text: str) -> int:
        return parse_percent(text, allow_negative=self.allow_negative)

    def show(self, value: int) -> str:
        return bps_to_percent(value)


def _currency_of(form: forms.BaseForm, names: Sequence[str]) -> str | None:
    """The currency code a form is about: as posted, else as it starts, else its instance's."""
    instance = getattr(form, "instance", None)
    for name in names:
        if form.is_bound and name in form.fields:
            value = form.data.get(form.add_prefix(name))
        elif name in form.initial:
            value = form.initial[name]
        else:
            value = getattr(instance, name, None)
        if isinstance(value, str) and CURRENCY_CODE.fullmatch(value):
            return value
    return None

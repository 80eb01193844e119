"""Form fields for money and rates: people type ``99.95`` and ``9.5``, the database keeps cents and basis points.

Input is strict on purpose. An amount is digits with at most one decimal separator followed
by one or two digits: ``99.95``, ``99,95``, ``99.9``, ``99``. Anything a reader could take
two ways is refused with a message saying how to write it, never guessed: ``1.234,56`` and
``1,234.56`` (thousands separators), ``1,234`` and ``1.234`` (a thousands group or three
decimals?), ``12.345`` (more than two decimals). Currency symbols and codes are refused too:
the currency is a column of its own. Nothing is ever multiplied or divided by 100 or 1000
behind the typist's back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from unfold.widgets import UnfoldAdminTextInputWidget

from soleflip.money import bps_to_percent, cents_to_units

MAX_WHOLE_DIGITS = 15  # far above any price; keeps int() away from absurd inputs

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def parse_money(text: str, *, allow_negative: bool = False) -> int:
    """Cents from an amount typed in currency units: ``"99.95"`` → 9995, ``"99,9"`` → 9990, ``"99"`` → 9900.

    Raises ``ValidationError`` with a message that says how to write the amount instead.
    """
    return _parse_hundredths(
        text, allow_negative=allow_negative, decimals="the cents", precision="money is entered to the cent"
    )


def parse_percent(text: str, *, allow_negative: bool = False) -> int:
    """Basis points from a percentage: ``"9"`` → 900, ``"9.5"`` and ``"9,5"`` → 950, ``"9.5%"`` → 950."""
    stripped = text.strip()
    stripped = stripped.removesuffix("%").rstrip()
    return _parse_hundredths(
        stripped,
        allow_negative=allow_negative,
        decimals="the decimals",
        precision="a rate is entered to a hundredth of a percent",
        thousands_hint=False,
    )


def _parse_hundredths(
    text: str, *, allow_negative: bool, decimals: str, precision: str, thousands_hint: bool = True
) -> int:
    """Hundredths of the unit in ``text``, by the rules in this module's docstring."""
    typed = text.strip()
    if not typed:
        raise ValidationError("Enter a number, e.g. 99.95.", code="required")
    if not re.fullmatch(r"[-0-9.,\s]+", typed):
        raise ValidationError(
            f'"{typed}" is not a number: write digits only, with a point before {decimals} (e.g. 1000 or 99.95)',
            code="invalid",
        )
    if any(char.isspace() for char in typed):
        compact = re.sub(r"\s+", "", typed)
        raise ValidationError(f'"{typed}" has a space: write {compact} (no spaces inside)', code="invalid")
    negative = typed.startswith("-")
    body = typed[1:] if negative else typed
    if "-" in body or not body:
        raise ValidationError(f'"{typed}" is not a number: write digits, e.g. 99.95', code="invalid")
    if negative and not allow_negative:
        raise ValidationError(f'"{typed}" is negative: enter zero or more', code="negative")
    sign = "-" if negative else ""
    separators = [char for char in body if char in ".,"]
    if len(separators) > 1:
        raise ValidationError(
            f'"{typed}" is ambiguous: write {sign}{_suggestion(body)} (a point before {decimals}, no thousands separators)',
            code="ambiguous",
        )
    whole, separator, fraction = body.partition(separators[0]) if separators else (body, "", "")
    if separator and (not whole or not fraction):
        plain = whole or f"0{body}"
        raise ValidationError(f'"{typed}" is incomplete: write {sign}{plain}', code="invalid")
    if thousands_hint and len(fraction) == 3 and 1 <= len(whole) <= 3 and not whole.startswith("0"):
        # A thousands group or three decimals: the message names both readings.
        name = "point" if separator == "." else "comma"
        raise ValidationError(
            f'"{typed}" has more than two decimals: {precision} '
            f"(write {sign}{int(whole + fraction)} if the {name} separates thousands)",
            code="too_precise",
        )
    if len(fraction) > 2:
        raise ValidationError(f'"{typed}" has more than two decimals: {precision}', code="too_precise")
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise ValidationError(f'"{typed}" is too large', code="invalid")
    value = int(whole) * 100 + int(fraction.ljust(2, "0"))
    return -value if negative else value


def _suggestion(body: str) -> str:
    """How ``body`` (digits with several separators) is written plainly, if its last separator marks decimals."""
    head, _, tail = body.replace(",", ".").rpartition(".")
    digits = head.replace(".", "")
    if digits and 1 <= len(tail) <= 2:
        return f"{int(digits)}.{tail}"
    if digits and len(tail) == 3:
        return str(int(digits + tail))  # every separator groups thousands: 1.234.567
    return "1234.56"


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
        self.currency = currency if currency and _CURRENCY_CODE.fullmatch(currency) else None
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
        if isinstance(value, str) and _CURRENCY_CODE.fullmatch(value):
            return value
    return None

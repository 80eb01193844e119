import pytest

from soleflip.values.money import bps_to_percent, cents_to_units, format_bps, format_cents


@pytest.mark.parametrize(
    ("cents", "currency", "text"),
    [
        (12995, "EUR", "€129.95"),
        (5, "USD", "$0.05"),
        (123456789, "GBP", "£1,234,567.89"),
        (-1050, "EUR", "-€10.50"),
        (1000, "PLN", "PLN 10.00"),
        (None, "EUR", "–"),
    ],
)
def test_format_cents(cents, currency, text):
    assert format_cents(cents, currency) == text


@pytest.mark.parametrize(
    ("cents", "units"),
    [(9995, "99.95"), (9900, "99.00"), (5, "0.05"), (0, "0.00"), (-50, "-0.50"), (123456789, "1234567.89")],
)
def test_cents_to_units_is_what_a_form_shows(cents, units):
    assert cents_to_units(cents) == units


@pytest.mark.parametrize(
    ("bps", "percent", "text"),
    [(950, "9.5", "9.5%"), (1000, "10", "10%"), (25, "0.25", "0.25%"), (0, "0", "0%"), (-150, "-1.5", "-1.5%")],
)
def test_basis_points_as_percent(bps, percent, text):
    assert bps_to_percent(bps) == percent
    assert format_bps(bps) == text


def test_missing_rate_is_a_dash():
    assert format_bps(None) == "–"

import pytest

from soleflip.money import format_cents


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

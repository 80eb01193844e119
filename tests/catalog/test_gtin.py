from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from catalog.gtin import normalize_gtin, validate_gtin, with_check_digit
from tests.factories import make_variant


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("4006381333931", "4006381333931"),  # EAN-13
        ("036000291452", "0036000291452"),  # UPC-A gets its leading zero
        ("0036000291452", "0036000291452"),  # ... and equals its EAN-13 form
        ("00036000291452", "0036000291452"),  # GTIN-14 with leading zero
        ("10036000291459", "10036000291459"),  # a real GTIN-14 stays 14 digits
        ("96385074", "0000096385074"),  # GTIN-8
        (" 4006381333931 ", "4006381333931"),  # stray spaces from spreadsheets
    ],
)
def test_normalize_gtin_accepts_every_gtin_length(raw, canonical):
    assert normalize_gtin(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("4006381333932", "wrong check digit"),
        ("40063813339", "11 digits"),
        ("400638133393X", "digits only"),
        ("", "digits only"),
    ],
)
def test_normalize_gtin_says_why_it_refuses(raw, reason):
    with pytest.raises(ValueError, match=reason):
        normalize_gtin(raw)


def test_with_check_digit_appends_the_gs1_digit():
    assert with_check_digit("400638133393") == "4006381333931"


def test_validator_accepts_any_valid_gtin_and_names_the_fault():
    validate_gtin("036000291452")
    with pytest.raises(ValidationError, match="wrong check digit"):
        validate_gtin("036000291453")


@pytest.mark.django_db
def test_variant_full_clean_normalizes_upc_and_rejects_bad_check_digit():
    variant = make_variant()
    variant.ean = "036000291452"
    variant.full_clean()
    assert variant.ean == "0036000291452"
    variant.ean = "4006381333932"
    with pytest.raises(ValidationError, match="wrong check digit"):
        variant.full_clean()


@pytest.mark.django_db
def test_saving_a_upc_stores_the_ean13_form():
    assert make_variant(ean="036000291452").ean == "0036000291452"

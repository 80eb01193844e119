"""The rendering shortcuts in soleflip/admin/speedups.py produce exactly what Unfold renders."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.test import RequestFactory
from django.utils import translation
from unfold import utils as unfold_utils
from unfold.admin import checkbox as unfold_checkbox
from unfold.templatetags import unfold_list

from pricing.models import PriceSource
from tests.factories import make_price_source, make_user


def test_the_row_checkbox_is_unfolds_own_for_any_primary_key():
    model_admin = admin.site._registry[PriceSource]
    for pk in ["0f8fad5b-d9cb-469f-a165-70867728950e", 42, '"><script>x&y</script>']:
        expected = unfold_checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(pk))
        assert model_admin.action_checkbox(SimpleNamespace(pk=pk)) == expected


def test_boolean_icons_match_unfolds_in_each_language():
    original = unfold_utils._boolean_icon.__wrapped__
    for language in ["en", "de"]:
        with translation.override(language):
            for value in [True, False, None, "", 1]:
                assert unfold_utils._boolean_icon(value) == original(value), (language, value)


@pytest.mark.django_db
def test_column_headers_are_built_once_per_list_and_equal_unfolds():
    make_price_source()
    request = RequestFactory().get("/admin/pricing/pricesource/", {"o": "2.-5"})
    request.user = make_user(is_staff=True, is_superuser=True)
    model_admin = admin.site._registry[PriceSource]
    cl = model_admin.get_changelist_instance(request)
    expected = list(unfold_list.result_headers.__wrapped__(cl))
    first = unfold_list.result_headers(cl)
    assert first == expected and unfold_list.result_headers(cl) is first
    unsorted = RequestFactory().get("/admin/pricing/pricesource/")
    unsorted.user = request.user
    other = model_admin.get_changelist_instance(unsorted)
    assert unfold_list.result_headers(other) != first  # another list (its own sort) gets its own headers

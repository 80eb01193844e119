"""Size charts in the database, standardization of stored sizes, and the review queue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from catalog.models import Brand, ReviewStatus, Size, SizeChart, SizeReview
from catalog.services import size_charts_load, size_review_accept, size_review_dismiss, sizes_standardize
from tests.factories import make_size, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def charts() -> None:
    size_charts_load()


def test_loading_charts_is_idempotent_and_keeps_provenance():
    added, present = size_charts_load()
    assert added > 1000 and present == 0
    assert size_charts_load() == (0, added)
    line = SizeChart.objects.get(brand__slug="nike", gender_class="M", region="US", value="9")
    assert line.eu_value == Decimal("42.5") and "Nike" in line.source


def test_standardize_decides_what_a_chart_decides_and_queues_the_rest(charts):
    nike, adidas = Brand.objects.get(slug="nike"), Brand.objects.get(slug="adidas")
    us9_nike = make_size(brand=nike, region="US", value="9", gender_class="M")
    us9_adidas = make_size(brand=adidas, region="US", value="9", gender_class="M")
    uk6 = make_size(brand=nike, region="UK", value="6", gender_class="M")  # EU 39 or 40 on Nike's chart
    eu42 = make_size(region="EU", value="42", gender_class="M")
    us9_nobody = make_size(region="US", value="9", gender_class="M")  # whose US 9?

    dry = sizes_standardize(acting_user=None, commit=False)
    assert (dry.decided, dry.queued) == (3, 2)
    assert not SizeReview.objects.exists() and Size.objects.get(pk=us9_nike.pk).standardized_value is None

    report = sizes_standardize(acting_user=None, commit=True)
    assert (report.decided, report.queued, report.still_in_review) == (3, 2, 0)
    values = {s.pk: s.standardized_value for s in Size.objects.all()}
    assert values[us9_nike.pk] == Decimal("42.5")
    assert values[us9_adidas.pk] == Decimal("42.7")  # 42 2/3
    assert values[eu42.pk] == Decimal("42")
    assert Size.objects.get(pk=us9_nike.pk).standardized_by is not None
    review = SizeReview.objects.get(size=uk6)
    assert (review.outcome, review.candidates) == ("ambiguous", ["39.0", "40.0"])
    assert SizeReview.objects.get(size=us9_nobody).outcome == "unknown"
    assert sizes_standardize(acting_user=None, commit=True).still_in_review == 2


def test_accepting_a_review_records_a_chart_line_and_standardizes(charts):
    adidas = Brand.objects.get(slug="adidas")
    odd = make_size(brand=adidas, region="CM", value="26.5", gender_class="M")  # adidas' CM is foot length
    sizes_standardize(acting_user=None, commit=True)
    review = SizeReview.objects.get(size=odd)
    user = make_user()
    size_review_accept(review=review, eu_value=Decimal("42"), acting_user=user)

    review.refresh_from_db()
    assert (review.status, review.accepted_eu_value, review.reviewed_by) == ("accepted", Decimal("42"), user)
    assert Size.objects.get(pk=odd.pk).standardized_value == Decimal("42")
    line = SizeChart.objects.get(brand=adidas, region="CM", value="26.5")
    assert line.eu_value == Decimal("42") and f"by {user}" in line.source
    with pytest.raises(ValueError, match="already accepted"):
        size_review_accept(review=review, eu_value=Decimal("43"), acting_user=user)


def test_dismissed_reviews_stay_closed(charts):
    odd = make_size(region="US", value="9", gender_class="")
    sizes_standardize(acting_user=None, commit=True)
    review = size_review_dismiss(review=SizeReview.objects.get(size=odd), acting_user=make_user())
    assert review.status == ReviewStatus.DISMISSED
    assert sizes_standardize(acting_user=None, commit=True).queued == 0


def test_commands_load_and_standardize(capsys):
    call_command("load_size_charts")
    assert "line(s) added" in capsys.readouterr().out
    make_size(region="US", value="9", gender_class="M")
    call_command("standardize_sizes")
    out = capsys.readouterr().out
    assert "Dry run: 0 size(s) standardized, 1 sent to review" in out and "run with --commit" in out
    call_command("standardize_sizes", "--commit")
    assert SizeReview.objects.count() == 1


def test_admin_accepts_a_mapping_only_with_the_permission(client, charts):
    odd = make_size(brand=Brand.objects.get(slug="nike"), region="UK", value="6", gender_class="M")
    sizes_standardize(acting_user=None, commit=True)
    review = SizeReview.objects.get(size=odd)
    url = f"/admin/catalog/sizereview/{review.pk}/change/"
    clerk = make_user(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_sizereview"))
    client.force_login(clerk)
    assert client.post(url, {"accepted_eu_value": "40"}).status_code == 403

    clerk.user_permissions.add(Permission.objects.get(codename="standardize_sizes"))
    response = client.post(url, {"accepted_eu_value": "40"})
    assert response.status_code == 302
    assert Size.objects.get(pk=odd.pk).standardized_value == Decimal("40")
    assert client.post(url, {"accepted_eu_value": "99"}).status_code == 403  # closed reviews are read-only

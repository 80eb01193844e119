"""The admin answers: login page, and every model's list and add page for a superuser."""

import pytest
from django.contrib import admin
from django.urls import reverse

from soleflip.demo import demo_seed
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_login_page_answers(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"username" in response.content


def test_root_redirects_to_the_admin(client):
    assert client.get("/").headers["Location"] == "/admin/"


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: f"{m._meta.app_label}.{m._meta.model_name}")
def test_changelist_and_add_pages_render_with_demo_data(client, model):
    demo_seed()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    info = (model._meta.app_label, model._meta.model_name)
    assert client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
    assert client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200

"""The admin answers: login page, and every model's list, add and change page for a superuser."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from demo.seed import demo_seed
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_login_page_answers(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"username" in response.content


def test_root_redirects_to_the_admin(client):
    assert client.get("/").headers["Location"] == "/admin/"


def test_every_changelist_add_and_change_page_renders_with_demo_data(client):
    demo_seed()
    user = make_user(is_staff=True, is_superuser=True)
    client.force_login(user)
    request = RequestFactory().get("/admin/")
    request.user = user
    failures = []
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls = [reverse("admin:{}_{}_changelist".format(*info))]
        if model_admin.has_add_permission(request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        failures += [(url, status) for url in urls if (status := client.get(url).status_code) != 200]
    assert failures == []
    assert len(admin.site._registry) >= 25

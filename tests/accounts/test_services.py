import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.models import Role, User
from accounts.services import user_ensure_admin

pytestmark = pytest.mark.django_db


def test_ensure_admin_creates_one_admin_with_a_working_password():
    user, password = user_ensure_admin()
    assert password is not None and len(password) >= 12
    assert user.is_superuser and user.is_staff and user.role == Role.ADMIN
    assert authenticate(RequestFactory().post("/admin/login/"), username="admin", password=password) == user


def test_ensure_admin_does_nothing_when_an_admin_exists():
    first, _ = user_ensure_admin()
    again, password = user_ensure_admin(email="other@example.com", username="other")
    assert (again, password) == (first, None)
    assert User.objects.count() == 1


def test_ensure_admin_command_prints_the_password_once(capsys):
    call_command("ensure_admin")
    out = capsys.readouterr().out
    assert "password:" in out
    call_command("ensure_admin")
    assert "password:" not in capsys.readouterr().out

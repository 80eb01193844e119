import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from soleflip.db.acting_user import acting_user, current_acting_user
from soleflip.middleware import ActingUserMiddleware
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_request_user_is_visible_to_the_database_only_during_the_request():
    user = make_user()
    seen = []

    def view(request):
        seen.append(current_acting_user())
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.user = user
    ActingUserMiddleware(view)(request)
    assert seen == [str(user.pk)]
    assert current_acting_user() is None


def test_anonymous_requests_set_no_user():
    seen = []

    def view(request):
        seen.append(current_acting_user())
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    ActingUserMiddleware(view)(request)
    assert seen == [None]


def test_user_is_reset_even_when_the_view_fails():
    request = RequestFactory().get("/")
    request.user = make_user()

    def broken(request):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        ActingUserMiddleware(broken)(request)
    assert current_acting_user() is None


def test_acting_user_block_sets_the_user_for_its_transaction():
    user = make_user()
    with acting_user(user.pk):
        assert current_acting_user() == str(user.pk)

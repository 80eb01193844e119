"""Request middleware: make the logged-in user visible to the database for the request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from soleflip.db.acting_user import set_acting_user


class ActingUserMiddleware:
    """Set ``app.user_id`` for the request's database work and clear it afterwards.

    The request's view runs in ``ATOMIC_REQUESTS``' transaction, which starts after
    middleware runs, so the setting is made for the session and reset in ``finally``:
    a pooled connection never carries one user's identity into another's request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        set_acting_user(user.pk, local=False)
        try:
            return self.get_response(request)
        finally:
            set_acting_user(None, local=False)

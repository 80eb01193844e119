"""Request middleware: the logged-in user made visible to the database; the content security policy."""

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


#: What the admin's pages may load and do. Everything comes from this site: no third-party
#: scripts, styles, fonts or frames, no form posting elsewhere, no <base> rewriting, no
#: plugins, and no framing of the admin (clickjacking). Unfold's Alpine.js components need
#: 'unsafe-eval' (its standard build compiles expressions with Function) and the admin
#: renders inline scripts and style attributes, hence 'unsafe-inline' for both.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Send the ``Content-Security-Policy`` header on every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

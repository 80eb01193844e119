"""The people of the management commands: --as-user and users named by e-mail."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from soleflip.management.base import acting, user_by_email
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_acting_user_is_found_by_e_mail_whatever_its_case_and_spaces():
    anna = make_user(email="anna@example.com")
    assert acting(" ANNA@example.com ") == anna
    assert user_by_email("Anna@Example.com") == anna


def test_no_as_user_option_means_no_acting_user_but_a_blank_one_is_an_error():
    make_user(email="")
    assert acting(None) is None
    for blank in ("", "  "):
        with pytest.raises(CommandError, match="no user has this e-mail address"):
            acting(blank)
    with pytest.raises(CommandError, match="No user with the e-mail"):
        user_by_email(" ")


def test_an_unknown_e_mail_is_an_error_naming_the_option_and_the_address():
    make_user(email="anna@example.com")
    with pytest.raises(CommandError, match=r"^--as-user bob@example\.com: no user has this e-mail address\.$"):
        acting("bob@example.com")
    with pytest.raises(CommandError, match=r"No user with the e-mail 'bob@example\.com'"):
        user_by_email("bob@example.com")

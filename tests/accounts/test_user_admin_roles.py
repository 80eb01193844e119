"""The role on the user form decides the groups, whatever the groups box posts; raw permissions are for admins."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import Role, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/accounts/user/add/"
PASSWORD = "a long and unguessable password"


def group(name: str) -> Group:
    return Group.objects.get_or_create(name=name)[0]


def perm(label: str) -> Permission:
    app, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app, codename=codename)


def group_names(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def perm_labels(user: User) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in user.user_permissions.select_related("content_type")}


def change_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def add_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": "rita",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "role": Role.READONLY,
        "first_name": "Rita",
        "last_name": "Reader",
        "email": "rita@example.com",
        "is_active": "on",
        "is_staff": "on",
        "_save": "Save",
    }
    return {**data, **overrides}


def change_form(user: User, **overrides: Any) -> dict[str, Any]:
    """What the change form posts for this user as it stands, with some fields changed."""
    data: dict[str, Any] = {
        "username": user.username,
        "role": user.role,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_staff": "on" if user.is_staff else "",
        "is_active": "on" if user.is_active else "",
        "groups": [str(g.pk) for g in user.groups.all()],
        "user_permissions": [str(p.pk) for p in user.user_permissions.all()],
        "data_retention_until": "",
        "deletion_requested_at_0": "",
        "deletion_requested_at_1": "",
        "change_reason": "",
        "_save": "Save",
    }
    if user.is_superuser:
        data["is_superuser"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def submitted(response: Any) -> None:
    """The form was accepted (a redirect), or its errors are the failure message."""
    errors = response.context["adminform"].form.errors if response.status_code == 200 else None
    assert response.status_code == 302, errors


@pytest.fixture(params=["admin role", "superuser"])
def admin_client(request, client):
    if request.param == "admin role":
        client.force_login(make_user(is_staff=True, role=Role.ADMIN))
    else:
        client.force_login(make_user(is_staff=True, is_superuser=True, role=Role.USER))
    return client


def test_a_readonly_user_made_with_the_user_group_ticked_ends_in_the_readonly_group_only(admin_client):
    response = admin_client.post(
        ADD_URL,
        add_form(
            groups=[group("user").pk],
            is_superuser="on",
            user_permissions=[
                perm("catalog.add_inventory").pk,
                perm("catalog.change_inventory").pk,
                perm("catalog.view_inventory").pk,
            ],
        ),
    )
    submitted(response)
    rita = User.objects.get(username="rita")
    assert rita.role == Role.READONLY
    assert group_names(rita) == {"readonly"}
    assert not rita.is_superuser
    assert perm_labels(rita) == {"catalog.view_inventory"}
    assert rita.is_staff and rita.check_password(PASSWORD)
    assert not rita.has_perm("catalog.change_inventory") and rita.has_perm("catalog.view_inventory")


def test_the_add_form_makes_a_user_with_their_role_in_one_step(admin_client):
    submitted(admin_client.post(ADD_URL, add_form(role=Role.USER)))
    rita = User.objects.get(username="rita")
    assert rita.role == Role.USER and group_names(rita) == {"user"}
    assert rita.has_perm("catalog.change_inventory")


def test_groups_that_are_no_role_stay_beside_the_role_group(admin_client):
    buyers = group("buyers")
    submitted(admin_client.post(ADD_URL, add_form(groups=[group("admin").pk, buyers.pk])))
    assert group_names(User.objects.get(username="rita")) == {"readonly", "buyers"}


def test_changing_to_readonly_keeps_the_stale_user_group_out_and_strips_write_permissions(admin_client):
    person = make_user(role=Role.USER, is_staff=True, is_superuser=True)
    person.user_permissions.add(perm("transactions.add_order"), perm("transactions.view_order"))
    assert group_names(person) == {"user"}
    # The groups box still shows the "user" group when the role is changed.
    response = admin_client.post(
        change_url(person),
        change_form(
            person,
            role=Role.READONLY,
            user_permissions=[
                perm("transactions.add_order").pk,
                perm("transactions.view_order").pk,
                perm("catalog.delete_inventory").pk,
            ],
        ),
    )
    submitted(response)
    person.refresh_from_db()
    assert person.role == Role.READONLY
    assert group_names(person) == {"readonly"}
    assert not person.is_superuser
    assert perm_labels(person) == {"transactions.view_order"}


def test_each_role_change_moves_the_user_to_that_roles_group(admin_client):
    person = make_user(role=Role.USER, is_staff=True)
    for role in (Role.READONLY, Role.ADMIN, Role.USER):
        stale = change_form(person, role=role)  # posts the groups of the role before
        submitted(admin_client.post(change_url(person), stale))
        person.refresh_from_db()
        assert person.role == role
        assert group_names(person) == {role.value}


def test_an_admin_may_make_a_superuser_of_a_user_but_not_of_a_readonly_one(admin_client):
    person = make_user(role=Role.USER, is_staff=True)
    submitted(admin_client.post(change_url(person), change_form(person, is_superuser="on")))
    person.refresh_from_db()
    assert person.is_superuser and group_names(person) == {"user"}
    submitted(admin_client.post(change_url(person), change_form(person, role=Role.READONLY, is_superuser="on")))
    person.refresh_from_db()
    assert not person.is_superuser and group_names(person) == {"readonly"}


def fieldsets(response: Any) -> list[tuple[str | None, list[str], str]]:
    """(name, field names, CSS classes) of each fieldset the form shows."""
    return [
        (fs.name, [_name(field) for line in fs for field in line], fs.classes) for fs in response.context["adminform"]
    ]


def _name(admin_field: Any) -> str:
    field = admin_field.field  # a bound form field, or a dict for a read-only one
    return field["name"] if isinstance(field, dict) else field.name


def field_order(response: Any) -> list[str]:
    return [name for _, names, _ in fieldsets(response) for name in names]


def test_the_role_is_at_the_top_and_raw_permissions_are_folded_away_for_an_admin(admin_client):
    person = make_user(role=Role.USER)
    change = admin_client.get(change_url(person))
    assert field_order(change)[:3] == ["username", "password", "role"]
    add = admin_client.get(ADD_URL)
    assert field_order(add)[:5] == ["username", "usable_password", "password1", "password2", "role"]
    for response in (change, add):
        raw = [(names, classes) for _, names, classes in fieldsets(response) if "groups" in names]
        assert raw == [(["is_superuser", "groups", "user_permissions"], "collapse")]
        assert b"<details>" in response.content


def test_someone_who_is_no_admin_neither_sees_nor_sets_raw_permissions(client):
    # A manager who may edit people without being an admin: by their role alone they could not.
    manager = make_user(role=Role.USER, is_staff=True)
    manager.user_permissions.add(perm("accounts.view_user"), perm("accounts.change_user"))
    client.force_login(manager)
    person = make_user(role=Role.USER, is_staff=True)
    page = client.get(change_url(person))
    assert page.status_code == 200
    assert {"is_superuser", "groups", "user_permissions"}.isdisjoint(field_order(page))
    assert b'name="groups"' not in page.content and b'name="is_superuser"' not in page.content
    assert "role" in field_order(page)

    forged = change_form(
        person, is_superuser="on", groups=[group("admin").pk], user_permissions=[perm("auth.add_group").pk]
    )
    submitted(client.post(change_url(person), forged))
    person.refresh_from_db()
    assert not person.is_superuser
    assert group_names(person) == {"user"}
    assert perm_labels(person) == set()


def test_a_readonly_user_is_never_a_superuser_whoever_saves_them():
    rita = make_user(role=Role.READONLY, is_superuser=True)
    rita.refresh_from_db()
    assert not rita.is_superuser
    rita.is_superuser = True
    rita.save(update_fields=["role"])
    rita.refresh_from_db()
    assert not rita.is_superuser


def test_saving_a_readonly_role_strips_direct_permissions_but_view_ones():
    person = make_user(role=Role.USER)
    person.user_permissions.add(perm("catalog.change_inventory"), perm("catalog.view_inventory"))
    person.role = Role.READONLY
    person.save()
    assert perm_labels(person) == {"catalog.view_inventory"}
    assert group_names(person) == {"readonly"}


def test_other_roles_keep_their_direct_permissions_and_superuser_status():
    person = make_user(role=Role.ADMIN, is_superuser=True)
    person.user_permissions.add(perm("catalog.change_inventory"))
    person.role = Role.USER
    person.save()
    person.refresh_from_db()
    assert person.is_superuser and perm_labels(person) == {"catalog.change_inventory"}

"""The review's three roles (admin, user, readonly) as Django groups with a fixed permission matrix.

The groups are made by a migration and re-synced after every migrate and flush (post_migrate),
so new models' permissions join their roles. A user's ``role`` decides their one role group.
Import and export have permissions of their own (``import_<model>``, ``export_<model>``),
checked by django-import-export (IMPORT_EXPORT_*_PERMISSION_CODE) and by our own views.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from accounts.models import Role

PROJECT_APPS = ("catalog", "pricing", "transactions", "accounts")
IO_ACTIONS = ("import", "export")

# What the "user" role works: the day-to-day catalog, stock and sales.
USER_WORKS = {
    "catalog": {
        "brand",
        "category",
        "color",
        "material",
        "tag",
        "supplier",
        "supplierhistory",
        "product",
        "size",
        "variant",
        "inventory",
    },
    "transactions": {"listing", "order", "payout", "unmatchedsale"},
}
# What "user" may import and export: sales reports (orders) yes, price feeds no.
USER_IMPORTS = {("transactions", "order")}
# Never visible below admin: people, keys and secrets.
ADMIN_ONLY = {
    ("accounts", "user"),
    ("accounts", "historicaluser"),
    ("accounts", "apikey"),
    ("accounts", "systemconfig"),
    ("catalog", "supplieraccount"),
    ("catalog", "historicalsupplieraccount"),
}


def project_models() -> list[type[Model]]:
    return [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]


def ensure_io_permissions() -> None:
    """Create ``import_<model>`` and ``export_<model>`` permissions for every project model."""
    for model in project_models():
        ctype = ContentType.objects.get_for_model(model, for_concrete_model=False)
        for action in IO_ACTIONS:
            Permission.objects.get_or_create(
                content_type=ctype,
                codename=f"{action}_{model._meta.model_name}",
                defaults={"name": f"Can {action} {model._meta.verbose_name_plural}"},
            )


def _codenames(model: type[Model], actions: Iterable[str]) -> set[tuple[str, str]]:
    return {(model._meta.app_label, f"{action}_{model._meta.model_name}") for action in actions}


def role_permissions(role: Role) -> set[tuple[str, str]]:
    """The (app_label, codename) pairs a role grants."""
    wanted: set[tuple[str, str]] = set()
    for model in project_models():
        key = (model._meta.app_label, model._meta.model_name or "")
        if role == Role.ADMIN:
            wanted |= _codenames(model, ("view", "add", "change", "delete", *IO_ACTIONS))
        elif key in ADMIN_ONLY:
            continue
        elif role == Role.READONLY:
            wanted |= _codenames(model, ("view",))
        else:  # Role.USER
            works = key[1] in USER_WORKS.get(key[0], set())
            wanted |= _codenames(model, ("view", "add", "change", "delete") if works else ("view",))
            wanted |= _codenames(model, ("export",))
            if key in USER_IMPORTS:
                wanted |= _codenames(model, ("import",))
    if role == Role.ADMIN:
        wanted |= {
            ("catalog", "standardize_sizes"),
            ("pricing", "refresh_analytics"),
            ("accounts", "anonymize_user"),
            ("accounts", "view_db_health"),
            ("accounts", "export_personal_data"),
            ("auth", "view_group"),
            ("auth", "change_group"),
        }
    if role == Role.USER:
        wanted |= {("pricing", "refresh_analytics")}
    return wanted


def roles_sync() -> None:
    """Create the three role groups and give each exactly its permissions."""
    ensure_io_permissions()
    everything = {(p.content_type.app_label, p.codename): p for p in Permission.objects.select_related("content_type")}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set([everything[key] for key in sorted(role_permissions(role)) if key in everything])


def role_group(role: str) -> Group:
    return Group.objects.get_or_create(name=role)[0]


def grants_permissions(user: Any) -> bool:
    """May this person hand out raw permissions (superuser status, groups, single permissions)?

    Only superusers and the admin role; everyone else sets a person's access by their role.
    """
    return bool(getattr(user, "is_superuser", False) or getattr(user, "role", None) == Role.ADMIN)


ACTION_LETTERS = (("view", "V"), ("add", "A"), ("change", "C"), ("delete", "D"), ("import", "I"), ("export", "E"))


def roles_matrix_markdown() -> str:
    """The permission matrix as a Markdown table (docs/roles.md embeds it; a test keeps it current)."""
    grants = {role: role_permissions(role) for role in Role}
    lines = ["| model | admin | user | readonly |", "|---|---|---|---|"]
    for model in sorted(project_models(), key=lambda m: (m._meta.app_label, m._meta.model_name or "")):
        cells = []
        for role in Role:
            letters = "".join(
                letter for action, letter in ACTION_LETTERS if _codenames(model, (action,)) <= grants[role]
            )
            cells.append(letters or "–")
        lines.append(f"| {model._meta.app_label}.{model._meta.model_name} | " + " | ".join(cells) + " |")
    model_perms = {pair for model in project_models() for pair in _codenames(model, [a for a, _ in ACTION_LETTERS])}
    extras = sorted({f"{app}.{code}" for role in Role for app, code in grants[role] - model_perms})
    lines += ["", "| other permission | admin | user | readonly |", "|---|---|---|---|"]
    for name in extras:
        app, code = name.split(".")
        lines.append(f"| {name} | " + " | ".join("yes" if (app, code) in grants[r] else "–" for r in Role) + " |")
    return "\n".join(lines) + "\n"

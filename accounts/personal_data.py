"""Every place personal data can live, and what erasure does with each place (docs/gdpr.md).

The one list: erasure (``accounts.gdpr``) walks it, docs/gdpr.md's inventory is written
from it, and a test fails when a model field that can hold text (of any installed app,
Django's and third-party ones included) is in neither ``PERSONAL`` nor ``NOT_PERSONAL``.

Three rules derive places instead of listing them twice:

- a history table's column (simple-history) is classified as its model's column, and its
  ``history_change_reason`` is free text that may quote a person;
- the audit log's JSON (``old_values``, ``new_values``) holds rows of the audited tables:
  each key is treated as the column it copies;
- an archived month of a partitioned table (``archive.<table>_YYYY_MM``) is treated as the
  table.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.contrib.postgres.fields import ArrayField, HStoreField
from django.db import models
from simple_history.models import HistoricalChanges


class Treatment(enum.StrEnum):
    """What erasure does with a place."""

    #: The person's own row: the value becomes a placeholder (``deleted_<id>``, ...).
    REPLACE = "replace"
    #: The person's own row: the value is emptied.
    CLEAR = "clear"
    #: An encrypted copy: emptied in the person's row and its history, null in their audit rows.
    #: Never kept under the live key, so no key can bring it back.
    DESTROY = "destroy"
    #: Text or JSON that may quote anyone: each of the person's values is replaced where it occurs.
    SCRUB = "scrub"
    #: A record about the person (a failed login, a session): the row is deleted when it names them.
    DELETE_ROW = "delete row"
    #: A file (an uploaded import): deleted.
    DELETE_FILE = "delete file"


#: The treatments that apply to the person's own row (and its history and audit copies) only.
OWN_ROW = frozenset({Treatment.REPLACE, Treatment.CLEAR, Treatment.DESTROY})
ERASED = "[erased]"


@dataclass(frozen=True)
class Personal:
    """A personal field and its treatment.

    ``searched``: a field of the person's own row whose values (today's and every past one)
    are looked for in every ``SCRUB`` and ``DELETE_ROW`` place. ``erased_as`` is the
    placeholder of ``REPLACE`` (``{pk}`` is the row's id). ``owner`` names the foreign key
    to the user: on the rows a person owns, a ``SCRUB`` field is replaced outright.
    """

    treatment: Treatment
    holds: str
    searched: bool = False
    erased_as: str = ERASED
    owner: str = ""


_p = Personal
R, C, D, S, X = Treatment.REPLACE, Treatment.CLEAR, Treatment.DESTROY, Treatment.SCRUB, Treatment.DELETE_ROW
EMAIL_PLACEHOLDER = "deleted_{pk}@anonymized.local"
NAME_PLACEHOLDER = "deleted_{pk}"
#: An unusable password (Django's mark: a leading "!").
UNUSABLE_PASSWORD = "!erased"

AUDITED_ROWS = "audited rows as JSON, each key treated as the column it copies (the person's rows key by key)"

#: The subjects of erasure: the people (users) and the supplier accounts that are theirs.
SUBJECTS = ("accounts.User", "catalog.SupplierAccount")

PERSONAL: dict[str, dict[str, Personal]] = {
    # --- the subjects -------------------------------------------------------------------
    "accounts.User": {
        "email": _p(R, "login e-mail", searched=True, erased_as=EMAIL_PLACEHOLDER),
        "username": _p(R, "login name", searched=True, erased_as=NAME_PLACEHOLDER),
        "first_name": _p(C, "name", searched=True),
        "last_name": _p(C, "name", searched=True),
        "password": _p(R, "password hash (made unusable)", erased_as=UNUSABLE_PASSWORD),
    },
    "catalog.SupplierAccount": {
        "email": _p(R, "login e-mail at the supplier", searched=True, erased_as=EMAIL_PLACEHOLDER),
        "first_name": _p(C, "name", searched=True),
        "last_name": _p(C, "name", searched=True),
        "street": _p(C, "delivery address", searched=True),
        "phone": _p(C, "phone number", searched=True),
        # Shared with neighbours and strangers: erased in the person's rows, not looked for elsewhere.
        "postal_code": _p(C, "delivery address"),
        "city": _p(C, "delivery address"),
        "country_code": _p(C, "delivery address"),
        "payment_provider": _p(C, "payment provider"),
        "payment_method_token": _p(C, "payment provider's token", searched=True),
        "payment_method_last4": _p(C, "last four card digits", searched=True),
        "bank_details_encrypted": _p(D, "account holder, IBAN, BIC (encrypted)", searched=True),
    },
    # --- places that may quote anyone ---------------------------------------------------
    "catalog.Supplier": {
        # A supplier's contact (cleared by hand when they ask); a private seller's supplier is a person.
        "name": _p(S, "a private seller's name"),
        "slug": _p(S, "a private seller's name, slugified"),
        "contact_person": _p(S, "a supplier's contact"),
        "email": _p(S, "a supplier's contact"),
        "phone": _p(S, "a supplier's contact"),
        "street": _p(S, "a supplier's contact"),
        "postal_code": _p(S, "a supplier's contact"),
        "city": _p(S, "a supplier's contact"),
        "notes": _p(S, "free text"),
    },
    "catalog.SupplierHistory": {"description": _p(S, "free text"), "details": _p(S, "free JSON")},
    "catalog.Inventory": {
        "supplier_name": _p(S, "a private seller's name, cached"),
        "location": _p(S, "free text (where a pair is)"),
        "notes": _p(S, "free text"),
    },
    "transactions.Order": {"notes": _p(S, "free text")},
    "transactions.FeeSchedule": {"notes": _p(S, "free text")},
    "accounts.ApiKey": {"name": _p(S, "a key's label, often its holder's name", owner="user")},
    "accounts.SystemLog": {"message": _p(S, "log text"), "context": _p(S, "log JSON")},
    "accounts.AuditLog": {
        "old_values": _p(S, AUDITED_ROWS),
        "new_values": _p(S, AUDITED_ROWS),
    },
    "pricing.ImportRun": {
        "file_name": _p(S, "an uploaded file's name"),
        "options": _p(S, "an import's options"),
        "errors": _p(S, "rejected rows, quoting their values"),
        "message": _p(S, "an import's summary"),
    },
    "admin.LogEntry": {"object_repr": _p(S, "an edited row's name"), "change_message": _p(S, "admin change text")},
    "procrastinate.ProcrastinateJob": {"args": _p(S, "a background job's arguments (an upload's name)")},
    # --- records about a person: deleted when they name them ----------------------------
    "sessions.Session": {"session_data": _p(X, "who is logged in, their pending uploads (encoded)")},
    **{
        model: {
            "username": _p(X, "the login name typed"),
            "ip_address": _p(X, "IP address"),
            "user_agent": _p(X, "browser"),
            **({"get_data": _p(X, "the login request"), "post_data": _p(X, "the login form")} if extra else {}),
        }
        for model, extra in (("axes.AccessAttempt", True), ("axes.AccessLog", False), ("axes.AccessFailureLog", False))
    },
}

#: Per model: why its remaining text fields are not personal, and which they are.
NOT_PERSONAL: dict[str, tuple[str, frozenset[str]]] = {
    "accounts.User": ("a role name", frozenset({"role"})),
    "accounts.ApiKey": ("a random key's prefix and hash; scope names", frozenset({"prefix", "key_hash", "scopes"})),
    "accounts.SystemConfig": (
        "settings and their secrets, no one's data",
        frozenset({"key", "value_encrypted", "description"}),
    ),
    "accounts.SystemLog": ("log levels and logger names", frozenset({"level", "logger"})),
    "accounts.AuditLog": ("table names and operations", frozenset({"table_name", "operation"})),
    "catalog.Brand": ("brand names", frozenset({"name", "slug"})),
    "catalog.Category": ("category names", frozenset({"name", "slug"})),
    "catalog.Color": ("colour names", frozenset({"name", "hex_code"})),
    "catalog.Material": ("material names", frozenset({"name"})),
    "catalog.Tag": ("labels of products and suppliers", frozenset({"name", "slug"})),
    "catalog.Supplier": (
        "a business's type, shop, Awin id, country, VAT id, currency and its API key (a secret, no one's data)",
        frozenset(
            {
                "supplier_type",
                "website",
                "awin_merchant_id",
                "country_code",
                "vat_id",
                "default_currency",
                "api_key_encrypted",
            }
        ),
    ),
    "catalog.SupplierHistory": ("event types", frozenset({"event_type"})),
    "catalog.SupplierPerformance": ("a currency code", frozenset({"currency"})),
    "catalog.Product": (
        "the catalog: product names, codes, descriptions, images, market data",
        frozenset(
            {
                "name",
                "style_code",
                "colorway",
                "gender_class",
                "retail_currency",
                "description",
                "image_url",
                "enrichment_data",
            }
        ),
    ),
    "catalog.SizeChart": ("size charts", frozenset({"gender_class", "region", "value", "source"})),
    "catalog.Size": ("sizes", frozenset({"region", "value", "gender_class"})),
    "catalog.SizeReview": (
        "size mappings and their computed reasons",
        frozenset({"status", "outcome", "reason", "candidates"}),
    ),
    "catalog.Variant": ("EANs and SKUs", frozenset({"ean", "sku"})),
    "catalog.Inventory": (
        "a currency, states and the supplier's order number",
        frozenset({"currency", "status", "condition", "external_order_ref"}),
    ),
    "pricing.PriceSource": (
        "market offers from feeds and platforms",
        frozenset(
            {
                "source_type",
                "source_product_id",
                "source_name",
                "price_type",
                "currency",
                "source_url",
                "affiliate_link",
                "metadata",
            }
        ),
    ),
    "pricing.PriceHistory": ("price kinds and currencies", frozenset({"source_type", "price_type", "currency"})),
    "pricing.ImportRun": ("kinds, states and a file's digest", frozenset({"kind", "status", "file_sha256"})),
    "pricing.AwinProduct": (
        "affiliate feed rows (products and merchants)",
        frozenset(
            {
                "merchant_id",
                "merchant_name",
                "aw_product_id",
                "merchant_product_id",
                "product_name",
                "brand_name",
                "ean",
                "mpn",
                "size_label",
                "colour",
                "category_name",
                "currency",
                "merchant_deep_link",
                "aw_deep_link",
                "image_url",
                "raw",
            }
        ),
    ),
    "pricing.PriceRule": ("pricing rule labels", frozenset({"name", "rule_type", "currency"})),
    "pricing.BrandMultiplier": ("why a brand's prices move", frozenset({"reason"})),
    "pricing.ViewRefresh": ("view names", frozenset({"view_name"})),
    # Materialized views: computed from the tables above, and dumped as their definition only.
    "pricing.ProfitOpportunity": (
        "derived from offers and the catalog",
        frozenset({"currency", "retail_source", "retail_source_type", "retail_url", "resale_source"}),
    ),
    "pricing.BrandPerformance": ("derived from the catalog and sales", frozenset({"brand_name"})),
    "pricing.DailySales": ("derived from sales", frozenset({"currency"})),
    "pricing.InventoryAging": ("derived from stock", frozenset({"status", "age_bucket", "currency"})),
    "transactions.Platform": ("platforms", frozenset({"code", "name", "website", "default_currency", "region"})),
    "transactions.FeeSchedule": ("fee regions and currencies", frozenset({"region", "currency"})),
    "transactions.Listing": (
        "a platform's listing id, currency, state",
        frozenset({"external_listing_id", "currency", "status"}),
    ),
    "transactions.Payout": (
        "a platform's payout id, currency, state",
        frozenset({"external_payout_id", "currency", "status"}),
    ),
    "transactions.Order": (
        "a platform's order number, currencies, state, a sales region",
        frozenset({"external_order_number", "currency", "payout_currency", "status", "buyer_region"}),
    ),
    "transactions.UnmatchedSale": (
        "a sale's product as the report named it (buyer columns are never read)",
        frozenset(
            {
                "external_order_number",
                "product_name",
                "style_code",
                "brand_name",
                "size_label",
                "currency",
                "payout_currency",
                "buyer_region",
                "reason",
                "status",
            }
        ),
    ),
    "admin.LogEntry": ("a row's id", frozenset({"object_id"})),
    "auth.Permission": ("permission names", frozenset({"name", "codename"})),
    "auth.Group": ("group and role names", frozenset({"name"})),
    "contenttypes.ContentType": ("model names", frozenset({"app_label", "model"})),
    "sessions.Session": ("a random session key", frozenset({"session_key"})),
    "procrastinate.ProcrastinateJob": (
        "queue, task, lock names and states",
        frozenset({"queue_name", "task_name", "lock", "status", "queueing_lock"}),
    ),
    "procrastinate.ProcrastinateEvent": ("event types", frozenset({"type"})),
    "procrastinate.ProcrastinatePeriodicDefer": ("task names", frozenset({"task_name", "periodic_id"})),
    **{
        model: ("the page asked for and what it accepts", frozenset({"path_info", "http_accept", *extra}))
        for model, extra in (
            ("axes.AccessAttempt", ()),
            ("axes.AccessLog", ("session_hash",)),  # a hash of a random session key
            ("axes.AccessFailureLog", ()),
        )
    },
}

#: History tables: the two columns simple-history adds. Every other column is its model's.
HISTORY_FIELDS: dict[str, Personal | str] = {
    "history_change_reason": _p(S, "why a row changed, as typed (may quote a person)"),
    "history_type": "the kind of change (+, ~, -)",
}


@dataclass(frozen=True)
class FilePlace:
    """Files on disk, and the dotted paths of the functions of the code that keeps them.

    ``folder()`` is where they are; ``stale()`` lists the ones past their lifetime;
    ``pending(session_data)`` the ones a session holds; ``delete(paths)`` deletes.
    """

    name: str
    holds: str
    folder: str
    stale: str
    pending: str
    delete: str
    treatment: Treatment = Treatment.DELETE_FILE


FILES = (
    FilePlace(
        "MEDIA_ROOT/imports",
        "files uploaded in the admin, kept from preview to run: whatever rows they hold",
        folder="pricing.admin_imports.upload_dir",
        stale="pricing.admin_imports.stale_uploads",
        pending="pricing.admin_imports.pending_uploads",
        delete="pricing.admin_imports.delete_uploads",
    ),
)

#: Model fields that can hold text: every one is classified.
TEXT_FIELDS: tuple[type[models.Field], ...] = (
    models.CharField,  # EmailField, SlugField, URLField ...
    models.TextField,  # the encrypted fields too
    models.JSONField,
    models.GenericIPAddressField,
    models.FileField,
    models.FilePathField,
    models.BinaryField,
    ArrayField,
    HStoreField,
)


def is_history(model: type[models.Model]) -> bool:
    return issubclass(model, HistoricalChanges)


def base_model(model: type[models.Model]) -> type[models.Model]:
    """A history model's model; any other model itself."""
    return model.instance_type if is_history(model) else model  # type: ignore[attr-defined]


def classify(model: type[models.Model], field_name: str) -> Personal | str | None:
    """A field's entry: its ``Personal`` treatment, the reason it is not personal, or None (unclassified)."""
    if is_history(model) and field_name in HISTORY_FIELDS:
        return HISTORY_FIELDS[field_name]
    label = base_model(model)._meta.label
    personal = PERSONAL.get(label, {}).get(field_name)
    if personal is not None:
        return personal
    reason, names = NOT_PERSONAL.get(label, ("", frozenset()))
    return reason if field_name in names else None


def text_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]


def personal_fields(model: type[models.Model]) -> Iterator[tuple[models.Field, Personal]]:
    """The personal fields of one model (history models included), with their treatment."""
    for field in text_fields(model):
        entry = classify(model, field.name)
        if isinstance(entry, Personal):
            yield field, entry


def all_models() -> list[type[models.Model]]:
    return list(apps.get_models(include_auto_created=True))


def unclassified() -> list[str]:
    """Text fields of installed models that the registry does not classify (the guard's finding)."""
    return [
        f"{model._meta.label}.{field.name}"
        for model in all_models()
        for field in text_fields(model)
        if classify(model, field.name) is None
    ]


def stale_entries() -> list[str]:
    """Registry entries that name no model or no text field (left behind by a rename)."""
    stale = []
    entries: dict[str, set[str]] = {}
    for label, fields in PERSONAL.items():
        entries.setdefault(label, set()).update(fields)
    for label, (_, not_personal) in NOT_PERSONAL.items():
        entries.setdefault(label, set()).update(not_personal)
    for label, names in entries.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            stale.append(label)
            continue
        known = {f.name for f in text_fields(model)}
        stale += [f"{label}.{name}" for name in sorted(names - known)]
    both = {
        f"{label}.{name}"
        for label, fields in PERSONAL.items()
        for name in fields
        if name in NOT_PERSONAL.get(label, ("", ()))[1]
    }
    return stale + [f"{entry} (both personal and not)" for entry in sorted(both)]


#: Tables without a model: what their text columns hold.
TABLES_WITHOUT_MODELS = {"public.django_migrations": "applied migrations' names"}

_SAYS = {
    Treatment.REPLACE: "replaced by a placeholder",
    Treatment.CLEAR: "emptied",
    Treatment.DESTROY: "destroyed: emptied, null in audit rows",
    Treatment.SCRUB: "the person's values replaced",
    Treatment.DELETE_ROW: "the row deleted when it names the person",
    Treatment.DELETE_FILE: "deleted",
}


def _table(model: type[models.Model]) -> str:
    from soleflip.db.schemas import TABLE_SCHEMAS

    return f"{TABLE_SCHEMAS.get(model._meta.db_table, 'public')}.{model._meta.db_table}"


def inventory_markdown() -> str:
    """The inventory of docs/gdpr.md: every personal place and its treatment, from the registry.

    One line per table and treatment; "searched" marks the fields whose values are looked
    for in every other place.
    """
    lines = ["| where | what it holds | on erasure |", "|---|---|---|"]
    places: dict[tuple[str, str], dict[str, str]] = {}
    for model in all_models():
        for field, personal in personal_fields(model):
            says = _SAYS[personal.treatment]
            if personal.owner:
                says += "; emptied outright on the person's own rows"
            if personal.treatment in OWN_ROW:
                says += " (the person's own rows)"
            column = f"{field.column} (searched)" if personal.searched else field.column
            places.setdefault((_table(model), says), {})[column] = personal.holds
    for (table, says), columns in sorted(places.items()):
        holds = "; ".join(dict.fromkeys(columns[column] for column in sorted(columns)))
        lines.append(f"| `{table}`: {', '.join(sorted(columns))} | {holds} | {says} |")
    for place in FILES:
        lines.append(f"| `{place.name}` (files) | {place.holds} | {_SAYS[place.treatment]} |")
    return "\n".join(lines)

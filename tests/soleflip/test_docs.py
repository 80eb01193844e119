"""The database documents stay true: ER diagrams generated from the models, docstrings on every model."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps

from soleflip.db.erd import diagrams_markdown, schema_diagram
from soleflip.db.schemas import APP_SCHEMAS

ROOT = Path(__file__).resolve().parents[2]
DATABASE_DOCS = [
    "schema-overview.md",
    "fresh-database-setup.md",
    "size-standardization.md",
    "performance-tuning.md",
    "data-migration.md",
]


def test_schema_overview_diagrams_are_current():
    document = (ROOT / "docs" / "database" / "schema-overview.md").read_text()
    assert diagrams_markdown() in document, "run `manage.py er_diagram --write`"


def test_diagram_shows_tables_columns_and_cross_schema_keys():
    diagram = schema_diagram("products")
    assert "    inventory {" in diagram and "        uuid supplier_id FK" in diagram
    assert 'inventory }o--o| suppliers : "supplier_id (core)"' in diagram


@pytest.mark.parametrize("name", DATABASE_DOCS)
def test_the_reviews_five_database_documents_exist(name):
    text = (ROOT / "docs" / "database" / name).read_text()
    assert len(text) > 1500, f"docs/database/{name} is too thin to be useful"


def test_every_model_has_a_docstring_of_its_own():
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in APP_SCHEMAS
        and not hasattr(m, "instance_type")  # simple-history's generated history models
        and (not m.__doc__ or m.__doc__.startswith(f"{m.__name__}("))
    ]
    assert missing == []


_PACKAGES = ("soleflip", "catalog", "pricing", "transactions", "accounts", "demo", "tests", "bench")


def _code_references() -> list[tuple[str, str]]:
    """Every backquoted path (``pricing/imports.py``) and dotted module reference in the docs."""
    found = []
    for document in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for quoted in re.findall(r"`([^`\s]+)`", document.read_text()):
            found.append((str(document.relative_to(ROOT)), quoted.split("(")[0].rstrip(".,:;")))
    return found


def _resolves(reference: str) -> bool:
    parts = reference.split(".")
    for length in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:length]))
        except ImportError:
            continue
        for attribute in parts[length:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def test_the_code_the_docs_name_exists():
    """A moved or renamed module fails here until the documents follow it.

    Paths are checked as files (a migration may be named by its number); dotted names
    that start with ``soleflip.`` or go two levels deep are imported. One-dot names are
    schema-qualified tables (``transactions.orders``) or permissions, not code.
    """
    paths = re.compile(rf"(?:{'|'.join(_PACKAGES)})/[\w/.-]*")
    modules = re.compile(rf"(?:{'|'.join(_PACKAGES[:6])})(?:\.\w+){{2,}}|soleflip(?:\.[a-z_]\w*)+")
    missing = []
    for document, reference in _code_references():
        if paths.fullmatch(reference):
            if not (ROOT / reference).exists() and not list((ROOT / reference).parent.glob(f"{Path(reference).name}*")):
                missing.append(f"{document}: {reference}")
        elif modules.fullmatch(reference) and not _resolves(reference):
            missing.append(f"{document}: {reference}")
    assert missing == []

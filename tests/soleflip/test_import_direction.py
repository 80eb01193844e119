"""Which code may import which: read from the source (the AST), so a wrong import fails here, not in review.

- ``soleflip/`` is wiring and cross-cutting code: it imports no app. Where it needs an app's
  object it goes through a declared extension point (a settings string, ``get_user_model``,
  the app registry).
- The ``demo`` app writes through the apps' services; no app imports it.
- An app uses another app's public modules and names only: nothing under a module or name
  that starts with an underscore.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "catalog", "pricing", "transactions", "demo")
PACKAGES = ("soleflip", *APPS)


def _imports(path: Path) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """(line, module, names) of every absolute import in ``path``, at any depth (also inside functions)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, tuple(alias.name for alias in node.names)


def _sources(package: str) -> list[Path]:
    return sorted(path for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts)


def violations(package: str) -> list[str]:
    found = []
    for path in _sources(package):
        where = path.relative_to(ROOT)
        for line, module, names in _imports(path):
            parts = module.split(".")
            top = parts[0]
            if top not in PACKAGES or top == package:
                continue
            if package == "soleflip" and top in APPS:
                found.append(f"{where}:{line}: soleflip/ imports the app {module}")
            elif top == "demo":
                found.append(f"{where}:{line}: an app imports the demo data ({module})")
            elif any(part.startswith("_") for part in parts[1:]):
                found.append(f"{where}:{line}: imports {top}'s private module {module}")
            else:
                private = [name for name in names if name.startswith("_")]
                if private:
                    found.append(f"{where}:{line}: imports {top}'s private name(s) {', '.join(private)} from {module}")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_go_the_allowed_way(package):
    assert violations(package) == []


def test_the_check_sees_a_wrong_import(tmp_path, monkeypatch):
    """The rules above catch what they are meant to (the check itself can fail)."""
    (tmp_path / "soleflip").mkdir()
    (tmp_path / "soleflip" / "wrong.py").write_text("def f():\n    from catalog.models import Product\n")
    (tmp_path / "pricing").mkdir()
    (tmp_path / "pricing" / "wrong.py").write_text(
        "from transactions.management.commands._events import x\nfrom catalog.models import _hidden\nimport demo.seed\n"
    )
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert violations("soleflip") == ["soleflip/wrong.py:2: soleflip/ imports the app catalog.models"]
    assert violations("pricing") == [
        "pricing/wrong.py:1: imports transactions's private module transactions.management.commands._events",
        "pricing/wrong.py:2: imports catalog's private name(s) _hidden from catalog.models",
        "pricing/wrong.py:3: an app imports the demo data (demo.seed)",
    ]

"""The import rules of docs/architecture.md, checked over the whole repository.

rp_demo talks to the provider over HTTP only; only datastore/ and alembic/ use SQLAlchemy;
the provider does not depend on the applications built on it; the datastore depends on nobody.
Every import counts, also one inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_PACKAGES = ("datastore", "idp", "rp_demo", "schoolloket", "leerid_sim", "bench")

# package -> top-level packages it must never import
FORBIDDEN: dict[str, frozenset[str]] = {
    "rp_demo": frozenset({"idp", "datastore", "schoolloket", "leerid_sim", "sqlalchemy"}),
    "idp": frozenset({"rp_demo", "schoolloket", "leerid_sim", "sqlalchemy"}),
    "schoolloket": frozenset({"rp_demo", "sqlalchemy"}),
    "datastore": frozenset({"idp", "rp_demo", "schoolloket", "leerid_sim"}),
    "leerid_sim": frozenset({"sqlalchemy"}),
    "bench": frozenset({"sqlalchemy"}),
}


def imported_packages(path: Path) -> set[str]:
    """The top-level names of every module ``path`` imports (absolute imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_follow_the_architecture(package: str) -> None:
    violations = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _sources(package)
        for name in sorted(imported_packages(path) & FORBIDDEN[package])
    ]
    assert violations == []


def test_only_datastore_and_alembic_import_sqlalchemy() -> None:
    violations = [
        str(path.relative_to(ROOT))
        for package in PRODUCT_PACKAGES
        if package != "datastore"
        for path in _sources(package)
        if "sqlalchemy" in imported_packages(path)
    ]
    assert violations == []


def test_the_rule_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from idp.app import create_app\n    import datastore.store\n")
    assert imported_packages(module) == {"idp", "datastore"}

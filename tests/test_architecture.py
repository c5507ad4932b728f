"""The import rules of docs/architecture.md, checked over the whole repository.

rp_demo talks to the provider over HTTP only; only datastore/ and alembic/ use SQLAlchemy;
the provider does not depend on the applications built on it; the datastore depends on nobody.
The Schoolloket, a relying party, learns who logged in from its own login, never from the
provider's protocol records (its tokens, codes, sessions, keys). Outside datastore/, product code
imports the ``datastore`` package only, never a module inside it; inside, the modules import each
other without a circle. Every import counts, also one inside a function or one for the type
checker only. And the events and the privacy log have one writer,
datastore/protocol/logs.py: no other module builds or inserts their rows. Inside datastore/,
every table has one writer (``TABLE_WRITERS``); another module that changes the table calls a
function of the owner within its own transaction.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_PACKAGES = ("datastore", "idp", "rp_demo", "schoolloket", "leerid_sim", "bench")

# The tables only datastore/protocol/logs.py writes, by name and model.
LOG_TABLES = {"events": "Event", "privacy_log": "PrivacyLogEntry"}
LOG_WRITER = Path("datastore/protocol/logs.py")
# Modules that name those tables without writing them: the models, ``insert_rows``'s registry.
NAMING_LOG_TABLES = frozenset(
    {Path("datastore/db/models.py"), Path("datastore/protocol/oidc_sql.py")}
)
_WRITES = frozenset({"insert", "pg_insert", "sqlite_insert", "update", "delete", "upsert"})

# table -> the one module of datastore/ that builds, inserts, updates or deletes its rows. Two
# kinds of writing are whole-database operations and not counted: restoring a snapshot (or
# wiping the world) replaces every table at once (datastore/control/snapshots.py), and the
# generator of large worlds bulk-loads empty tables by name (datastore/worlds/generate.py).
TABLE_WRITERS: dict[str, str] = {
    "access_log": "datastore/schoolloket/log.py",
    "account_history": "datastore/admin/pupils.py",
    "accounts": "datastore/admin/accounts.py",
    "applications": "datastore/admin/providers.py",
    "auth_sessions": "datastore/protocol/oidc.py",
    "authorization_codes": "datastore/protocol/oidc.py",
    "beheerder_grants": "datastore/admin/staff.py",
    "class_sharing_acceptances": "datastore/admin/schools.py",
    "classes": "datastore/admin/schools.py",
    "clients": "datastore/admin/clients.py",
    "director_assignments": "datastore/admin/staff.py",
    "drop_files": "datastore/schoolloket/package.py",
    "enrolments": "datastore/admin/pupils.py",
    "events": "datastore/protocol/logs.py",
    "fault_rules": "datastore/control/rules.py",
    "login_throttle": "datastore/protocol/throttle.py",
    "organisations": "datastore/admin/providers.py",
    "privacy_log": "datastore/protocol/logs.py",
    "protocols": "datastore/admin/providers.py",
    "provider_secrets": "datastore/protocol/oidc.py",
    "pupils": "datastore/admin/pupils.py",
    "schoolloket_sessions": "datastore/schoolloket/sessions.py",
    "schools": "datastore/admin/schools.py",
    "session_clients": "datastore/protocol/oidc.py",
    "signing_keys": "datastore/protocol/oidc.py",
    "simulator_state": "datastore/db/clock.py",
    "snapshots": "datastore/control/snapshots.py",
    "staff": "datastore/admin/staff.py",
    "tokens": "datastore/protocol/oidc.py",
    "used_assertions": "datastore/protocol/oidc.py",
    "visibility": "datastore/admin/visibility.py",
}
# An owner whose hot-path statements are built in a module of their own, which only it runs.
OWNER_STATEMENTS = {"datastore/protocol/oidc.py": "datastore/protocol/oidc_sql.py"}
_WHOLE_DATABASE = frozenset({"datastore/control/snapshots.py", "datastore/worlds/generate.py"})

# package -> top-level packages it must never import
FORBIDDEN: dict[str, frozenset[str]] = {
    "rp_demo": frozenset({"idp", "datastore", "schoolloket", "leerid_sim", "sqlalchemy"}),
    "idp": frozenset({"rp_demo", "schoolloket", "leerid_sim", "sqlalchemy"}),
    "schoolloket": frozenset({"rp_demo", "sqlalchemy"}),
    "datastore": frozenset({"idp", "rp_demo", "schoolloket", "leerid_sim"}),
    "leerid_sim": frozenset({"sqlalchemy"}),
    "bench": frozenset({"sqlalchemy"}),
}


# The provider's protocol records (datastore.db.models) and the modules that read them.
PROVIDER_RECORDS = frozenset(
    {
        "AuthSession",
        "AuthorizationCode",
        "ProviderSecret",
        "SessionClient",
        "SigningKey",
        "Token",
        "UsedAssertion",
    }
)
PROVIDER_RECORD_MODULES = frozenset(
    {"datastore.protocol.oidc", "datastore.protocol.oidc_sql", "datastore.db.prepared"}
)


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


def datastore_imports(path: Path) -> list[str]:
    """Every import of ``path`` that reaches into the datastore past its package (any depth).

    ``import datastore.x``, ``from datastore.x import ...``, and ``from datastore import name``
    for a name the package does not export (``__all__``), such as a module inside it.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    public = _datastore_exports()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.startswith("datastore.")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("datastore."):
                found.append(f"from {node.module} import ...")
            elif node.module == "datastore":
                found += [
                    f"from datastore import {a.name}" for a in node.names if a.name not in public
                ]
    return found


def _datastore_exports() -> frozenset[str]:
    tree = ast.parse((ROOT / "datastore" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return frozenset(ast.literal_eval(node.value))
    raise AssertionError("datastore/__init__.py has no __all__")


def _datastore_origins() -> dict[str, str]:
    """Each name the ``datastore`` package imports (also for the type checker only) -> the
    module inside it that defines the name."""
    tree = ast.parse((ROOT / "datastore" / "__init__.py").read_text(encoding="utf-8"))
    return {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """module -> the modules of the same package it imports, by any import statement.

    Every import counts: one inside a function (run on first call) and one under
    ``if TYPE_CHECKING:`` (read by the type checker) tie two modules as much as one at the top.

    ``from pkg import name`` is an edge to ``pkg.name`` when that is a module, else to ``pkg``
    (its ``__init__``). The edge every ``pkg.x`` has to ``pkg`` (Python imports a package before
    its modules) is left out: it is no circle of the package's own making.
    """
    package = package_dir.name

    def name_of(path: Path) -> str:
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    modules = {name_of(path): path for path in sorted(package_dir.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name in modules)
            elif (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and node.module
                and node.module.split(".")[0] == package
            ):
                for alias in node.names:
                    inner = f"{node.module}.{alias.name}"
                    edges.add(inner if inner in modules else node.module)
        graph[module] = edges - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of ``graph`` (its first module again at the end), or ``[]``."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str]:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return []
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if cycle := visit(imported):
                return cycle
        path.pop()
        done.add(module)
        return []

    for module in sorted(graph):
        if cycle := visit(module):
            return cycle
    return []


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


def provider_record_uses(path: Path, *, application: bool = True) -> list[str]:
    """Where ``path`` reaches the provider's protocol records: a model or module of them
    imported, the provider's repository (``store.oidc``) used, or, in an application (not the
    datastore, which hashes keys of its own), the hash the provider keeps tokens by
    (``sha256_hex``) imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name in PROVIDER_RECORD_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = {a.name for a in node.names}
            if node.module in PROVIDER_RECORD_MODULES:
                found.append(node.module)
            if node.module == "datastore.db.models":
                found += sorted(names & PROVIDER_RECORDS)
            if application and node.module.split(".")[0] == "datastore" and "sha256_hex" in names:
                found.append("sha256_hex")
            if node.module == "datastore" and names & {"oidc", "oidc_sql", "prepared"}:
                found += sorted(names & {"oidc", "oidc_sql", "prepared"})
            if node.module == "datastore":
                origins = _datastore_origins()
                found += sorted(n for n in names if origins.get(n) in PROVIDER_RECORD_MODULES)
        elif isinstance(node, ast.Attribute) and node.attr == "oidc":
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name in ("store", "_store"):
                found.append("store.oidc")
    return found


def test_the_schoolloket_never_reads_the_providers_protocol_records() -> None:
    """OIDC Core §3.1.3.7, §5.3: a relying party knows who logged in from its login alone."""
    violations = [
        f"{path.relative_to(ROOT)} uses {use}"
        for path in _sources("schoolloket")
        for use in provider_record_uses(path)
    ] + [
        f"{path.relative_to(ROOT)} uses {use}"
        for path in sorted((ROOT / "datastore" / "schoolloket").glob("*.py"))
        for use in provider_record_uses(path, application=False)
    ]
    assert violations == []


def test_the_record_rule_sees_every_way_in(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from datastore.db.models import Account, Token\n"
        "from datastore import Datastore, TokenRecord, sha256_hex\n"
        "import datastore.protocol.oidc_sql\n"
        "def f(app, store):\n"
        "    from datastore.protocol.oidc import OidcRepository\n"
        "    app.oidc.login_request()\n"
        "    return app.store.oidc.token('x'), store.oidc\n"
    )
    assert sorted(provider_record_uses(module)) == sorted(
        [
            "Token",
            "TokenRecord",
            "sha256_hex",
            "datastore.protocol.oidc_sql",
            "datastore.protocol.oidc",
            "store.oidc",
            "store.oidc",
        ]
    )


def table_writes(path: Path, tables: dict[str, str], *, names: bool) -> list[str]:
    """The lines where ``path`` builds or writes rows of one of ``tables`` (name -> model).

    A model of ``datastore.db.models`` constructed (``Event(...)``), named by ``insert``,
    ``update``, ``delete`` or ``upsert`` (``insert(Event)``, ``delete(Token)``,
    ``upsert(session, Staff, ...)``), its ``__table__`` taken, and
    a table's name as an ``insert_rows`` part (``("tokens", rows)``); with ``names``, any string
    that is a table's name. A change made by setting an attribute of a loaded row is not seen.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    models = set(tables.values())
    local: dict[str, str] = {}  # name bound by an import -> the model it is
    modules: set[str] = set()  # names bound to the module datastore.db.models
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "datastore.db.models":
            local |= {a.asname or a.name: a.name for a in node.names if a.name in models}
        elif isinstance(node, ast.ImportFrom) and node.module in ("datastore", "datastore.db"):
            modules |= {a.asname or a.name for a in node.names if a.name == "models"}
        elif isinstance(node, ast.Import):
            modules |= {
                a.asname for a in node.names if a.name == "datastore.db.models" and a.asname
            }

    def model(expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name):
            return local.get(expr.id)
        if isinstance(expr, ast.Attribute) and expr.attr in models:
            inner = expr.value
            if isinstance(inner, ast.Name) and inner.id in modules:
                return expr.attr
            if ast.unparse(inner) == "datastore.db.models":
                return expr.attr
        return None

    found = []
    for node in ast.walk(tree):
        where = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call) and (name := model(node.func)):
            found.append(f"{where} constructs {name}")
        elif isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] in _WRITES:
            verb = ast.unparse(node.func).split(".")[-1].removeprefix("pg_").removeprefix("sqlite_")
            found += [f"{where} {verb}s {n}" for a in node.args[:2] if (n := model(a))]
        elif isinstance(node, ast.Attribute) and node.attr == "__table__" and model(node.value):
            found.append(f"{where} takes {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Tuple)
            and len(node.elts) == 2
            and isinstance(node.elts[0], ast.Constant)
            and node.elts[0].value in tables
        ):
            found.append(f"{where} inserts rows of {node.elts[0].value}")
        elif names and isinstance(node, ast.Constant) and node.value in tables:
            found.append(f"{where} names the table {node.value}")
    return sorted(set(found), key=lambda line: int(line.split()[0]))


def log_table_writes(path: Path, *, names: bool) -> list[str]:
    """The lines where ``path`` builds or inserts rows of a ``LOG_TABLES`` table itself."""
    return table_writes(path, LOG_TABLES, names=names)


def test_only_datastore_logs_writes_the_events_and_the_privacy_log() -> None:
    violations = [
        f"{path.relative_to(ROOT)}:{violation}"
        for package in PRODUCT_PACKAGES
        for path in _sources(package)
        if path.relative_to(ROOT) != LOG_WRITER
        for violation in log_table_writes(
            path, names=package == "datastore" and path.relative_to(ROOT) not in NAMING_LOG_TABLES
        )
    ]
    assert violations == []


def test_the_rule_sees_every_way_of_writing_a_log_table(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import threading\n"
        "from datastore import models\n"
        "from datastore.db.models import Event, PrivacyLogEntry as Entry\n"
        "def f(session, connection, now):\n"
        "    session.add(Event(at=now))\n"
        "    session.add(models.PrivacyLogEntry(at=now))\n"
        "    session.execute(insert(Entry), [])\n"
        "    connection.execute(Event.__table__.insert())\n"
        '    insert_rows(connection, [("events", [])])\n'
        "    session.scalars(select(Event).where(Event.type == 'token'))\n"
        "    threading.Event()\n"
        "    upsert(session, Event, [])\n"
        "    writer.upsert(models.PrivacyLogEntry, [])\n"
    )
    assert sorted(log_table_writes(module, names=True)) == [
        "12 upserts Event",
        "13 upserts PrivacyLogEntry",
        "5 constructs Event",
        "6 constructs PrivacyLogEntry",
        "7 inserts PrivacyLogEntry",
        "8 takes Event.__table__",
        "9 inserts rows of events",
        "9 names the table events",
    ]


def table_models() -> dict[str, str]:
    """Each table of datastore/db/models.py -> the name of its model class."""
    path = ROOT / "datastore" / "db" / "models.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        statement.value.value: node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for statement in node.body
        if isinstance(statement, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in statement.targets)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    }


def table_writers(table: str) -> dict[str, list[str]]:
    """Each module of datastore/ that writes ``table`` -> the lines where it does."""
    tables = {table: table_models()[table]}
    return {
        path.relative_to(ROOT).as_posix(): found
        for path in _sources("datastore")
        if (found := table_writes(path, tables, names=False))
    }


@pytest.mark.parametrize("table", sorted(TABLE_WRITERS))
def test_each_table_has_one_writer(table: str) -> None:
    owner = TABLE_WRITERS[table]
    writers = {
        path: found
        for path, found in table_writers(table).items()
        if path == owner or path not in _WHOLE_DATABASE
    }
    allowed = {owner, OWNER_STATEMENTS.get(owner, owner)}
    assert owner in writers, f"{owner} no longer writes {table}"
    assert set(writers) <= allowed, writers


def test_every_table_has_an_owner() -> None:
    assert sorted(TABLE_WRITERS) == sorted(table_models())


@pytest.mark.parametrize("package", sorted(p for p in PRODUCT_PACKAGES if p != "datastore"))
def test_outside_code_imports_only_the_datastore_package(package: str) -> None:
    violations = [
        f"{path.relative_to(ROOT)}: {found}"
        for path in _sources(package)
        for found in datastore_imports(path)
    ]
    assert violations == []


def test_the_datastore_rule_sees_every_way_past_the_package(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import datastore\n"
        "from datastore import Datastore, NotFound\n"
        "import datastore.store\n"
        "def f():\n"
        "    from datastore.protocol.oidc import TokenRecord\n"
        "    from datastore import misbehave\n"
    )
    assert datastore_imports(module) == [
        "import datastore.store",
        "from datastore.protocol.oidc import ...",
        "from datastore import misbehave",
    ]


@pytest.mark.parametrize("package", PRODUCT_PACKAGES)
def test_a_packages_modules_import_each_other_without_a_circle(package: str) -> None:
    cycle = find_cycle(import_graph(ROOT / package))
    assert cycle == [], "import circle: " + " -> ".join(cycle)


def test_the_circle_rule_counts_type_hints_and_late_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg.store import Store\n")
    (package / "store.py").write_text("class Store: ...\n")
    (package / "repo.py").write_text("import pkg.errors\nclass Repo: ...\n")
    (package / "errors.py").write_text("class E(Exception): ...\n")
    graph = import_graph(package)
    assert graph == {
        "pkg": {"pkg.store"},
        "pkg.errors": set(),
        "pkg.repo": {"pkg.errors"},
        "pkg.store": set(),
    }
    assert find_cycle(graph) == []
    # The store builds the repository on first use, the repository names the store for the
    # type checker: a circle all the same.
    (package / "store.py").write_text(
        "def repo():\n    from pkg.repo import Repo\n    return Repo\nclass Store: ...\n"
    )
    (package / "repo.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pkg.store import Store\n"
        "class Repo: ...\n"
    )
    assert find_cycle(import_graph(package)) == ["pkg.store", "pkg.repo", "pkg.store"]
    # ``from pkg import name`` ties to the package's ``__init__``.
    (package / "repo.py").write_text("class Repo: ...\n")
    (package / "errors.py").write_text("try:\n    from pkg import Store\nexcept ImportError: ...\n")
    (package / "store.py").write_text("class Store:\n    from pkg.errors import E\n")
    assert find_cycle(import_graph(package)) == ["pkg", "pkg.store", "pkg.errors", "pkg"]

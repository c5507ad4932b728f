"""Property-based fuzzing of the admin API from its own OpenAPI document.

Every answer is one the document declares (status code, content type, body schema), and never
a 5xx.

The destructive control operations (fault rules, reset, purge, the clock,
snapshot restore) are excluded; they would turn the world into something else between examples
and a 5xx that a fault rule asked for is no bug. Bounded (few examples per operation) so the
run takes well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from datastore import Datastore, PasswordHashing, load_demo
from idp.admin import build_admin_router
from tests.admin.conftest import AUTH, CHEAP, ISSUER, admin_settings
from tests.databases import TemplateDatabases

# No 5xx; only status codes, content types and bodies the OpenAPI document declares.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
DESTRUCTIVE = r"^/admin/api/(faults|reset|purge|clock|snapshots/[^/]+/restore)"


@pytest.fixture(scope="module")
def admin_api(templates: TemplateDatabases) -> Iterator[schemathesis.BaseSchema]:
    """The admin API alone (its OpenAPI document) on the demo world in SQLite."""
    with templates.fresh("sqlite") as url:
        store = Datastore.from_url(url)
        load_demo(store, issuer=ISSUER, hashing=PasswordHashing(CHEAP))
        app = FastAPI(title="LeerID admin API")
        app.state.store = store
        app.state.settings = admin_settings(url)
        app.include_router(build_admin_router(), prefix="/admin/api")
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        yield schema.exclude(path_regex=DESTRUCTIVE)
        store.dispose()


def test_admin_api_answers_only_as_documented_and_never_5xx(
    admin_api: schemathesis.BaseSchema,
) -> None:
    # One Hypothesis run per operation. (``schemathesis.pytest.from_fixture`` does not work
    # with pytest 9, so the operations are walked here.)
    operations = [result.ok() for result in admin_api.get_all_operations()]
    assert len(operations) > 50
    called: set[str] = set()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=3,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def as_documented(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=AUTH, checks=CHECKS)
            called.add(case.operation.label)

        as_documented()
    assert called == {operation.label for operation in operations}

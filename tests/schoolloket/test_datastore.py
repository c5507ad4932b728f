"""``store.schoolloket`` on SQLite and PostgreSQL: the SQL under the pages and the package API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from datastore import Actor, Conflict, Datastore, DropLine, NotFound
from tests.databases import TemplateDatabases

JAN_LEER_ID = "814f2e42-3f55-43e0-bc62-bba3ef1d008a"
NOAH_ACCOUNT = "4532ebe1-1814-422a-b28e-ce05ede78b10"
PACKAGE = Actor("package", "informat@123456")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, templates: TemplateDatabases) -> Iterator[str]:
    with templates.fresh(request.param) as url:
        yield url


def _id(store: Datastore, username: str) -> int:
    account = store.world.account_by_username(username)
    assert account is not None
    return account.id


def test_class_sharing_visibility_and_pupils(demo: Datastore) -> None:
    sl, dirk, bert = demo.schoolloket, _id(demo, "dirk.directeur"), _id(demo, "bert.beheerder")
    sl.stop_class_sharing("123456", dirk)
    with pytest.raises(Conflict):
        sl.stop_class_sharing("123456", dirk)
    assert sl.activate_class_sharing("123456", dirk, "2024-1").accepted_by == "Dirk Directeur"
    assert [a.stopped_by for a in sl.class_sharing_history("123456")] == [None, "Dirk Directeur"]

    klasapp = next(a for a in sl.applications() if a.key == "klasapp")
    class_3a = next(c for c in sl.classes("123456") if c.name == "3A")
    row = sl.make_visible("123456", bert, klasapp.id, "class", str(class_3a.id))
    assert row.target_label == "klas 3A"
    assert row.id in {v.id for v in sl.visibility("123456")}
    sl.hide("123456", bert, row.id)
    assert row.id not in {v.id for v in sl.visibility("123456")}
    with pytest.raises(NotFound):
        sl.hide("123456", bert, row.id)

    pupils = sl.find_pupils("123456", bert, query="wout", class_id=class_3a.id)
    assert [p.username for p in pupils] == ["sara.wouters"]
    assert pupils[0].klas == "3A"
    changed = sl.reset_password("123456", bert, pupils[0].account_uuid, "$argon2id$fake")
    assert changed.username == "sara.wouters"
    issued = sl.issue_initial_passwords("123456", bert, {NOAH_ACCOUNT: "$argon2id$x"}, "klas 3A")
    assert [p.username for p in issued] == ["noah.tijdelijk"]
    assert not any(
        p.needs_distribution
        for p in sl.find_pupils("123456", bert, class_id=class_3a.id)
        if p.username == "noah.tijdelijk"
    )


def test_package_link_and_drop_idempotence(demo: Datastore) -> None:
    sl = demo.schoolloket
    school = sl.authenticate_package("123456", "informat-123456-demo-key")
    assert school is not None
    listed = {p.leer_id_uuid or p.account_uuid for p in sl.package_pupils(school, PACKAGE)}
    assert {JAN_LEER_ID, NOAH_ACCOUNT} <= listed
    found = sl.package_lookup_insz(school, PACKAGE, ["11031401738"])
    assert found["11031401738"] is not None
    lines = [DropLine(2, JAN_LEER_ID, None, None, "3A"), DropLine(3, None, None, None, "3A")]
    report = sl.receive_drop_file(school, PACKAGE, "a" * 64, lines, [(4, "bad")])
    assert (report.applied, report.rejected) == (1, ((3, report.rejected[0][1]), (4, "bad")))
    again = sl.receive_drop_file(school, PACKAGE, "a" * 64, [], [])
    assert again.already_received
    assert (again.applied, again.rejected) == (report.applied, report.rejected)


def test_access_log_filters_and_pages(demo: Datastore) -> None:
    sl, bert = demo.schoolloket, _id(demo, "bert.beheerder")
    for query in ("a", "b", "c"):
        sl.find_pupils("123456", bert, query=query)
    page = sl.access_log(actor="bert.beheerder", limit=2)
    assert (page.total, len(page.items)) == (3, 2)
    assert "zoekterm='c'" in (page.items[0].subject or "")
    assert sl.access_log(school="654321").total == 0
    assert page.items[0].as_dict()["actor_kind"] == "staff"


def test_sessions(demo: Datastore) -> None:
    sl = demo.schoolloket
    sl.start_session("pending", "csrf", 60, state="s", nonce="n", code_verifier="v")
    assert sl.complete_login("pending", "live", _id(demo, "dirk.directeur"), "id-token")
    assert not sl.complete_login("pending", "again", _id(demo, "dirk.directeur"), "x")
    assert sl.session("pending") is None
    live = sl.session("live")
    assert live is not None
    assert live.login_state is None
    assert sl.end_session("live") == "id-token"
    assert sl.session("live") is None

"""The migration of the platform's schemas and tables, as their owner."""

from __future__ import annotations

from include.elt.warehouse import migrate
from tests.conftest import _server
from tests.helpers import query


def test_migrating_again_changes_nothing_and_keeps_what_is_recorded(warehouse_url):
    owner = _server.role_url("elt_owner", warehouse_url.rsplit("/", 1)[1])
    query(
        warehouse_url,
        "insert into audit.runs values ('r', 'toy', 'manual', current_date,"
        " current_date, 'tiny', 1, null, true, false, true) returning 1",
    )
    migrate.migrate(owner)
    migrate.migrate(owner)
    assert query(warehouse_url, "select run_id from audit.runs") == [("r",)]


def test_the_command_needs_the_owners_login(monkeypatch, capsys):
    monkeypatch.delenv(migrate.OWNER_URL_ENV, raising=False)
    assert migrate.main() == 2
    assert migrate.OWNER_URL_ENV in capsys.readouterr().err

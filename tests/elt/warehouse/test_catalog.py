"""What the warehouse's catalog says of a relation, and its first rows."""

from __future__ import annotations

from include.elt.warehouse import catalog
from include.elt.warehouse.connection import transaction


def test_a_relation_is_dropped_whatever_it_is_with_what_depends_on_it(warehouse_url):
    with transaction(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute(
            "create table public.t (k int, v text); create view public.w as select * from public.t"
        )
        assert catalog.relkind(cur, "public.t") == "r" and catalog.relkind(cur, "public.w") == "v"
        assert catalog.relation_columns(cur, "public.w") == [("k", "integer"), ("v", "text")]
        assert catalog.column_type(cur, "public.t", "v") == "text"
        catalog.drop(cur, "public", "t")
        assert not catalog.exists(cur, "public.t") and not catalog.exists(cur, "public.w")
        catalog.drop(cur, "public", "t")  # nothing there: nothing to do
        assert catalog.relkind(cur, "public.t") is None


def test_the_first_rows_are_by_key_each_value_as_text(warehouse_url):
    with transaction(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("create table public.t (k int, v text)")
        cur.execute("insert into public.t values (10, 'ten'), (2, null), (1, 'one')")
        first = catalog.first_rows(cur, "public", "t", ("k",), 2)
        assert first.columns == ("k", "v") and first.rows == (("1", "one"), ("2", None))
        assert catalog.first_rows(cur, "public", "t", (), 1).rows == (("1", "one"),)

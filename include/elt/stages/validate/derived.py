"""The checks a model's declaration implies, beside its suite: key not null and unique (also
against the days the run does not touch, by the key ranges recorded at publish), foreign keys
into the next state of their parents, and no published key lost.

Imported by the validate stage inside a task (GX loads with it).
"""

from __future__ import annotations

import re

import great_expectations.expectations as gxe

from include.elt.contract.checks import primary_key, rows_violating, sql_name, sql_value
from include.elt.contract.models import ForeignKey, Model

# The SQL names the model's window as {{ window_start }}/{{ window_end }} (literals when
# rendered), so PostgreSQL prunes day partitions when it plans the query: a check that named a
# relation of the whole history would cost a scan set-up per day even where it reads nothing.


def derived_checks(
    m: Model,
    parents: dict[str, Model],
    *,
    key_type: str | None,
    published: bool,
    incremental: bool,
    keys_matter: bool,
    overlapping_days: list | None = None,
) -> list:
    """Key, uniqueness beyond the changed days, foreign keys, and no published key lost.

    ``key_type``: the SQL type of a single-column key. ``published``: whether ``m`` is published
    yet. ``incremental``: whether this run staged only part of it. ``keys_matter``: whether
    rows this run does not rebuild refer to its keys. ``overlapping_days``: published days
    outside the window whose key range overlaps the staged keys (``audit.partitions``).
    """
    checks = primary_key(*m.unique_key) if m.unique_key else []
    if published and incremental and m.materialization == "days" and key_type:
        checks.append(_unique_beyond_window(m, key_type, overlapping_days or []))
    checks += [_references(fk, parents[fk.model]) for fk in m.foreign_keys]
    if (
        published
        and keys_matter
        and m.materialization in ("table", "days")
        and len(m.unique_key) == 1
    ):
        checks.append(_keys_kept(m, incremental))
    return checks


def _unique_beyond_window(m: Model, key_type: str, overlapping_days: list) -> gxe.Expectation:
    """No key of the changed days is on another day. Proved by the key ranges recorded when each
    day was published; only days whose range overlaps are read, row by row."""
    key, day, kind = sql_name(m.unique_key[0]), sql_name(m.partition_by), _type(key_type)
    description = f"{key} is unique across all days, not only the changed ones"
    if not overlapping_days:
        return rows_violating(
            description,
            f"select p.day, p.key_min, p.key_max from audit.partitions as p"
            f" where p.relation = '{sql_value(m.qualified)}'"
            f" and not (p.day >= {{{{ window_start }}}} and p.day < {{{{ window_end }}}})"
            f" and p.key_min::{kind} <= (select max({key}) from {{batch}})"
            f" and p.key_max::{kind} >= (select min({key}) from {{batch}})",
        )
    days = ", ".join(f"'{d.isoformat()}'" for d in overlapping_days)
    return rows_violating(
        description,
        f"select b.{key} from {{batch}} as b"
        f" join {{{{ published('{m.name}') }}}} as p on p.{key} = b.{key}"
        f" where p.{day}::date in ({days})",
    )


def _references(fk: ForeignKey, parent: Model) -> gxe.Expectation:
    column, target = sql_name(fk.column), sql_name(fk.parent_column)
    recent = ""
    if fk.within_days is not None and parent.materialization == "days":
        day = sql_name(parent.partition_by)
        recent = f" and p.{day} >= {{{{ window_start }}}} - {int(fk.within_days)}"
    return rows_violating(
        f"{column} references {parent.qualified}.{target}",
        f"select c.{column} from {{batch}} as c"
        f" left join {{{{ ref('{parent.name}') }}}} as p on p.{target} = c.{column}{recent}"
        f" where c.{column} is not null and p.{target} is null",
    )


def _keys_kept(m: Model, incremental: bool) -> gxe.Expectation:
    """Every key published before is still there: rows this run does not rebuild refer to them.
    (A run that rebuilds everything, after a new world, does not check it.)"""
    key = sql_name(m.unique_key[0])
    changed_days = ""
    if incremental:
        day = sql_name(m.partition_by)
        changed_days = f" where {day} >= {{{{ window_start }}}} and {day} < {{{{ window_end }}}}"
    return rows_violating(
        f"no key published in {m.qualified} is lost (rows of other days refer to them)",
        f"select {key} from {{{{ published('{m.name}') }}}}{changed_days}"
        f" except select {key} from {{batch}}",
    )


_TYPE = re.compile(r"^[a-z ]+(\(\d+(,\d+)?\))?$")


def _type(pg_type: str) -> str:
    if not _TYPE.match(pg_type):
        raise ValueError(f"not a plain SQL type: {pg_type!r}")
    return pg_type

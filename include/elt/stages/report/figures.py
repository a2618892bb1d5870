"""A domain's figures: its ``<sql_dir>/checks/<layer>.sql`` returns (figure, value) rows, logged
after the layer is loaded (bronze) or before it is gated (silver, gold), and kept in the task's
audit row."""

from __future__ import annotations

import logging

from include.elt.contract.domain import Domain
from include.elt.contract.models import Scope, render_text
from include.elt.warehouse import ledger
from include.elt.warehouse.connection import transaction

log = logging.getLogger(__name__)


def report_figures(url: str, domain: Domain, run_id: str, layer: str) -> str:
    """Run the layer's checks SQL and log its figures; them on one line (``""``: none)."""
    path = domain.sql_dir / "checks" / f"{layer}.sql"
    if not path.is_file():
        return ""
    with transaction(url) as conn, conn.cursor() as cur:
        scope = Scope(staged=frozenset(ledger.staged_models(cur, domain.name, run_id)))
        cur.execute(
            render_text(
                domain, path.read_text(), scope, lambda c: c.as_string(cur), where=str(path)
            )
        )
        figures = cur.fetchall()
    if not figures:  # nothing to report (an empty day): not an error
        return ""
    width = max(len(name) for name, _ in figures)
    lines = [f"{name:<{width}}  {value}" for name, value in figures]
    log.info("%s %s figures:\n  %s", domain.name, layer, "\n  ".join(lines))
    return "; ".join(f"{name}: {value}" for name, value in figures)

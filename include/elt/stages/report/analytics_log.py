"""Seed 000's ``analytics.log``: one line per compiled relation, and for gold a preview of it.

Each line says when a relation was compiled, from which file, over which days and how many rows
it holds. A gold relation's line is followed by its first rows by key, indented, as a table::

    2026-05-07T06:00:12+00:00 compiled view gold.shop_top from sql/shop/gold/top.sql: 90 rows
        preview: first 5 rows by item_id
        item_id | title        | revenue
        --------+--------------+--------
        1       | Quiet Harbor | 12.50
        2       | null         | 0.00
        ...

so ``grep compiled`` keeps the counts and ``grep -v '^ '`` drops the previews.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from include.elt.warehouse.catalog import Preview
from include.elt.warehouse.ledger import ModelBuild

PREVIEW_LAYERS = ("gold",)  # what analysts read
PREVIEW_ROWS = 5
PREVIEW_INDENT = "    "
MAX_CELL = 40  # characters; a longer value is cut and ends in "..."
NULL = "null"
_ONE_LINE = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})


def preview_rows(layer: str) -> int:
    """How many of a model's first rows its line shows (none outside what analysts read)."""
    return PREVIEW_ROWS if layer in PREVIEW_LAYERS else 0


def log_compiled(log_path: Path, build: ModelBuild, preview: Preview | None = None) -> None:
    """Append a compiled relation's line, and its preview if it has one."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    span = f" for {build.span}" if build.days else ""
    lines = [
        f"{stamp} compiled {build.materialization} {build.relation} from {build.sql_file}{span}:"
        f" {build.rows} rows"
    ]
    if preview is not None:
        lines += [PREVIEW_INDENT + line for line in preview_lines(preview)]
    with log_path.open("a") as f:
        f.write("".join(line + "\n" for line in lines))


def preview_lines(preview: Preview) -> list[str]:
    """A caption, the column names, a rule and one line per row, in fixed-width columns."""
    table = [list(preview.columns), *([cell(v) for v in row] for row in preview.rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(preview.columns))]
    order = ", ".join(preview.key) or "all columns"
    caption = f"preview: first {len(preview.rows)} rows by {order}"
    # every column padded to its width but the last: no trailing blanks
    header, *rows = (
        " | ".join([*(c.ljust(w) for c, w in zip(r[:-1], widths, strict=False)), r[-1]])
        for r in table
    )
    return [caption, header, "-+-".join("-" * w for w in widths), *rows]


def cell(value: str | None) -> str:
    """One value on one line, at most ``MAX_CELL`` characters."""
    if value is None:
        return NULL
    text = value.translate(_ONE_LINE)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 3] + "..."

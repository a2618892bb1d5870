"""How the analytics log shows a preview (that it holds the published rows: test_pipeline.py)."""

from __future__ import annotations

from include.elt.stages.report.analytics_log import preview_lines
from include.elt.warehouse.catalog import Preview


def test_a_preview_is_a_captioned_fixed_width_table_one_line_a_row():
    preview = Preview(
        key=("id",),
        columns=("id", "title", "note"),
        rows=(("1", "A" * 50, None), ("22", "two\nlines", "")),
    )
    assert preview_lines(preview) == [
        "preview: first 2 rows by id",
        "id | " + "title".ljust(40) + " | note",
        "---+-" + "-" * 40 + "-+-----",
        "1  | " + "A" * 37 + "... | null",  # cut to 40 characters
        "22 | " + "two\\nlines".ljust(40) + " | ",  # one line; the empty string is not null
    ]


def test_an_empty_relation_shows_its_columns():
    assert preview_lines(Preview(key=(), columns=("a", "b"), rows=())) == [
        "preview: first 0 rows by all columns",
        "a | b",
        "--+--",
    ]

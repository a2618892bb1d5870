"""Data Docs: a site that loads nothing from outside (a run's pages, and their life in an object
store: tests/elt/test_pipeline.py, tests/elt/test_object_storage.py)."""

from __future__ import annotations

from include.elt.stages.validate.data_docs import build_data_docs, data_docs_dir
from tests.helpers import outside_loads


def test_a_site_is_rendered_into_the_gx_folder_with_everything_it_loads(tmp_path):
    index = build_data_docs(tmp_path / "great_expectations")
    assert index == data_docs_dir(tmp_path / "great_expectations") / "index.html"
    assert index.is_file()
    assert outside_loads(index.parent) == {}

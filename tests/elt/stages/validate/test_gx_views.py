"""Data Docs pages find the site's vendored files from wherever GX lays them out."""

from __future__ import annotations

from include.elt.stages.validate.gx_views import site_root


def test_each_kind_of_page_climbs_back_to_the_sites_root():
    validation = {"renderer_type": "ValidationResultsPageRenderer", "expectation_suite_name": "a.b"}
    suite = {"renderer_type": "ExpectationSuitePageRenderer", "expectation_suite_name": "a.b"}
    assert site_root(validation) == "../" * 5  # validations/a/b/<run>/<time>/<batch>.html
    assert site_root(suite) == "../" * 2  # expectations/a/b.html
    assert site_root({}) == "./"  # index.html

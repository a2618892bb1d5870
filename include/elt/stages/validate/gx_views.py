"""Data Docs page views that compile GX's Jinja templates once per process, and load nothing
from outside.

GX's default views build a fresh Jinja environment for every page, so rendering a page spends
most of its time compiling the same templates again. These views are GX's own, with a shared
bytecode cache, reading each template with its CDN URLs replaced by the site's vendored copies
(``data_docs_assets``); the Data Docs site config names them (``data_docs._configure_site``).
"""

from __future__ import annotations

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import BaseLoader, BytecodeCache, pass_context

from include.elt.stages.validate.data_docs_assets import localise


class _MemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_CACHE = _MemoryBytecodeCache()


class _LocalAssetsLoader(BaseLoader):
    def __init__(self, loader: BaseLoader) -> None:
        self.loader = loader

    def get_source(self, environment, template):
        source, filename, uptodate = self.loader.get_source(environment, template)
        return localise(source), filename, uptodate

    def list_templates(self):
        return self.loader.list_templates()


@pass_context
def site_root(context) -> str:
    """From the page being rendered back to the site's root, as GX lays the site out:
    validations/<suite, a folder per dotted part>/<run>/<time>/<batch>.html,
    expectations/<suite, a folder per dotted part>.html, index.html."""
    renderer = context.get("renderer_type") or ""
    depth = (context.get("expectation_suite_name") or "").count(".")
    if "ValidationResults" in renderer or "ProfilingResults" in renderer:
        return "../" * (depth + 4)
    if "ExpectationSuite" in renderer:
        return "../" * (depth + 1)
    return "./"


def _offline(env) -> None:
    env.bytecode_cache = _CACHE
    env.loader = _LocalAssetsLoader(env.loader)
    env.globals["site_root"] = site_root


class CachedPageView(DefaultJinjaPageView):
    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        _offline(self.env)


class CachedIndexPageView(DefaultJinjaIndexPageView):
    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        _offline(self.env)

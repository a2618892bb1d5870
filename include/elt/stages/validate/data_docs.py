"""Data Docs: the validation results of every run, rendered into a static site that loads
nothing from outside (:mod:`.gx_views`, :mod:`.data_docs_assets`).

GX keeps suites and results in a file context on disk, rendered once per run: by ``publish``, or
by the gate that failed; results older than the last ``KEEP_RUNS`` runs of a suite are pruned.
When the base location is an object store, that folder is a local copy (one per base and
host): before each use it takes in the suites and results other processes stored, after it the
new and changed files are uploaded (:func:`_synced`). The site is only uploaded, page by page as
they are rendered, so the index lists every run whichever host ran it.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from include.elt.files import storage
from include.elt.files.storage import safe_name
from include.elt.stages.validate import data_docs_assets

SITE = "local_site"
KEEP_RUNS = 14  # per suite, results of older runs are pruned (two weeks of daily runs)
INDEX_LIMIT = 120  # the Data Docs index lists the newest results only
SITE_PATH = f"gx/uncommitted/data_docs/{SITE}"
# What of the GX folder an object store keeps: the stores Data Docs are rendered from, the site.
SYNCED_STORES = ("gx/expectations", "gx/uncommitted/validations")
STATIC = ("static/",)  # in the site: GX's and the vendored assets


_DOCS: dict[str, object] = {}


def data_docs_dir(gx_dir: storage.Location) -> storage.Location:
    return storage.location(gx_dir) / SITE_PATH


def quiet_gx() -> None:
    """GX logs its internals at INFO, some under file-path logger names: keep them to warnings."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations  # noqa: F401  (registers its loggers)

    for name in list(logging.root.manager.loggerDict):
        if "great_expectations" in name:
            logging.getLogger(name).setLevel(logging.WARNING)


def docs_context(gx_dir: storage.Location):
    """The process's file context for ``gx_dir``: suites and results kept for Data Docs (for an
    object store, in its local copy: use it inside :func:`_synced`)."""
    quiet_gx()
    key = str(gx_dir)
    if key not in _DOCS:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        project = _project(gx_dir)
        project.mkdir(parents=True, exist_ok=True)
        ctx = gx.get_context(mode="file", project_root_dir=str(project))
        if ctx.variables.progress_bars != ProgressBarsConfig(globally=False):
            ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
            ctx.variables.save()
        _configure_site(ctx)
        _DOCS[key] = ctx
    return _DOCS[key]


def _project(gx_dir: storage.Location) -> Path:
    """The folder GX works in: ``gx_dir`` itself, or the host's local copy of an object store's."""
    if storage.is_local(gx_dir):
        return Path(gx_dir)
    digest = hashlib.sha256(str(gx_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"elt-gx-{digest}"


@contextmanager
def _synced(gx_dir: storage.Location) -> Iterator[Path]:
    """The GX folder to work in (:func:`_project`), kept in step with an object store.

    The block runs under the host's lock on the local copy, after the copy took in the stored
    suites and results (only what it lacks, or holds in an older version, is downloaded); what
    the block changed is uploaded after it, and what it removed deleted. Of the site nothing is
    downloaded but the assets' stamp: GX's index lists the pages the site has, so an empty file
    stands for each stored page (a page rendered here replaces it), and while the stored site
    has this set of assets, GX's and the vendored static files are not sent again.
    """
    project = _project(gx_dir)
    if storage.is_local(gx_dir):
        yield project
        return
    project.mkdir(parents=True, exist_ok=True)
    with project.with_name(project.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        for part in SYNCED_STORES:
            storage.pull(gx_dir / part, project / part)
        storage.pull_names(gx_dir / SITE_PATH, project / SITE_PATH, skip=STATIC)
        stamp, local_stamp = (d / SITE_PATH / data_docs_assets.STAMP for d in (gx_dir, project))
        if stamp.exists():
            local_stamp.parent.mkdir(parents=True, exist_ok=True)
            local_stamp.write_bytes(stamp.read_bytes())
        else:
            local_stamp.unlink(missing_ok=True)
        assets_stored = data_docs_assets.installed(project / SITE_PATH)
        before = {p: storage.files_under(project / p) for p in (*SYNCED_STORES, SITE_PATH)}
        yield project
        for part, files in before.items():
            skip = STATIC if part == SITE_PATH and assets_stored else ()
            storage.push(project / part, gx_dir / part, files, skip=skip)


def _configure_site(ctx) -> None:
    """Data Docs rendered with views that compile GX's page templates once per process."""
    view = {"module_name": "include.elt.stages.validate.gx_views", "class_name": "CachedPageView"}
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": f"uncommitted/data_docs/{SITE}/",
        },
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "validation_results_limit": INDEX_LIMIT,
            "view": {
                "module_name": "include.elt.stages.validate.gx_views",
                "class_name": "CachedIndexPageView",
            },
        },
        "site_section_builders": {
            "expectations": {"view": view},
            "validations": {"view": view},
            "profiling": "None",
        },
    }
    if ctx.variables.data_docs_sites != {SITE: site}:
        ctx.variables.data_docs_sites = {SITE: site}
        ctx.variables.save()


def keep_for_docs(gx_dir: storage.Location, runtime, result) -> None:
    """Copy a checkpoint's results, and any suite that changed, from the checkpoint's context
    into the Data Docs context."""
    with _synced(gx_dir):
        docs = docs_context(gx_dir)
        for key, validation in result.run_results.items():
            name = key.expectation_suite_identifier.name
            suite = runtime.suites.get(name)
            try:
                kept = docs.suites.get(name)
                current = kept.meta.get("fingerprint") == suite.meta.get("fingerprint")
            except Exception:
                current = False
            if not current:
                docs.suites.add_or_update(suite)
            docs.validation_results_store.set(key, validation)


def build_data_docs(gx_dir: storage.Location, run_id: str | None = None) -> storage.Location:
    """Render the pages of ``run_id``'s validations (all, if ``None``) and the index.

    Validation results of older runs beyond the last ``KEEP_RUNS`` per suite are pruned first,
    so the index and the folder stay the size of a month of daily runs, not of the history.
    The pages load their scripts and styles from the site (``data_docs_assets``), copied in
    after rendering.
    """
    with _synced(gx_dir) as project:
        ctx = docs_context(gx_dir)
        store = ctx.validation_results_store
        keys = store.list_keys()
        _prune(project, store, keys)
        site = data_docs_dir(project)
        if not data_docs_assets.installed(site):
            _render_all_again(ctx, site)
        elif run_id is None:
            ctx.build_data_docs()
        else:
            wanted = [k for k in store.list_keys() if k.run_id.run_name == safe_name(run_id)]
            suites = {k.expectation_suite_identifier for k in wanted}
            ctx.build_data_docs(resource_identifiers=[*wanted, *_stale_pages(project, suites)])
        data_docs_assets.install(site)
    return data_docs_dir(gx_dir) / "index.html"


def prune_before(gx_dir: storage.Location, before: datetime) -> int:
    """Remove the validation results (and their pages) of runs before ``before``, then render
    the index again so it lists only what is left; returns how many were removed."""
    removed = 0
    with _synced(gx_dir) as project:
        ctx = docs_context(gx_dir)
        store = ctx.validation_results_store
        for key in store.list_keys():
            run_time = key.run_id.run_time
            if run_time.tzinfo is None:  # GX keeps UTC times, some without their zone
                run_time = run_time.replace(tzinfo=UTC)
            if run_time < before:
                _remove(project, store, key)
                removed += 1
        if removed and data_docs_assets.installed(data_docs_dir(project)):
            ctx.build_data_docs(resource_identifiers=[])
    return removed


def _remove(gx_dir: Path, store, key) -> None:
    store.remove_key(key)
    page = data_docs_dir(gx_dir) / "validations" / Path(*key.to_tuple())
    page.with_suffix(".html").unlink(missing_ok=True)


def _render_all_again(ctx, site: Path) -> None:
    """Pages rendered before this set of vendored assets link to CDNs or to older pins: those
    the index lists are rendered again, older validations' pages (not listed) are removed."""
    started = time.time() - 1
    ctx.build_data_docs()
    for page in (site / "validations").rglob("*.html"):
        if page.stat().st_mtime < started:
            page.unlink()


def _stale_pages(gx_dir: Path, suites) -> list:
    """Suites whose page is missing or older than the suite: only those are rendered again."""
    stale = []
    for suite in suites:
        parts = suite.to_tuple()
        saved = Path(gx_dir) / "gx" / "expectations" / Path(*parts).with_suffix(".json")
        page = data_docs_dir(gx_dir) / "expectations" / Path(*parts).with_suffix(".html")
        if not page.exists() or not saved.exists() or page.stat().st_mtime < saved.stat().st_mtime:
            stale.append(suite)
    return stale


def _prune(gx_dir: Path, store, keys) -> None:
    by_suite: dict[str, list] = {}
    for key in keys:
        by_suite.setdefault(key.expectation_suite_identifier.name, []).append(key)
    for suite_keys in by_suite.values():
        suite_keys.sort(key=lambda k: k.run_id.run_time, reverse=True)
        runs = []
        for key in suite_keys:
            if key.run_id.run_name not in runs:
                runs.append(key.run_id.run_name)
            if len(runs) > KEEP_RUNS:
                _remove(gx_dir, store, key)

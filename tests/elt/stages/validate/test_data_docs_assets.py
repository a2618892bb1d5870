"""Data Docs load nothing from outside: every asset GX's templates name is vendored, pinned."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import great_expectations

from include.elt.stages.validate import data_docs_assets
from include.elt.stages.validate.data_docs_assets import CDN, PACKAGES, VENDOR, localise

GX_VIEW = Path(great_expectations.__file__).parent / "render/view"
LOADED_FROM_OUTSIDE = re.compile(
    r"""<(?:script|img)\b[^>]*?\bsrc=["']https?:|<link\b[^>]*?\bhref=["']https?:"""
    r"""|url\(\s*['"]?https?:|static_images_dir = "https?:"""
)


def _templates() -> list[Path]:
    return [
        *sorted((GX_VIEW / "templates").glob("*.j2")),
        GX_VIEW / "static/styles/data_docs_default_styles.css",
    ]


def test_no_gx_template_loads_anything_from_outside_once_localised():
    originals = {t.name: t.read_text() for t in _templates()}
    assert sum(bool(LOADED_FROM_OUTSIDE.search(s)) for s in originals.values()) >= 5
    left = {name: LOADED_FROM_OUTSIDE.findall(localise(s)) for name, s in originals.items()}
    assert {name: found for name, found in left.items() if found} == {}


def test_the_vendored_files_are_exactly_the_pinned_ones():
    pinned = {f"{p.folder}/{name}" for p in PACKAGES for name in p.files}
    kept = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    assert kept == pinned
    assert set(CDN.values()) <= pinned
    assert all(p.integrity.startswith("sha512-") for p in PACKAGES)


def test_the_vendored_scripts_match_the_integrity_gx_pins():
    imports = (GX_VIEW / "templates/js_script_imports.j2").read_text()
    pinned = re.findall(r'src="([^"]+)" integrity="([^"]+)"', imports)
    assert len(pinned) >= 2
    for url, integrity in pinned:
        algorithm, expected = integrity.split("-", 1)
        content = (VENDOR / CDN[url]).read_bytes()
        assert base64.b64encode(hashlib.new(algorithm, content).digest()).decode() == expected


def test_install_copies_the_files_once(tmp_path):
    assert not data_docs_assets.installed(tmp_path)
    data_docs_assets.install(tmp_path)
    assert data_docs_assets.installed(tmp_path)
    jquery = CDN["https://code.jquery.com/jquery-3.7.1.min.js"]
    copy = tmp_path / data_docs_assets.SITE_FOLDER / jquery
    assert copy.read_bytes() == (VENDOR / jquery).read_bytes()
    mtime = copy.stat().st_mtime_ns
    data_docs_assets.install(tmp_path)
    assert copy.stat().st_mtime_ns == mtime

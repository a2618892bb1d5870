"""Data Docs that load nothing from outside.

GX's page templates load scripts, styles and a logo from CDNs (jQuery, Bootstrap,
bootstrap-table, Font Awesome, Vega...); offline, the index shows no results table. The same
files are vendored here, at the versions GX names, from the npm registry (``PACKAGES``, fetched
again by ``scripts/vendor_data_docs_assets.py``); ``localise`` rewrites a template's CDN URLs to
the vendored copies, relative to the page, and ``install`` puts the copies into the site.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

VENDOR = Path(__file__).parent / "data_docs_vendor"
SITE_FOLDER = "static/vendor"  # in the Data Docs site, beside GX's own static/images
STAMP = f"{SITE_FOLDER}/.pins"  # in the site: which set of files it has
REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # the registry's dist.integrity of the tarball
    license: str
    files: tuple[str, ...]  # paths inside the tarball's package/ folder, licence first

    @property
    def folder(self) -> str:
        return f"{self.name.rsplit('/', 1)[-1]}-{self.version}"

    @property
    def tarball(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.folder}.tgz"


PACKAGES = (
    Package(
        "jquery",
        "3.7.1",
        "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
        "MIT",
        ("LICENSE.txt", "dist/jquery.min.js"),
    ),
    Package(
        "popper.js",
        "1.12.9",
        "sha512-s0EEi9xiSCdqz9lV4IiVH5yIZnDX/U1t0tCjB+0jXx9jW8lrR7kOpVupiUg175ogqVoudpDXHF1p6dKATCHMeg==",
        "MIT",  # stated in the file's header; the tarball has no licence file
        ("dist/umd/popper.min.js",),
    ),
    Package(
        "bootstrap",
        "4.3.1",
        "sha512-rXqOmH1VilAt2DyPzluTi2blhk17bO7ef+zLLPlWvG494pDxcM234pJ8wTc/6R40UWizAIIMgxjvxZg5kmsbag==",
        "MIT",
        ("LICENSE", "dist/css/bootstrap.min.css", "dist/js/bootstrap.min.js"),
    ),
    Package(
        "bootstrap-table",
        "1.19.1",
        "sha512-WvV+l1AI/C+zThaKmfHmi/IuayVNB0qdFyEhFx1jyZhO0oLtNJNANkCR3rvJf6Dkh72dsLElxpE/bzK9seEQLA==",
        "MIT",
        (
            "LICENSE",
            "dist/bootstrap-table.min.css",
            "dist/bootstrap-table.min.js",
            "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
        ),
    ),
    Package(  # GX takes the filter-control styles from the previous release
        "bootstrap-table",
        "1.19.0",
        "sha512-L+USHm3X9FKocx/6yngGu12yF6r6s1Ntuc+hoIK2a2QQJjHw5kcySLiE2HY/9sEaSGAOfPbfQOtBH3uKkcpqEA==",
        "MIT",
        (
            "LICENSE",
            "dist/extensions/filter-control/bootstrap-table-filter-control.css",
            "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
        ),
    ),
    Package(
        "bootstrap-datepicker",
        "1.9.0",
        "sha512-9rYYbaVOheGYxjOr/+bJCmRPihfy+LkLSg4fIFMT9Od8WwWB/MB50w0JO1eBgKUMbb7PFHQD5uAfI3ArAxZRXA==",
        "Apache-2.0",
        ("LICENSE", "dist/css/bootstrap-datepicker.min.css", "dist/js/bootstrap-datepicker.min.js"),
    ),
    Package(
        "@forevolve/bootstrap-dark",
        "1.1.0",
        "sha512-A3ucpEpxPoTVO490lZZCfjPXxv832l7mm1IxX3bXyxvgwnPGXDLyh7dWrphXKO8YBAu3EswbBEu3VSW8NRMW3A==",
        "MIT",
        ("LICENSE", "dist/css/bootstrap-prefers-dark.min.css"),
    ),
    Package(
        "@fortawesome/fontawesome-free",
        "6.6.0",
        "sha512-60G28ke/sXdtS9KZCpZSHHkCbdsOGEhIUGlwq6yhY74UpTiToIh8np7A8yphhM4BWsvNFtIvLpi4co+h9Mr9Ow==",
        "CC-BY-4.0 AND OFL-1.1 AND MIT",
        (
            "LICENSE.txt",
            "css/all.min.css",
            # all.min.css lists woff2 before ttf: every browser Data Docs support takes woff2
            "webfonts/fa-brands-400.woff2",
            "webfonts/fa-regular-400.woff2",
            "webfonts/fa-solid-900.woff2",
            "webfonts/fa-v4compatibility.woff2",
        ),
    ),
    # GX names only the major version (vega@5); these are its latest releases, pinned.
    Package(
        "vega",
        "5.33.1",
        "sha512-1fArfVDUqVbb5z8n+/nVQb+VNBzx8svY6CrsyTK4Ujm4yrd9I1auoKxBAPXLCavY1LcrbHUskQbGUP8gXOzyQw==",
        "BSD-3-Clause",  # per its package.json; the tarball has no licence file
        ("build/vega.min.js",),
    ),
    Package(
        "vega-lite",
        "5.23.0",
        "sha512-l4J6+AWE3DIjvovEoHl2LdtCUkfm4zs8Xxx7INwZEAv+XVb6kR6vIN1gt3t2gN2gs/y4DYTs/RPoTeYAuEg6mA==",
        "BSD-3-Clause",
        ("LICENSE", "build/vega-lite.min.js"),
    ),
    Package(
        "vega-embed",
        "6.29.0",
        "sha512-PmlshTLtLFLgWtF/b23T1OwX53AugJ9RZ3qPE2c01VFAbgt3/GSNI/etzA/GzdrkceXFma+FDHNXUppKuM0U6Q==",
        "BSD-3-Clause",
        ("LICENSE", "build/vega-embed.min.js"),
    ),
)

# Every URL GX's templates load, and the vendored file (under SITE_FOLDER) that replaces it.
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"
_JSDELIVR = "https://cdn.jsdelivr.net/npm"
_FILTER_CONTROL = "dist/extensions/filter-control/bootstrap-table-filter-control"
_DATEPICKER = "bootstrap-datepicker.min"
CDN = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/dist/jquery.min.js",
    f"{_CDNJS}/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/dist/umd/popper.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap-4.3.1/dist/css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap-4.3.1/dist/js/bootstrap.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table-1.19.1/dist/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table-1.19.1/dist/bootstrap-table.min.js"
    ),
    f"https://unpkg.com/bootstrap-table@1.19.1/{_FILTER_CONTROL}.min.js": (
        f"bootstrap-table-1.19.1/{_FILTER_CONTROL}.min.js"
    ),
    f"https://unpkg.com/bootstrap-table@1.19.0/{_FILTER_CONTROL}.css": (
        f"bootstrap-table-1.19.0/{_FILTER_CONTROL}.css"
    ),
    f"https://unpkg.com/bootstrap-table@1.19.0/{_FILTER_CONTROL}.min.css": (
        f"bootstrap-table-1.19.0/{_FILTER_CONTROL}.min.css"
    ),
    f"{_CDNJS}/bootstrap-datepicker/1.9.0/css/{_DATEPICKER}.css": (
        f"bootstrap-datepicker-1.9.0/dist/css/{_DATEPICKER}.css"
    ),
    f"{_CDNJS}/bootstrap-datepicker/1.9.0/js/{_DATEPICKER}.js": (
        f"bootstrap-datepicker-1.9.0/dist/js/{_DATEPICKER}.js"
    ),
    # the package's minified copy of the same stylesheet (150 kB instead of 880 kB)
    f"{_JSDELIVR}/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-dark-1.1.0/dist/css/bootstrap-prefers-dark.min.css"
    ),
    f"{_CDNJS}/font-awesome/6.6.0/css/all.min.css": "fontawesome-free-6.6.0/css/all.min.css",
    f"{_JSDELIVR}/vega@5": "vega-5.33.1/build/vega.min.js",
    f"{_JSDELIVR}/vega-lite@5": "vega-lite-5.23.0/build/vega-lite.min.js",
    f"{_JSDELIVR}/vega-embed@6": "vega-embed-6.29.0/build/vega-embed.min.js",
}

# GX's own images, which its pages take from S3 (the logo, with a usage-tracking query) though
# every site has a copy under static/images/. The dark theme's logo has no local copy. A
# validation page looks for its favicon one folder short of the site's root.
GX_IMAGES = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
_IMAGES = {
    f'{{% set static_images_dir = "{GX_IMAGES}" -%}}': (
        '{% set static_images_dir = site_root() ~ "static/images/" -%}'
    ),
    f"url('{GX_IMAGES}full_logo_dark.png')": "url('{{ site_root() }}static/images/logo-long.png')",
    '((expectation_suite_name_dot_count + 3) * "../") + "static/images/"': (
        'site_root() ~ "static/images/"'
    ),
}
_QUOTED_URL = re.compile(r"""(["'])(https?://[^"']+)\1""")


def localise(template: str) -> str:
    """A GX template's source, with each asset it loads taken from the site itself.

    The paths start with ``site_root()``, the way back from the page to the site's root (see
    ``gx_views``). Links a person may follow (greatexpectations.io) stay as they are.
    """
    for original, local in _IMAGES.items():
        template = template.replace(original, local)

    def vendored(match: re.Match) -> str:
        quote, url = match.groups()
        if url not in CDN:
            return match.group(0)
        return f"{quote}{{{{ site_root() }}}}{SITE_FOLDER}/{CDN[url]}{quote}"

    return _QUOTED_URL.sub(vendored, template)


def _pins() -> str:
    return "\n".join(f"{p.name}@{p.version} {p.integrity}" for p in PACKAGES)


def installed(site: Path) -> bool:
    """Whether the site has this set of files: then pages rendered before link to them."""
    stamp = Path(site) / STAMP
    return stamp.is_file() and stamp.read_text() == _pins()


def install(site: Path) -> None:
    """Copy the vendored files into the site, unless this set is there already.

    Each file lands by an atomic rename, so two processes building Data Docs at once (two
    domains' runs) never serve a half-written script; files of older pins are left in place.
    """
    if installed(site):
        return
    target = Path(site) / SITE_FOLDER
    for source in VENDOR.rglob("*"):
        if source.is_file():
            destination = target / source.relative_to(VENDOR)
            destination.parent.mkdir(parents=True, exist_ok=True)
            _replace(destination, source.read_bytes())
    _replace(Path(site) / STAMP, _pins().encode())


def _replace(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.chmod(temporary, 0o644)
    Path(temporary).replace(path)

#!/usr/bin/env python
"""Serve what the platform publishes, read-only: Data Docs and the gold reports.

    python scripts/serve_docs.py --port 8081 --data-dir /opt/airflow/data
    python scripts/serve_docs.py --port 8081 --data-url s3://bucket/prefix

  /data-docs/   the Great Expectations Data Docs site
  /reports/     the CSV reports of every domain (reports/<domain>/<file>.csv), and its gold
                dashboard (reports/<domain>/dashboard.html)
  /dashboards/  a page linking each domain's dashboard
All are read from the base location the platform writes to: ELT_DATA_URL (an object store,
each file streamed from its object as it is asked for; universal_pathlib, as the platform's
include/elt/files/storage.py), else the data folder ELT_DATA_DIR. Binds to the address given
(127.0.0.1 by default).
"""

from __future__ import annotations

import argparse
import html
import io
import os
import sys
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

# URL prefix -> folder under the base location
MOUNTS = {
    "/data-docs/": Path("great_expectations/gx/uncommitted/data_docs/local_site"),
    "/reports/": Path("reports"),
}

DASHBOARD = "dashboard.html"  # stages.report.dashboard.FILE_NAME (this server imports no platform)
INDEX = b"""<!doctype html><title>ELT platform: published outputs</title>
<h1>Published outputs</h1><ul>
<li><a href="/data-docs/index.html">Data Docs</a> (Great Expectations validation results)</li>
<li><a href="/dashboards/">Gold dashboards</a> (charts of gold, per domain)</li>
<li><a href="/reports/">Reports</a> (gold CSV exports, per domain)</li></ul>"""


class PublishedHandler(SimpleHTTPRequestHandler):
    """Serves ``MOUNTS`` of ``data_dir``: a local folder through the standard handler, an object
    store's objects (a ``UPath``) by :meth:`send_head` below."""

    def __init__(self, *args, data_dir, **kwargs):
        self.data_dir = data_dir
        local = isinstance(data_dir, Path)
        super().__init__(*args, directory=str(data_dir) if local else os.curdir, **kwargs)

    def do_GET(self) -> None:
        if self.path in ("", "/"):
            self._send_page(INDEX)
            return
        if self.path.split("?", 1)[0] in ("/dashboards", "/dashboards/"):
            self._send_page(dashboards_page(self.data_dir / MOUNTS["/reports/"]))
            return
        super().do_GET()

    def _send_page(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def translate_path(self, path: str) -> str:
        for prefix, folder in MOUNTS.items():
            if path.startswith(prefix) or path == prefix.rstrip("/"):
                root = self.data_dir / folder
                root.mkdir(parents=True, exist_ok=True)
                rest = path[len(prefix) :] if path.startswith(prefix) else ""
                self.directory = str(root)
                return super().translate_path("/" + rest)
        return str(self.data_dir / "__not_published__")  # everything else is a 404

    def send_head(self):
        if isinstance(self.data_dir, Path):
            return super().send_head()
        target = self._published(self.path)
        if target is None or not target.exists():
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        if target.is_dir():
            path = urlsplit(self.path).path
            if not path.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if not (target / "index.html").is_file():
                return self._listing(target, path)
            target = target / "index.html"
        stream = target.open("rb")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(target.name))
        self.send_header("Content-Length", str(target.stat().st_size))
        self.end_headers()
        return stream

    def _published(self, url_path: str):
        """The object a URL names, if it is under a mount (no ``.`` or ``..`` segments)."""
        path = unquote(urlsplit(url_path).path)
        for prefix, folder in MOUNTS.items():
            if path.startswith(prefix) or path == prefix.rstrip("/"):
                parts = [p for p in path[len(prefix) :].split("/") if p]
                if any(p in (".", "..") for p in parts):
                    return None
                return self.data_dir.joinpath(folder.as_posix(), *parts)
        return None

    def _listing(self, folder, path: str) -> io.BytesIO:
        entries = sorted(
            info["name"].rstrip("/").rsplit("/", 1)[-1]
            + ("/" if info["type"] == "directory" else "")
            for info in folder.fs.ls(folder.path, detail=True)
        )
        items = "".join(f'<li><a href="{quote(e)}">{html.escape(e)}</a></li>' for e in entries)
        title = html.escape(f"Directory listing for {path}")
        body = f"<!doctype html><title>{title}</title><h1>{title}</h1><ul>{items}</ul>".encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def base_location(data_url: str | None, data_dir: Path):
    """The object store's base (a ``UPath``, never answering from a cached listing: the
    platform writes while this serves), or the local data folder."""
    if not data_url:
        return data_dir.resolve()
    from upath import UPath

    return UPath(data_url, use_listings_cache=False)


def dashboards_page(reports) -> bytes:
    """A link to each domain's dashboard, as published now."""
    found = sorted(reports.glob(f"*/{DASHBOARD}")) if reports.is_dir() else []
    items = "".join(
        f'<li><a href="/reports/{html.escape(quote(d.parent.name))}/{DASHBOARD}">'
        f"{html.escape(d.parent.name)}</a></li>"
        for d in found
    )
    listing = f"<ul>{items}</ul>" if found else "<p>No domain has published a dashboard yet.</p>"
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Gold dashboards</title>'
        "<style>body{font:15px/1.5 system-ui,sans-serif;margin:24px 28px;color:#1f2933}"
        "a{color:#2f5fb3}</style><h1>Gold dashboards</h1>"
        f"<p>Charts of each domain's gold, drawn by its last publish.</p>{listing}"
    ).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("DOCS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("DOCS_PORT", "8081")))
    parser.add_argument(
        "--data-url",
        default=os.environ.get("ELT_DATA_URL") or None,
        help="an object store's base location (default: ELT_DATA_URL)",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("ELT_DATA_DIR", "data"))
    )
    args = parser.parse_args()
    root = base_location(args.data_url, args.data_dir)
    server = ThreadingHTTPServer((args.host, args.port), partial(PublishedHandler, data_dir=root))
    print(f"serving Data Docs and reports of {root} on http://{args.host}:{args.port}/")
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

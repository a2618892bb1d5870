#!/usr/bin/env python
"""Serve what the platform publishes, read-only: Data Docs and the gold reports.

    python scripts/serve_docs.py --port 8081 --data-dir /opt/airflow/data

  /data-docs/   the Great Expectations Data Docs site
  /reports/     the CSV reports of every domain (reports/<domain>/<file>.csv), and its gold
                dashboard (reports/<domain>/dashboard.html)
  /dashboards/  a page linking each domain's dashboard
Standard library only; binds to the address given (127.0.0.1 by default).
"""

from __future__ import annotations

import argparse
import html
import os
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

# URL prefix -> folder under the data directory
MOUNTS = {
    "/data-docs/": Path("great_expectations/gx/uncommitted/data_docs/local_site"),
    "/reports/": Path("reports"),
}

DASHBOARD = "dashboard.html"  # include.elt.dashboard.FILE_NAME (this server imports no platform)
INDEX = b"""<!doctype html><title>ELT platform: published outputs</title>
<h1>Published outputs</h1><ul>
<li><a href="/data-docs/index.html">Data Docs</a> (Great Expectations validation results)</li>
<li><a href="/dashboards/">Gold dashboards</a> (charts of gold, per domain)</li>
<li><a href="/reports/">Reports</a> (gold CSV exports, per domain)</li></ul>"""


class PublishedHandler(SimpleHTTPRequestHandler):
    def __init__(self, *args, data_dir: Path, **kwargs):
        self.data_dir = data_dir
        super().__init__(*args, directory=str(data_dir), **kwargs)

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


def dashboards_page(reports: Path) -> bytes:
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
        "--data-dir", type=Path, default=Path(os.environ.get("ELT_DATA_DIR", "data"))
    )
    args = parser.parse_args()
    server = ThreadingHTTPServer(
        (args.host, args.port), partial(PublishedHandler, data_dir=args.data_dir.resolve())
    )
    print(f"serving Data Docs and reports of {args.data_dir} on http://{args.host}:{args.port}/")
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

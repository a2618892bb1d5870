"""What the platform publishes — Data Docs, the gold reports and the gold dashboards — served by
Airflow's API server behind its login (plugins/published_outputs.py mounts :func:`create_app` at
``/published``).

  /published/data-docs/   the Great Expectations Data Docs site
  /published/reports/     the CSV reports of every domain (reports/<domain>/<file>.csv), and its
                          gold dashboard (reports/<domain>/dashboard.html)
  /published/dashboards/  a page linking each domain's dashboard

Every request needs the same login as the Airflow UI: the session cookie the UI's sign-in sets,
or a bearer token from ``POST /auth/token``, of a user allowed to see the UI. A browser without
one is sent to the sign-in page (and back here after it); any other client gets 401.

Files are read from the base location the platform writes to: ELT_DATA_URL (an object store,
each file streamed from its object as it is asked for; universal_pathlib, as
include/elt/files/storage.py), else the data folder ELT_DATA_DIR.
"""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
from airflow.api_fastapi.core_api.security import requires_access_view
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from include.elt.files import storage

# URL folder -> folder under the base location
MOUNTS = {
    "data-docs": Path("great_expectations/gx/uncommitted/data_docs/local_site"),
    "reports": Path("reports"),
}
DASHBOARD = "dashboard.html"  # stages.report.dashboard.FILE_NAME
CHUNK = 1 << 16
STYLE = (
    "<style>body{font:15px/1.5 system-ui,sans-serif;margin:24px 28px;color:#1f2933}"
    "a{color:#2f5fb3}</style>"
)
INDEX = (
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>Published outputs</title>'
    f"{STYLE}<h1>Published outputs</h1><ul>"
    '<li><a href="data-docs/index.html">Data Docs</a> (Great Expectations validation results)</li>'
    '<li><a href="dashboards/">Gold dashboards</a> (charts of gold, per domain)</li>'
    '<li><a href="reports/">Reports</a> (gold CSV exports, per domain)</li></ul>'
)


def create_app(base=None, *, login_required: bool = True) -> FastAPI:
    """The app serving ``base`` (default: the platform's base location,
    ``storage.data_root()``). ``login_required=False`` is for tests of the files alone; the
    plugin never passes it."""
    # Airflow's own check: a signed-in user allowed to see the UI (401 or 403 otherwise)
    signed_in = [Depends(requires_access_view(AccessView.WEBSITE))] if login_required else []
    app = FastAPI(
        title="Published outputs",
        dependencies=signed_in,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    root = base if base is not None else storage.data_root()

    @app.exception_handler(StarletteHTTPException)
    async def to_sign_in(request: Request, error: StarletteHTTPException):
        """A browser without a login goes to the sign-in page, and back here after it."""
        browser = "text/html" in request.headers.get("accept", "")
        if error.status_code == status.HTTP_401_UNAUTHORIZED and browser:
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/api/v2/auth/login?{urlencode({'next': here})}")
        return await http_exception_handler(request, error)

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return INDEX

    @app.get("/dashboards/", response_class=HTMLResponse)
    def dashboards() -> str:
        return dashboards_page(root / MOUNTS["reports"])

    @app.get("/dashboards", include_in_schema=False)
    def dashboards_folder(request: Request) -> RedirectResponse:
        return RedirectResponse(str(request.url.path) + "/", status.HTTP_301_MOVED_PERMANENTLY)

    @app.get("/{mount}/{path:path}")
    @app.get("/{mount}", include_in_schema=False)
    def published(request: Request, mount: str, path: str = ""):
        target = resolve(root, mount, path)
        if target.is_dir():
            if not request.url.path.endswith("/"):  # relative links resolve inside the folder
                return RedirectResponse(request.url.path + "/", status.HTTP_301_MOVED_PERMANENTLY)
            if not (target / "index.html").is_file():
                return HTMLResponse(listing(target, request.url.path))
            target = target / "index.html"
        if not target.is_file():
            raise HTTPException(status.HTTP_404_NOT_FOUND, "File not found")
        if isinstance(target, Path):
            return FileResponse(target)
        return StreamingResponse(_chunks(target), media_type=_media_type(target.name))

    return app


def resolve(root, mount: str, path: str):
    """The file or folder a URL names under a mount (404 for anything else, ``.`` and ``..``
    segments included)."""
    parts = [p for p in path.split("/") if p]
    if mount not in MOUNTS or any(p in (".", "..") for p in parts):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "File not found")
    target = root.joinpath(MOUNTS[mount].as_posix(), *parts)
    if not target.exists():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "File not found")
    return target


def listing(folder, url_path: str) -> str:
    entries = sorted(entry.name + ("/" if entry.is_dir() else "") for entry in folder.iterdir())
    items = "".join(f'<li><a href="{quote(e)}">{html.escape(e)}</a></li>' for e in entries)
    title = html.escape(f"Directory listing for {url_path}")
    return (
        f'<!doctype html><meta charset="utf-8"><title>{title}</title>{STYLE}'
        f"<h1>{title}</h1><ul>{items}</ul>"
    )


def dashboards_page(reports) -> str:
    """A link to each domain's dashboard, as published now."""
    found = sorted(reports.glob(f"*/{DASHBOARD}")) if reports.is_dir() else []
    items = "".join(
        f'<li><a href="../reports/{html.escape(quote(d.parent.name))}/{DASHBOARD}">'
        f"{html.escape(d.parent.name)}</a></li>"
        for d in found
    )
    shown = f"<ul>{items}</ul>" if found else "<p>No domain has published a dashboard yet.</p>"
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Gold dashboards</title>'
        f"{STYLE}<h1>Gold dashboards</h1>"
        f"<p>Charts of each domain's gold, drawn by its last publish.</p>{shown}"
    )


def _chunks(target) -> Iterator[bytes]:
    with target.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def _media_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"

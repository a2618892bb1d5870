"""Links from the Airflow UI to what the platform publishes: Data Docs, the gold reports and
the gold dashboards.

All are served by the `data-docs` service (scripts/serve_docs.py); ELT_DOCS_URL is its address
as the browser sees it.
"""

from __future__ import annotations

import os
from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin

DOCS_URL = os.environ.get("ELT_DOCS_URL", "http://127.0.0.1:8081").rstrip("/")


class PublishedOutputsPlugin(AirflowPlugin):
    name = "published_outputs"
    external_views: ClassVar[list[dict]] = [
        {
            "name": "Data Docs",
            "href": f"{DOCS_URL}/data-docs/index.html",
            "url_route": "data-docs",
            "destination": "nav",
            "category": "browse",
        },
        {
            "name": "Gold dashboard",
            "href": f"{DOCS_URL}/dashboards/",
            "url_route": "gold-dashboard",
            "destination": "nav",
            "category": "browse",
        },
        {
            "name": "Gold reports",
            "href": f"{DOCS_URL}/reports/",
            "url_route": "gold-reports",
            "destination": "nav",
            "category": "browse",
        },
    ]

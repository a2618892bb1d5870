"""What the platform publishes — Data Docs, the gold reports and the gold dashboards — in the
Airflow UI, behind its login: served by the API server at /published
(include/orchestration/published.py) and linked from the *Browse* menu.
"""

from __future__ import annotations

from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin

PREFIX = "/published"  # as the alerts link it (include.orchestration.alerts.PUBLISHED)


class OnFirstRequest:
    """The app, built on its first request. Every Airflow process loads the plugins, a task's
    too; only the API server serves them, so only it pays for importing the app (~1 s)."""

    def __init__(self) -> None:
        self.app = None

    async def __call__(self, scope, receive, send) -> None:
        if self.app is None:
            from include.orchestration.published import create_app

            self.app = create_app()
        await self.app(scope, receive, send)


class PublishedOutputsPlugin(AirflowPlugin):
    name = "published_outputs"
    fastapi_apps: ClassVar[list[dict]] = [
        {"app": OnFirstRequest(), "url_prefix": PREFIX, "name": "Published outputs"}
    ]
    external_views: ClassVar[list[dict]] = [
        {
            "name": "Data Docs",
            "href": f"{PREFIX}/data-docs/index.html",
            "url_route": "data-docs",
            "destination": "nav",
            "category": "browse",
        },
        {
            "name": "Gold dashboard",
            "href": f"{PREFIX}/dashboards/",
            "url_route": "gold-dashboard",
            "destination": "nav",
            "category": "browse",
        },
        {
            "name": "Gold reports",
            "href": f"{PREFIX}/reports/",
            "url_route": "gold-reports",
            "destination": "nav",
            "category": "browse",
        },
    ]

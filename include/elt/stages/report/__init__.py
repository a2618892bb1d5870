"""What a run tells its readers: the gold reports as CSV (``export``) and the dashboard page of
charts drawn as SVG (``dashboard``, ``svg``), both written by ``publish``; the analytics log of
every model built, with a preview of gold (``analytics_log``); the figures of a domain's checks
SQL logged after a layer is loaded or built (``figures``).
"""

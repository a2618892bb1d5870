"""The gates (``validate_bronze``, ``validate_silver``, ``validate_gold``) and Data Docs.

``targets`` says what a layer's gate validates (its batches, each model's suite and the checks
its declaration implies, ``derived``); ``checkpoint`` runs them as a Great Expectations
checkpoint; ``data_docs`` keeps the results and renders the site, with views (``gx_views``) and
vendored assets (``data_docs_assets``, ``data_docs_vendor/``) that load nothing from outside.
Great Expectations is imported when a gate runs or Data Docs render, never with these modules.
"""

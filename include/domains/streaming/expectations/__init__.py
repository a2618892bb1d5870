"""Great Expectations suites of the streaming domain: one module per layer, one builder per table.

Each module maps a table name to a function returning its expectations (``SUITES``).
"""

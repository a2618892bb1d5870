"""Patterns more than one domain checks, written once: SQL models see them as template
variables (``{{ email_pattern }}``), suites and generators import them."""

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

TEMPLATE_VARIABLES = {"email_pattern": EMAIL_PATTERN}

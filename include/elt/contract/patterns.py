"""Patterns more than one domain checks, written once: SQL models see them as template
variables (``{{ email_pattern }}``), suites and generators import them."""

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

TEMPLATE_VARIABLES = {"email_pattern": EMAIL_PATTERN}


def sql_list(values: tuple[str, ...]) -> str:
    """Values as a SQL list of string literals, ``('a', 'b')``, for a template variable."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def sql_array(values: tuple[str, ...]) -> str:
    """Values as a SQL text array, ``array['a', 'b']``: an order to sort by (array_position)."""
    return "array[" + sql_list(values)[1:-1] + "]::text[]"

"""The stages of one run, in order. Names only, so a DAG file can import it for free."""

STAGES = (
    "generate",
    "load_bronze",
    "validate_bronze",
    "build_silver",
    "validate_silver",
    "build_gold",
    "validate_gold",
    "publish",
)

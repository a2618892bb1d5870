"""The stages of one run, in order. Names only, so a DAG file can import it for free."""

STAGES = (
    "generate",
    "load_bronze",
    "commit_bronze",
    "validate_bronze",
    "build_silver",
    "validate_silver",
    "build_gold",
    "validate_gold",
    "publish",
)


def stage_of(task: str) -> str:
    """The stage a task is part of: ``load_bronze[plans]`` (a dataset's load) and
    ``build_silver.orders`` (a model's build) are parts of theirs."""
    return task.split("[", 1)[0].split(".", 1)[0]

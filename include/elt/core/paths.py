"""Where the repository and its SQL are, wherever the platform runs from."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
SQL_ROOT = REPO_ROOT / "sql"
DOMAINS_DIR = REPO_ROOT / "include" / "domains"  # each package there is a domain

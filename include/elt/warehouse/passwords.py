"""The warehouse roles' passwords as the server keeps them, and files only their owner can read.

Standard library only: ``scripts/generate_secrets.py`` imports it before anything is installed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path


def scram_verifier(password: str, iterations: int = 4096, salt: bytes | None = None) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier: lets the server check the password, and cannot be
    used to log in (RFC 5802/7677; PostgreSQL stores exactly this). Set as a role's password, it
    keeps the plain password out of the server's statement log."""
    salt = salt or os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def write_private(path: Path, text: str) -> None:
    """A file only its owner can read, written without ever being readable by others."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)

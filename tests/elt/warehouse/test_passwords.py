"""Role passwords as the server keeps them, and files only their owner reads."""

from __future__ import annotations

import stat

from include.elt.warehouse.passwords import scram_verifier, write_private
from tests.test_secrets import _verifies


def test_a_verifier_checks_its_password_and_no_other():
    verifier = scram_verifier("s3cret", salt=b"0123456789abcdef")
    assert _verifies(verifier, "s3cret") and not _verifies(verifier, "other")
    assert verifier != scram_verifier("s3cret")  # a new salt each time


def test_a_private_file_is_its_owners_alone_from_the_start(tmp_path):
    path = tmp_path / "logins.env"
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

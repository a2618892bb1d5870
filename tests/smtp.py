"""An SMTP server on 127.0.0.1 for the alert tests (aiosmtpd): it asks for the login the
platform is configured with and keeps every message it accepts."""

from __future__ import annotations

import email
import email.policy
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from include.devstack.ports import free_port

USER, PASSWORD = "alerts", "smtp-test-password-not-a-secret"
RECIPIENT = "oncall@example.org"

# The server asks for a login without TLS: it listens on loopback only and has no certificate.
warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)


@dataclass
class Inbox:
    port: int = field(default_factory=free_port)
    messages: list[EmailMessage] = field(default_factory=list)
    refused_logins: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def settings(self) -> dict[str, str]:
        """What `.env` would say to send the alerts here."""
        return {
            "ELT_ALERT_EMAIL_TO": RECIPIENT,
            "ELT_ALERT_SMTP_HOST": "127.0.0.1",
            "ELT_ALERT_SMTP_PORT": str(self.port),
            "ELT_ALERT_SMTP_SECURITY": "none",
            "ELT_ALERT_SMTP_USER": USER,
            "ELT_ALERT_SMTP_PASSWORD": PASSWORD,
        }

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (USER, PASSWORD)
        if not ok:
            self.refused_logins += 1
        return AuthResult(success=ok)

    @contextmanager
    def serving(self) -> Iterator[Inbox]:
        controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_required=True,
            auth_require_tls=False,  # loopback only: the test server has no certificate
        )
        controller.start()
        try:
            yield self
        finally:
            controller.stop()

    def matching(self, subject: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if subject in m["Subject"]]

    def wait_for(self, subject: str, timeout: float = 120) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.matching(subject)
            if found:
                return found[0]
            time.sleep(1)
        subjects = [m["Subject"] for m in self.messages]
        raise TimeoutError(f"no message with {subject!r} in {timeout:.0f}s; received: {subjects}")


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html", "plain"))
    return part.get_content() if part is not None else ""

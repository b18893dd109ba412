"""The messaging tests' counterparts: a real SMTP server on 127.0.0.1, and the story."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

# The ports this app's tests may use (one range per engineer on the shared machine).
PORTS = range(18500, 18520)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("No free port in 18500-18519")


@dataclass
class Mailbox:
    """What the SMTP server received: one entry per envelope, parsed."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.received if address in rcpts]


@pytest.fixture
def smtp(settings: Any) -> Iterator[Mailbox]:
    """Start aiosmtpd on 127.0.0.1 and point Django's SMTP backend at it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "skolsam@example.se"
    try:
        yield mailbox
    finally:
        controller.stop()


@dataclass
class PushService:
    """A push service on 127.0.0.1: keeps every request's headers and encrypted body."""

    url: str
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    status: int = 201


@pytest.fixture
def push_service() -> Iterator[PushService]:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    port = free_port()
    service = PushService(url=f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            service.received.append((self.path, dict(self.headers), body))
            self.send_response(service.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()


class RecordingSmsProvider:
    """An SMS provider that keeps what it is asked to send (the operator's side of the wire)."""

    sent: list[tuple[str, str]] = []

    def send(self, *, to: str, text: str) -> None:
        RecordingSmsProvider.sent.append((to, text))


@pytest.fixture(autouse=True)
def sms(settings: Any) -> Iterator[list[tuple[str, str]]]:
    settings.SKOLSAM_SMS_PROVIDER = "skolsam.messaging.tests.conftest.RecordingSmsProvider"
    RecordingSmsProvider.sent = []
    yield RecordingSmsProvider.sent

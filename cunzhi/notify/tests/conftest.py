import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1; Django's SMTP backend sends to it."""
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 Message accepted"

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield sink
    controller.stop()


@pytest.fixture
def sms_gateway(settings):
    """A small HTTP SMS gateway on 127.0.0.1 recording what it receives; set `.status` to make it fail."""
    state = type("Gateway", (), {})()
    state.received, state.status = [], 200

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            state.received.append(
                {"body": self.rfile.read(length).decode("utf-8"), "content_type": self.headers.get("Content-Type")}
            )
            self.send_response(state.status)
            self.end_headers()
            self.wfile.write(b"ok" if state.status == 200 else b"gateway says no")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_address[1]}/send"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _sms_files_in_tmp(settings, tmp_path):
    """The demo SMS backend writes files: into the test's own folder, never into data/."""
    settings.SMS_FILE_PATH = str(tmp_path / "sms")

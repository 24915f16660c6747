"""Real local servers for the crash reporters' tests: a Slack-like webhook, an SMTP server
(aiosmtpd, optional AUTH and TLS), a port that refuses connections and one that never answers.
All listen on 127.0.0.1 with a random port; use them as context managers."""

import email
import email.policy
import html
import json
import re
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

WAIT = 10  # seconds: the bound of every wait in these helpers


class WebhookServer:
    """Records each POST (path, headers, parsed JSON); answers ``status`` with ``body``."""

    def __init__(self, status=200, body=b"ok"):
        self.status, self.body = status, body
        self.posts = []
        self._arrived = threading.Condition()

    def url(self, path="/services/T0000/B0000/s3cr3t-webhook-token"):
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(owner.status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(owner.body)))
                self.end_headers()
                self.wfile.write(owner.body)
                with owner._arrived:
                    owner.posts.append({"path": self.path, "headers": dict(self.headers), "raw": raw,
                                        "json": json.loads(raw)})
                    owner._arrived.notify_all()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def wait_for(self, count=1):
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.posts) >= count, timeout=WAIT)
        return self.posts

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(WAIT)


def slack_report(post):
    """(title, report text, note) out of a received Slack payload's text."""
    m = re.fullmatch(r"\*(.*)\*\n```\n(.*)\n```(?:\n(.*))?", post["json"]["text"], re.DOTALL)
    assert m, f"unexpected Slack text: {post['json']['text'][:300]!r}"
    title, report, note = (html.unescape(g) if g else g for g in m.groups())
    return title, report.replace("``\u200b`", "```"), note


class _Recorder:
    def __init__(self, owner):
        self.owner = owner

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.owner._arrived:
            self.owner.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                                        "raw": envelope.original_content, "message": msg,
                                        "login": getattr(session.auth_data, "login", None)})
            self.owner._arrived.notify_all()
        return "250 Message accepted for delivery"


class _RandomPortController(Controller):
    """aiosmtpd's Controller, on the port the OS picked (port=0)."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        return super()._trigger_server()


class SmtpServer:
    """aiosmtpd on 127.0.0.1. ``users``: {login: password} turns on required AUTH;
    ``tls``: a server SSLContext, offered by STARTTLS (or implicit TLS with ``implicit=True``)."""

    def __init__(self, users=None, tls=None, implicit=False):
        self.users, self.tls, self.implicit = users, tls, implicit
        self.messages = []
        self._arrived = threading.Condition()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
        password = auth_data.password.decode() if isinstance(auth_data.password, bytes) else auth_data.password
        return AuthResult(success=self.users.get(login) == password, handled=False, auth_data=auth_data)

    def __enter__(self):
        kwargs = {"hostname": "127.0.0.1", "port": 0, "ready_timeout": WAIT}
        if self.users is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=self.tls is not None)
        if self.tls is not None:
            kwargs.update({"ssl_context": self.tls} if self.implicit else
                          {"tls_context": self.tls, "require_starttls": True})
        self.controller = _RandomPortController(_Recorder(self), **kwargs)
        self.controller.start()
        self.port = self.controller.port
        return self

    def wait_for(self, count=1):
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=WAIT)
        return self.messages

    def __exit__(self, *exc):
        self.controller.stop()


def tls_files(tmp_path):
    """(server SSLContext, path of the CA's PEM) for a certificate valid for 127.0.0.1."""
    import trustme

    ca = trustme.CA()
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_ctx)
    cafile = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    return server_ctx, str(cafile)


class RefusingPort:
    """A port bound but not listening: every connection is refused at once."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        return self

    def __exit__(self, *exc):
        self.sock.close()


class SilentPort(RefusingPort):
    """A port that accepts connections (kernel backlog) but never says a word."""

    def __enter__(self):
        super().__enter__()
        self.sock.listen(8)
        return self

"""The request limits for WSGI servers that give each connection a thread.

``python server.py`` (the development server) and gunicorn call the Flask app
from a thread per connection: :class:`Guard` wraps the app so that they keep
the limits of :mod:`pymacaron.limits` too, as the production front does:

- a request with both Content-Length and Transfer-Encoding is refused (400
  ``MALFORMED_REQUEST``: the two framings of its body may disagree, the way
  request smuggling starts);
- the body is read before the handler runs, within ``max_body_size`` (413,
  chunked bodies included) and ``body_timeout`` (408): at the deadline the
  connection's reading side is shut down, which ends the read at once;
- handlers run in a pool of ``threads`` threads; past ``handler_timeout`` the
  caller gets a 504 ``HANDLER_TIMEOUT`` at once and a FATAL report shows where
  the handler was stuck. ``/ping`` runs in the connection's own thread.
"""

from __future__ import annotations

import functools
import http
import logging
import socket
import threading
from io import BytesIO
from typing import TYPE_CHECKING

from pymacaron.front import HEALTH_PATHS, NO_BODY_METHODS, HandlerPool, Job, WSGIApplication, _report_timeout, call_wsgi

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.serving import WSGIRequestHandler

    from pymacaron.limits import Limits

log = logging.getLogger("pymacaron.guard")

CHUNK = 64 * 1024
SOCKET_KEYS = ("werkzeug.socket", "gunicorn.socket")  # where the servers put the connection


class _Scope:
    """What the timeout report needs to know of a request (the shape of granian's RSGI scope)."""

    def __init__(self, environ):
        self.method = environ.get("REQUEST_METHOD", "")
        self.path = environ.get("PATH_INFO", "")
        self.client = f"{environ.get('REMOTE_ADDR', '')}:{environ.get('REMOTE_PORT', '')}"


class Guard:
    """``Guard(flask_app)``: a WSGI app holding each request to the limits (see the module docstring)."""

    def __init__(self, app: Flask | WSGIApplication, limits: Limits | None = None) -> None:
        from pymacaron.http import EXTENSION
        from pymacaron.limits import limits_from_config

        self.app = app
        inner = app.wsgi_app if hasattr(app, "wsgi_app") else app
        self.wsgi: WSGIApplication = inner.wsgi if isinstance(inner, Guard) else inner
        if limits is None:
            limits = (getattr(app, "extensions", {}).get(EXTENSION) or {}).get("limits")
        if limits is None:
            from pymacaron.config import config_loaded, get_config

            limits = limits_from_config(get_config() if config_loaded() else None)
        self.limits = limits
        self.pool = HandlerPool("handler", limits.threads, functools.partial(call_wsgi, app, self.wsgi))

    def __call__(self, environ, start_response):
        refusal = self._read_body(environ)
        if refusal is not None:
            return self._answer(start_response, refusal)
        if environ.get("PATH_INFO") in HEALTH_PATHS:
            return self.wsgi(environ, start_response)
        job = Job(environ)
        self.pool.submit(job)
        timeout = self.limits.handler_timeout
        if job.lock.acquire(timeout=timeout if timeout else -1):
            return self._answer(start_response, job.result)
        state = self.pool.expire(job)
        if state == "done":  # answered just in time
            job.lock.acquire()
            return self._answer(start_response, job.result)
        return self._answer(start_response, self._timeout_reply(environ, job, state, timeout))

    # -- request body ------------------------------------------------------------------------

    def _read_body(self, environ):
        """Read the body whole into ``wsgi.input``; -> a reply refusing the request, or None."""
        from pymacaron.exceptions import MalformedRequestError

        length = environ.get("CONTENT_LENGTH") or ""
        chunked = environ.get("HTTP_TRANSFER_ENCODING", "")
        if length and chunked:
            return self._refusal(environ, MalformedRequestError(
                "A request may not have both Content-Length and Transfer-Encoding headers"))
        if not length and not chunked:
            return None
        if environ.get("REQUEST_METHOD") in NO_BODY_METHODS and length in ("", "0"):
            return None
        limit = self.limits.max_body_size
        if length:
            if not length.isdigit() or len(length) > 18:
                return self._refusal(environ, MalformedRequestError(
                    f"Content-Length must be a number of bytes, got {length[:40]!r}"))
            if limit is not None and int(length) > limit:
                return self._refusal(environ, _too_large(limit))
        deadline = _Deadline(environ, self.limits.body_timeout)
        try:
            body = _read(environ["wsgi.input"], int(length) if length else None, limit)
        except _TooLarge:
            return self._refusal(environ, _too_large(limit))
        except (OSError, ValueError) as e:
            if not deadline.passed:
                return self._refusal(environ, MalformedRequestError(f"The request body could not be read: {e}"))
        finally:
            deadline.cancel()
        if deadline.passed:
            from pymacaron.exceptions import RequestTimeoutError

            return self._refusal(environ, RequestTimeoutError(
                f"The request body did not arrive within {self.limits.body_timeout:g} seconds "
                "(body_timeout in pym-config)"))
        environ["wsgi.input"] = BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = True
        return None

    def _refusal(self, environ, exc):
        from pymacaron.http import standalone_error

        status, headers, body = standalone_error(self.app, exc, environ.get("HTTP_ORIGIN"))
        headers.append(("Connection", "close"))
        return status, headers, body

    # -- answers -----------------------------------------------------------------------------

    def _timeout_reply(self, environ, job, state, timeout):
        from pymacaron.exceptions import HandlerTimeoutError
        from pymacaron.http import standalone_error

        message = (f"The request waited {timeout:g} seconds for a free handler (handler_timeout in pym-config)"
                   if state == "queued" else
                   f"The handler did not answer within {timeout:g} seconds (handler_timeout in pym-config)")
        reply = standalone_error(self.app, HandlerTimeoutError(message), environ.get("HTTP_ORIGIN"))
        try:
            _report_timeout(_Scope(environ), job.thread if state == "running" else None, reply, timeout)
        except Exception as e:
            log.error("pymacaron: could not report a handler timeout: %s", e)
        return reply

    @staticmethod
    def _answer(start_response, reply):
        status, headers, content = reply
        if isinstance(status, int):
            try:
                status = f"{status} {http.HTTPStatus(status).phrase}"
            except ValueError:
                status = f"{status} UNKNOWN"
        headers = list(headers)
        if isinstance(content, bytes):
            if not any(k.lower() == "content-length" for k, _ in headers):
                headers.append(("Content-Length", str(len(content))))
            start_response(status, headers)
            return [content]
        start_response(status, headers)
        return content


def json_error_request_handler() -> type[WSGIRequestHandler]:
    """werkzeug's request handler for the development server, whose own errors are Error JSON too.

    The HTTP layer answers some requests before any app sees them (a request line
    over 64 KiB: 414, malformed HTTP: 400); Python's http.server sends an HTML page
    for those. This one sends the Error JSON.
    """
    from werkzeug.serving import WSGIRequestHandler

    class JsonErrorRequestHandler(WSGIRequestHandler):
        def send_error(self, code, message=None, explain=None):
            from pymacaron.exceptions import PyMacaronException
            from pymacaron.http import standalone_error

            try:
                phrase = http.HTTPStatus(code).phrase
                name = http.HTTPStatus(code).name
            except ValueError:
                phrase, name = "Error", "HTTP_ERROR"
            exc = PyMacaronException(message or phrase)
            exc.code, exc.status = name, code
            _, headers, body = standalone_error(None, exc)
            self.log_error("code %d, message %s", code, message or phrase)
            self.send_response(code, message)
            self.send_header("Connection", "close")
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    return JsonErrorRequestHandler


class _Deadline:
    """At ``seconds`` from now, shut the reading side of the request's connection (ends a blocked read)."""

    def __init__(self, environ, seconds):
        self.passed = False
        self.timer = None
        sock = next((environ[k] for k in SOCKET_KEYS if environ.get(k) is not None), None)
        if seconds and isinstance(sock, socket.socket):
            self.timer = threading.Timer(seconds, self._expire, (sock,))
            self.timer.daemon = True
            self.timer.start()

    def _expire(self, sock):
        self.passed = True
        try:
            sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass

    def cancel(self):
        if self.timer is not None:
            self.timer.cancel()


class _TooLarge(Exception):
    pass


def _too_large(limit):
    from pymacaron.front import _too_large as too_large

    return too_large(limit)


def _read(stream, length, limit):
    """The body: ``length`` bytes, or up to the end of a chunked stream; _TooLarge past ``limit``."""
    chunks, size = [], 0
    while length is None or size < length:
        want = CHUNK if length is None else min(CHUNK, length - size)
        chunk = stream.read(want)
        if not chunk:
            if length is not None:
                raise ValueError(f"the connection closed after {size} of {length} bytes")
            break
        size += len(chunk)
        if limit is not None and size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)

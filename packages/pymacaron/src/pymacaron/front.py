"""The production server's front: an event loop receives requests, threads run the handlers.

granian (``pymacaron run --production``) calls :class:`Front` through its RSGI
interface, on an asyncio loop in each worker process. The loop does what must
never wait behind a handler:

- it receives request bodies, within ``max_body_size`` (413, chunked bodies
  included) and ``body_timeout`` (408): a slow client holds no thread;
- it keeps each handler's time: past ``handler_timeout`` the caller gets a 504
  ``HANDLER_TIMEOUT`` Error JSON at once, and a FATAL crash report shows where
  the handler was stuck (its thread's stack).

Handlers (the Flask app, called through WSGI) run in a pool of ``threads``
threads per worker; ``/ping`` has threads of its own, so health checks answer
while every handler thread is busy. A handler cannot be killed: one over its
timeout runs on in the background (its answer is dropped) and a new thread
takes its place in the pool, for at most ``threads`` x :data:`LEFT_BEHIND_FACTOR`
such handlers at once. A request still queued at its deadline is answered 504
and never run. Limits: :mod:`pymacaron.limits`.

Responses with a Content-Length (every JSON answer) are sent whole; others
(a generator) are streamed, without a time limit once their headers are sent.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from io import BytesIO
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any

from pymacaron.exceptions import MalformedRequestError, RequestTimeoutError

log = logging.getLogger("pymacaron.front")

PING_PATH = "/ping"
HEALTH_PATHS = frozenset((PING_PATH, "/ready"))  # answered by threads of their own (readiness: READY_PATH)
HEALTH_THREADS = 2
LEFT_BEHIND_FACTOR = 4
NO_BODY_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
MAX_HEADER_NAMES = 512  # WSGI names of header names, cached (bounded: callers choose header names)
if TYPE_CHECKING:
    from flask import Flask

    from pymacaron.limits import Limits

# a WSGI application: app(environ, start_response) -> the body's chunks
WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# what a pool thread hands back: (status, [(header, value)], the body, or an iterable to stream)
WsgiResult = tuple[str | int, list[tuple[str, str]], "bytes | Iterable[bytes]"]

_TIMED_OUT = object()
_END = object()


class Job:
    """One request handed to a :class:`HandlerPool`: its WSGI environ, and who waits for the result.

    The waiter is an asyncio future on ``loop`` (the front), or else a lock
    released when ``result`` is set (a thread of a WSGI server, see pymacaron.guard).
    """

    __slots__ = ("environ", "future", "loop", "state", "thread", "replaced", "reply", "result", "lock")

    def __init__(self, environ: dict[str, Any], future: asyncio.Future[Any] | None = None,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.environ = environ
        self.future = future
        self.loop = loop
        self.state = "queued"  # -> running -> done; or -> expired (its caller got a 504)
        self.thread: int | None = None
        self.replaced = False
        self.reply: Any = None
        self.result: WsgiResult | None = None
        self.lock: threading.Lock | None = None
        if loop is None:
            self.lock = threading.Lock()
            self.lock.acquire()

    def deliver(self, result: WsgiResult) -> None:
        """Hand ``result`` to the waiter: resolve the future on the loop, or release the waiting thread."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(_resolve, self.future, result)
        else:
            self.result = result
            self.lock.release()  # type: ignore[union-attr]  # made in __init__ when there is no loop


class HandlerPool:
    """``size`` threads calling the app for queued jobs; a job past its deadline is left behind."""

    def __init__(self, name: str, size: int, call: Callable[[dict[str, Any]], WsgiResult]) -> None:
        self.name = name
        self.size = size
        self.call = call
        self.queue: SimpleQueue[Job] = SimpleQueue()
        self.lock = threading.Lock()
        self.left_behind = 0  # threads still inside a handler whose caller got a 504
        self.max_left_behind = size * LEFT_BEHIND_FACTOR
        self._started = False
        self._count = 0

    def submit(self, job: Job) -> None:
        """Queue ``job`` for the pool's threads (started on the first job)."""
        if not self._started:
            self._start()
        self.queue.put(job)

    def _start(self):
        with self.lock:
            if self._started:
                return
            self._started = True
        for _ in range(self.size):
            self._spawn()

    def _spawn(self):
        self._count += 1
        threading.Thread(target=self._work, name=f"pymacaron-{self.name}-{self._count}", daemon=True).start()

    def _work(self):
        get, lock = self.queue.get, self.lock
        while True:
            job = get()
            with lock:
                if job.state != "queued":
                    continue  # expired while queued: its caller has its 504, it never runs
                job.state, job.thread = "running", threading.get_ident()
            result = self.call(job.environ)
            with lock:
                expired = job.state == "expired"
                if expired:
                    self.left_behind -= 1
                else:
                    job.state = "done"
            if not expired:
                job.deliver(result)
                continue
            _close(result)  # its caller got a 504 long ago
            if job.replaced:
                return  # a new thread took this one's place while it was stuck

    def expire(self, job: Job) -> str:
        """On the loop, at the job's deadline: -> the state it was in ("queued", "running" or "done").

        A running job's thread is left behind (replaced by a new one, within the
        limit); a queued one will not run; a done one is being answered already.
        """
        with self.lock:
            state = job.state
            if state == "done":
                return state
            job.state = "expired"
            if state == "running":
                self.left_behind += 1
                job.replaced = self.left_behind <= self.max_left_behind
        if state == "running":
            if job.replaced:
                self._spawn()
            else:
                log.error("pymacaron: %d handlers of the %s pool are stuck past handler_timeout: no thread replaces "
                          "this one, the pool has fewer threads until they return", self.left_behind, self.name)
        return state


def _drain_on_sigterm(loop):
    """From granian's SIGTERM on, /ready answers 503 and the stop is watched (its handler, on the worker's loop,
    still runs)."""
    import signal

    handle = getattr(loop, "_signal_handlers", {}).get(signal.SIGTERM)
    callback = getattr(handle, "_callback", None)
    if callback is None:
        return
    args = getattr(handle, "_args", ())

    def draining_then_stop(*_):
        from pymacaron.observability.readiness import start_draining
        from pymacaron.stopping import watch_stop

        start_draining()
        watch_stop()
        callback(*args)

    try:
        loop.add_signal_handler(signal.SIGTERM, draining_then_stop)
    except (RuntimeError, ValueError, NotImplementedError):
        pass


def _resolve(future, result):
    if not future.done():
        future.set_result(result)


def _close(result):
    body = result[2] if isinstance(result, tuple) and len(result) == 3 else None
    close = getattr(body, "close", None)
    if close is not None and not isinstance(body, (bytes, list)):
        try:
            close()
        except Exception:
            pass


class Front:
    """The RSGI application granian serves: ``Front(flask_app)`` (see the module docstring)."""

    def __init__(self, app: Flask | WSGIApplication, limits: Limits | None = None) -> None:
        from pymacaron.http import EXTENSION
        from pymacaron.limits import limits_from_config

        self.app = app
        self.wsgi = app.wsgi_app if hasattr(app, "wsgi_app") else app
        settings = getattr(app, "extensions", {}).get(EXTENSION) or {}
        if limits is None:
            limits = settings.get("limits")
        if limits is None:
            from pymacaron.config import config_loaded, get_config

            limits = limits_from_config(get_config() if config_loaded() else None)
        self.limits = limits
        call = functools.partial(call_wsgi, app, self.wsgi)
        self.pool = HandlerPool("handler", limits.threads, call)
        self.health = HandlerPool("ping", HEALTH_THREADS, call)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._names: dict[str, str | None] = {}
        self._base = {
            "GATEWAY_INTERFACE": "CGI/1.1", "SCRIPT_NAME": "", "SERVER_SOFTWARE": "granian (pymacaron front)",
            "wsgi.version": (1, 0), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.input_terminated": True,
        }

    # -- granian's RSGI interface ------------------------------------------------------------

    def __rsgi_init__(self, loop):
        self.loop = loop
        _drain_on_sigterm(loop)

    def __rsgi_del__(self, loop):
        """The worker stops: deliver the crash reports still queued (granian's exit would drop them),
        export the buffered spans, retire the worker's metrics."""
        from pymacaron.crash.sender import EXIT_FLUSH_SECONDS
        from pymacaron.observability import worker_stopping

        worker_stopping(EXIT_FLUSH_SECONDS)

    async def __rsgi__(self, scope, proto):
        if scope.proto != "http":
            return
        method = scope.method
        body = b""
        if method not in NO_BODY_METHODS:
            body = await self._read_body(scope, proto)
            if body is None:
                return  # answered already (413, 408, 400)
        environ = self._environ(scope, method, body)
        pool = self.health if environ["PATH_INFO"] in HEALTH_PATHS else self.pool
        loop = self.loop or asyncio.get_running_loop()
        job = Job(environ, loop.create_future(), loop)
        pool.submit(job)
        timeout = self.limits.handler_timeout
        timer = loop.call_later(timeout, self._expire, pool, job, scope) if timeout else None
        try:
            result = await job.future
        finally:
            if timer is not None:
                timer.cancel()
        status, headers, content = job.reply if result is _TIMED_OUT else result
        if not isinstance(status, int):
            status = int(status[:3])
        try:
            if isinstance(content, bytes):
                proto.response_bytes(status, headers, content)
            else:
                await self._stream(proto, status, headers, content)
        except Exception as e:  # the client went away
            log.debug("pymacaron: could not answer %s %s: %s", method, scope.path, e)

    # -- request body ------------------------------------------------------------------------

    async def _read_body(self, scope, proto):
        headers = scope.headers
        limit = self.limits.max_body_size
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit() or len(length) > 18:
                return self._refuse(scope, proto, MalformedRequestError(
                    f"Content-Length must be a number of bytes, got {length[:40]!r}"))
            if limit is not None and int(length) > limit:
                return self._refuse(scope, proto, _too_large(limit))
            if length == "0":
                return b""
        elif headers.get("transfer-encoding") is None:
            return b""  # no body announced
        timeout = self.limits.body_timeout
        try:
            if length is not None or limit is None:  # hyper never reads past a Content-Length
                read = proto()  # a future: cancelled at the deadline (which closes the connection)
                if not timeout:
                    return await read
                late = _Deadline(read)
                timer = (self.loop or asyncio.get_running_loop()).call_later(timeout, late.expire)
                try:
                    return await read
                except asyncio.CancelledError:
                    if not late.passed:
                        raise
                    raise asyncio.TimeoutError from None
                finally:
                    timer.cancel()
            if timeout is None:
                return await _collect_chunked(proto, limit)
            return await asyncio.wait_for(_collect_chunked(proto, limit), timeout)
        except _TooLarge:
            return self._refuse(scope, proto, _too_large(limit))
        except asyncio.TimeoutError:
            return self._refuse(scope, proto, RequestTimeoutError(
                f"The request body did not arrive within {timeout:g} seconds (body_timeout in pym-config)"))
        except Exception as e:  # the client went away, or sent a broken chunked body
            log.debug("pymacaron: cannot read the body of %s %s: %s", scope.method, scope.path, e)
            return self._refuse(scope, proto, MalformedRequestError("The request body could not be read whole"))

    def _refuse(self, scope, proto, exc):
        from pymacaron.http import standalone_error

        status, headers, body = standalone_error(self.app, exc, scope.headers.get("origin"))
        headers.append(("Connection", "close"))
        try:
            proto.response_bytes(status, headers, body)
        except Exception:
            pass
        return None

    # -- handlers ----------------------------------------------------------------------------

    def _expire(self, pool, job, scope):
        """On the loop, at the deadline: answer 504 now, report where the handler is stuck."""
        if job.future.done():
            return
        from pymacaron.exceptions import HandlerTimeoutError
        from pymacaron.http import standalone_error

        state = pool.expire(job)
        if state == "done":
            return  # it answered just in time: its result is on its way
        timeout = self.limits.handler_timeout
        message = (f"The request waited {timeout:g} seconds for a free handler (handler_timeout in pym-config)"
                   if state == "queued" else
                   f"The handler did not answer within {timeout:g} seconds (handler_timeout in pym-config)")
        job.reply = standalone_error(self.app, HandlerTimeoutError(message), scope.headers.get("origin"))
        job.future.set_result(_TIMED_OUT)
        try:
            _report_timeout(scope, job.thread if state == "running" else None, job.reply, timeout)
        except Exception as e:
            log.error("pymacaron: could not report a handler timeout: %s", e)

    async def _stream(self, proto, status, headers, iterable):
        loop = asyncio.get_running_loop()
        transport = proto.response_stream(status, headers)
        iterator = iter(iterable)
        try:
            while True:
                chunk = await loop.run_in_executor(None, next, iterator, _END)
                if chunk is _END:
                    break
                if chunk:
                    await transport.send_bytes(chunk)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                await loop.run_in_executor(None, close)

    # -- WSGI environ --------------------------------------------------------------------------

    def _environ(self, scope, method, body):
        environ = self._base.copy()
        path = scope.path
        if not path.isascii():  # PEP 3333: the bytes of the path, as latin-1
            path = path.encode("utf-8", "surrogateescape").decode("latin-1")
        server, _, port = scope.server.rpartition(":")
        environ["REQUEST_METHOD"] = method
        environ["PATH_INFO"] = path
        environ["QUERY_STRING"] = scope.query_string
        environ["SERVER_NAME"] = server.strip("[]")
        environ["SERVER_PORT"] = port
        environ["REMOTE_ADDR"] = scope.client.rpartition(":")[0].strip("[]")
        environ["SERVER_PROTOCOL"] = f"HTTP/{scope.http_version}"
        environ["wsgi.url_scheme"] = scope.scheme
        names = self._names
        for key, value in scope.headers.items():
            name = names.get(key)
            if name is None:
                name = _wsgi_name(key)
                if len(names) < MAX_HEADER_NAMES:
                    names[key] = name
            if name is None:
                continue
            if name in environ:  # a header given twice: one line, as WSGI servers do
                environ[name] += ("; " if name == "HTTP_COOKIE" else ", ") + value
            else:
                environ[name] = value
        if body:
            environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input"] = BytesIO(body)
        return environ


def call_wsgi(app: Flask | WSGIApplication, wsgi: WSGIApplication, environ: dict[str, Any]) -> WsgiResult:
    """In a pool thread: the WSGI call -> (status, headers, bytes, or an iterable to stream).

    ``app`` is the Flask app (for the Error JSON of a failure around it), ``wsgi`` what to call.
    """
    box: list[Any] = []

    def start_response(status, headers, exc_info=None):
        box[:] = [status, headers]
        return _no_write

    try:
        result = wsgi(environ, start_response)
        if isinstance(result, list):
            content = b"".join(result)
        else:
            _, headers = box
            if environ["REQUEST_METHOD"] != "HEAD" and not any(k.lower() == "content-length" for k, _ in headers):
                return box[0], headers, result  # streamed, chunk by chunk
            try:
                content = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        status, headers = box
        return status, headers, content
    except BaseException as e:  # Flask answers errors itself: this is a failure around it
        log.exception("pymacaron: the WSGI app failed on %s %s", environ.get("REQUEST_METHOD"),
                      environ.get("PATH_INFO"))
        from pymacaron.exceptions import exception_to_error
        from pymacaron.http import standalone_error

        return standalone_error(app, exception_to_error(e), environ.get("HTTP_ORIGIN"))


def _wsgi_name(key):
    if key == "content-type":
        return "CONTENT_TYPE"
    if key in ("content-length", "transfer-encoding"):
        return None  # the body is read whole: its length is set from it
    return "HTTP_" + key.upper().replace("-", "_")


def _no_write(data):
    raise RuntimeError("pymacaron's front does not support WSGI's write(): return the body instead")


class _Deadline:
    __slots__ = ("read", "passed")

    def __init__(self, read):
        self.read = read
        self.passed = False

    def expire(self):
        self.passed = True
        self.read.cancel()


class _TooLarge(Exception):
    pass


async def _collect_chunked(proto, limit):
    """A chunked body, refused (_TooLarge) as soon as it passes ``limit`` bytes."""
    chunks, size = [], 0
    async for chunk in proto:
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit):
    from pymacaron.exceptions import RequestTooLargeError

    return RequestTooLargeError(f"The request body is larger than {limit} bytes (max_body_size in pym-config)")


def _report_timeout(scope, thread, reply, timeout):
    """A FATAL report for a 504: the request, and the stack of the thread stuck in the handler."""
    import json

    from pymacaron.crash.reporting import reporting_enabled, send_report

    if not reporting_enabled():
        log.error("pymacaron: %s %s: the handler exceeded handler_timeout (%gs)", scope.method, scope.path, timeout)
        return
    status, _, body = reply
    error = json.loads(body)
    frame = sys._current_frames().get(thread) if thread is not None else None
    # on the loop: no source line is read now (the sender thread formats the report)
    stack = traceback.StackSummary.extract(traceback.walk_stack(frame), limit=30, lookup_lines=False) \
        if frame is not None else None
    if stack is not None:
        stack.reverse()
    where = f"{scope.method} {scope.path}"
    data = {
        "error_id": error.get("error_id", ""),
        "response": {"status": str(status), "is_error": 1, "error_code": error.get("error", ""),
                     "error_description": error.get("error_description", ""), "user_message": ""},
        "endpoint": {"id": where, "method": scope.method, "path": scope.path},
        "user": {"id": "", "is_auth": 0, "ip": scope.client.rpartition(":")[0].strip("[]")},
        "function": "",
        "stack": stack if stack is not None else traceback.StackSummary(),
    }
    title = (f"{where}: the handler exceeded handler_timeout ({timeout:g} s)" if thread is not None else
             f"{where}: no handler was free within handler_timeout ({timeout:g} s)")
    send_report(title, data, is_fatal=True)

"""Failure messages that show what happened: the request, the status and the body.

    expected status 200, got 500
      request:  GET http://127.0.0.1:8080/hello  (Authorization: <hidden>)
      response: 500 INTERNAL SERVER ERROR  (application/json)
      {
          "error": "UNHANDLED_SERVER_ERROR",
          ...
      }

The Authorization header is never shown, only whether one was sent.
"""

from __future__ import annotations

from pymacaron_unit._http import HIDDEN, pretty_body

BODY_LIMIT = 4000
REQUEST_BODY_LIMIT = 1000


def _indent(text, prefix="  "):
    return "\n".join(prefix + line for line in text.splitlines())


def request_line(request):
    line = f"{request.method} {request.url}"
    if request.headers.get("Authorization"):
        line += f"  (Authorization: {HIDDEN})"
    return line


def request_body(request):
    body = request.body
    if not body:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if len(body) > REQUEST_BODY_LIMIT:
        body = f"{body[:REQUEST_BODY_LIMIT]} ... ({len(body) - REQUEST_BODY_LIMIT} more characters)"
    return body


def describe(response):
    """The request and the response, as indented lines under a failure's first line."""
    req = response.request
    lines = [f"request:  {request_line(req)}"]
    sent = request_body(req)
    if sent:
        lines.append(f"          body: {sent}")
    ctype = response.headers.get("Content-Type") or "no Content-Type"
    lines.append(f"response: {response.status_code} {response.reason or ''}".rstrip() + f"  ({ctype})")
    body = pretty_body(response, limit=BODY_LIMIT)
    lines.append(_indent(body, "") if body else "(empty body)")
    return _indent("\n".join(lines))


def failure(summary, response):
    """``summary`` followed by the request and the response."""
    return f"{summary}\n{describe(response)}"

"""Flask's cookie session, without its per-request cost when no cookie is sent.

``API.start()`` gives the app a secret key, so Flask's default session
interface built a signing serializer on every request, cookie or not: about a
seventh of a small endpoint's time. API calls rarely carry cookies; for them
:class:`LightSessionInterface` returns the same empty session at once, and
skips saving a session nobody touched. With a cookie, Flask's own code runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

if TYPE_CHECKING:
    from flask import Flask, Request, Response
    from flask.sessions import SessionMixin


class LightSessionInterface(SecureCookieSessionInterface):
    """Flask's ``SecureCookieSessionInterface`` with a fast path for cookie-less requests."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The request's session: a new empty one at once when no cookie was sent (None without a secret key)."""
        if not request.environ.get("HTTP_COOKIE"):
            # what the parent returns when the session cookie is missing
            return self.session_class() if app.secret_key else None
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Set the session cookie as Flask does, unless the session is empty and was never read or changed."""
        if not session and not session.modified and not session.accessed:
            return  # the parent would set no cookie and no Vary header either
        super().save_session(app, session, response)


def install(app: Flask) -> None:
    """Use :class:`LightSessionInterface` unless the app has its own session interface."""
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = LightSessionInterface()

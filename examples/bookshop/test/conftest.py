"""Fixtures of bookshop's unit tests: the service's real app, in-process.

``import server`` builds the app exactly as production does (``letsgo`` only serves HTTP
when server.py is run as a script), so these tests go through the real spec, the real
handlers and the real configuration, without opening a port.
"""

import os
import secrets

import pytest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The service refuses to start without its JWT secret: unit tests use a random throwaway one.
os.environ.setdefault("PYM_JWT_SECRET", secrets.token_urlsafe(32))
os.environ.setdefault("PYM_CONFIG", HERE)


@pytest.fixture(scope="session")
def app():
    import server

    return server.app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth_header():
    """An Authorization header with a valid token for user 'unit-test'."""
    from pymacaron.auth import generate_token

    return {"Authorization": "Bearer %s" % generate_token("unit-test")}

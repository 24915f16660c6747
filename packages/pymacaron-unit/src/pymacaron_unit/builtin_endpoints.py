"""Assertions on the endpoints every PyMacaron service serves: /ping, /version, /auth/version.

Mixed into ``pymacaron.test.PyMacaronTestCase`` (SPEC P43) and into the pytest client; they need
``ApiAssertions`` and a ``token`` attribute (the JWT, without "Bearer ") for /auth/version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

VERSION_KEYS = ("version", "name", "container", "pym_env")

# (Authorization header, expected error): every one must be refused with a 401 (SPEC P43)
BAD_AUTHORIZATIONS = (
    (None, "AUTHORIZATION_HEADER_MISSING"),
    ("Bearer1234567890", "TOKEN_INVALID"),
    ("bearer foo bar", "TOKEN_INVALID"),
    ("Bearer 1234567890", "TOKEN_INVALID"),
)


if TYPE_CHECKING:  # a mixin of ApiAssertions: its methods are there at run time
    from pymacaron_unit.assertions import ApiAssertions as _Mixed
else:
    _Mixed = object


class BuiltinEndpointsAssertions(_Mixed):
    """assertHasPing, assertHasVersion, assertHasAuthVersion, assertIsVersion."""

    token: str | None = None

    def assertIsVersion(self, j: Any) -> None:
        """``j`` is a Version: ``version``, ``name``, ``container`` and ``pym_env`` are all strings."""
        __tracebackhide__ = True
        if not isinstance(j, dict):
            self._fail(f"expected a Version JSON object, got {j!r}")
        wrong = [f"{k!r} is {j[k]!r}" if k in j else f"{k!r} is missing" for k in VERSION_KEYS
                 if not isinstance(j.get(k), str)]
        if wrong:
            self._fail(f"not a Version ({', '.join(VERSION_KEYS)} must be strings): {'; '.join(wrong)}\n  got: {j!r}")

    def assertHasPing(self) -> Any:
        """GET ping returns 200 and ``{}``."""
        __tracebackhide__ = True
        return self.assertGetReturnOk("ping")

    def assertHasVersion(self, verify_ssl: bool = True) -> Any:
        """GET version returns a Version."""
        __tracebackhide__ = True
        j = self.assertGetReturnJson("version", verify_ssl=verify_ssl)
        self.assertIsVersion(j)
        return j

    def assertHasAuthVersion(self, verify_ssl: bool = True) -> Any:
        """GET auth/version refuses missing and malformed tokens (401), and accepts ``self.token``."""
        __tracebackhide__ = True
        for auth, error in BAD_AUTHORIZATIONS:
            self.assertGetReturnError("auth/version", 401, error, auth=auth, verify_ssl=verify_ssl)
        if not self.token:
            self._fail("assertHasAuthVersion needs a valid JWT in PYM_JWT_TOKEN (none is set): run the tests "
                       "with 'pymacaron test --gen-token', or export PYM_JWT_TOKEN")
        j = self.assertGetReturnJson("auth/version", auth=f"Bearer {self.token}", verify_ssl=verify_ssl)
        self.assertIsVersion(j)
        return j

"""Our format checkers accept exactly what jsonschema's FormatChecker accepts (the checker bravado-core uses).

Curated edge cases plus random strings (hypothesis), format by format.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import FormatChecker

from pymacaron_core.schema.checkers import CHECKERS

EDGES = [
    "", " ", "a", "@", "a@b", "a@b.c", "2020-01-02", "2020-1-2", "2020-02-30", "2020-13-01", "0000-01-01",
    "2020-01-02T03:04:05Z", "2020-01-02t03:04:05z", "2020-01-02T03:04:05+01:00", "2020-01-02T03:04:05.123456Z",
    "2020-01-02 03:04:05Z", "2020-01-02T25:04:05Z", "2020-01-02T03:04:60Z", "127.0.0.1", "256.0.0.1", "1.2.3",
    "01.2.3.4", "::1", "fe80::1%eth0", "2001:db8::", "1::2::3", "example.com", "-example.com", "a" * 64 + ".com",
    "exa_mple.com", "localhost", "http://x.org/a?b#c", "x:y", "//x.org", "/relative", "a b", "urn:isbn:123",
    "12345678-1234-1234-1234-123456789abc", "12345678123412341234123456789abc", "{12345678-1234-1234-1234-123456789abc}",
    "[a-z]+", "(", "a{2,", "\\d", "é@ü.de", "2020-01-02\n",
]


@pytest.mark.parametrize("fmt", sorted(CHECKERS))
def test_edges_match_jsonschema(fmt):
    reference = FormatChecker()
    assert fmt in reference.checkers, f"jsonschema does not check {fmt!r} here: its optional dependency is missing"
    for value in EDGES:
        assert bool(CHECKERS[fmt](value)) == reference.conforms(value, fmt), (fmt, value)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(CHECKERS)), st.text(max_size=40) | st.sampled_from(EDGES).flatmap(
    lambda e: st.builds(lambda a, b: a + e + b, st.text(max_size=2), st.text(max_size=2))))
def test_random_strings_match_jsonschema(fmt, value):
    assert bool(CHECKERS[fmt](value)) == FormatChecker().conforms(value, fmt), (fmt, value)

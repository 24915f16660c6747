"""Flask URL rules whose URL builders are compiled the first time ``url_for`` needs them.

For each rule, werkzeug writes and compiles two Python functions that build its URL
(``url_for``), with :mod:`ast` and ``compile()``, as the rule is added: about 0.9 ms a
rule, 0.17 s for a spec of 200 operations, at every start. Matching a
request never uses them, and a JSON API rarely builds its own URLs. A
:class:`LazyBuilderRule` compiles each builder on its first call instead, with the
same result (tests compare every kind of converter with werkzeug's own rules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule

if TYPE_CHECKING:
    from flask import Flask


class LazyBuilderRule(Rule):
    """A werkzeug :class:`~werkzeug.routing.Rule` that compiles its URL builders on first use."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        eager = super()._compile_builder
        compiled: list[Callable[..., tuple[str, str]]] = []

        def build(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            if not compiled:  # two threads may both compile it: the same function, harmless
                compiled.append(eager(append_unknown))
            return compiled[0](rule, *args, **kwargs)

        return build


@contextmanager
def lazy_url_builders(app: Flask) -> Iterator[None]:
    """Within the block, ``app.add_url_rule`` makes :class:`LazyBuilderRule` rules.

    Only when the app uses werkzeug's own rule class (an app with its own keeps it) and
    werkzeug still compiles builders the way this module expects; else nothing changes.
    """
    if app.url_rule_class is not Rule or not callable(getattr(Rule, "_compile_builder", None)):
        yield
        return
    own = "url_rule_class" in vars(app)
    app.url_rule_class = LazyBuilderRule
    try:
        yield
    finally:
        if own:
            app.url_rule_class = Rule
        else:
            del app.url_rule_class

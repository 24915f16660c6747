"""Behaviour for the models of apis/helloworld.yaml.

The spec's ``Question`` definition says ``x-parent: helloworld.models.Question``: the model
class PyMacaron generates from it inherits from the class below, so every Question the
service receives (or builds) has these methods, next to its ``question`` attribute.

This module is imported while the spec loads: it must not import ``pymacaron.models``.
"""


class Question:
    """Mixed into the generated ``Question`` model."""

    def asked(self):
        """The question, with surrounding whitespace removed."""
        return (self.question or "").strip()

    def answer(self):
        """What the service replies to this question."""
        return "You said: %s" % self.asked()

"""helloworld.models: the behaviour mixed into the spec's Question model (x-parent)."""

import helloworld.models


class PlainQuestion(helloworld.models.Question):
    """The mixin alone, without PyMacaron."""

    def __init__(self, question):
        self.question = question


def test_answer_echoes_the_question():
    assert PlainQuestion("hello?").answer() == "You said: hello?"


def test_answer_strips_surrounding_whitespace():
    assert PlainQuestion("  why?\n").asked() == "why?"
    assert PlainQuestion("  why?\n").answer() == "You said: why?"


def test_the_generated_model_inherits_the_mixin(app):
    from pymacaron.models import Question

    q = Question(question="is it a model?")
    assert isinstance(q, helloworld.models.Question)
    assert q.answer() == "You said: is it a model?"
    assert q.to_json() == {"question": "is it a model?"}


def test_a_model_built_from_json_has_the_methods_too(app):
    from pymacaron.models import Question

    q = Question.from_json({"question": " json "})
    assert q.answer() == "You said: json"

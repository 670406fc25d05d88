"""Diagram expressions run in our own environment, never plain eval with builtins."""

import pytest

from workflows import expressions
from workflows.engine.scripting import SafeEnvironment


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "().__class__.__bases__[0].__subclasses__()",
        "review.__class__",
        "open('/etc/passwd').read()",
        "eval('1+1')",
        "exec('x=1')",
        "getattr(review, 'decision')",
        "globals()",
        "__builtins__",
        "_private",
        "[x for x in range(3)]",
        "(lambda: 1)()",
        "len(**{'a': 1})",
        "2 ** 1000000000",
    ],
)
def test_dangerous_expressions_are_refused(expression):
    with pytest.raises(expressions.ExpressionRefused):
        expressions.evaluate(expression, {"review": {"decision": "approve"}})


def test_builtins_are_not_reachable_even_by_name():
    with pytest.raises(NameError):
        expressions.evaluate("print", {})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('review["decision"] == "approve"', True),
        ('review["decision"] == "return" or count > 2', True),
        ("count + 1 if count else 0", 4),
        ("len(items)", 2),
        ('deadlines["remind_at"]', "2026-11-25T09:00:00+07:00"),
    ],
)
def test_conditions_diagrams_use_still_work(expression, expected):
    data = {"review": {"decision": "approve"}, "count": 3, "items": [1, 2],
            "deadlines": {"remind_at": "2026-11-25T09:00:00+07:00"}}
    assert expressions.evaluate(expression, data) == expected


def test_scripts_are_refused_by_the_engine_environment():
    environment = SafeEnvironment()
    with pytest.raises(expressions.ExpressionRefused):
        environment.execute("import os", {})
    with pytest.raises(expressions.ExpressionRefused):
        environment.evaluate("__import__('os')", {})

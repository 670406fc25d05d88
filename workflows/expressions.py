"""The only expression language diagrams may use.

SpiffWorkflow's default environment hands expressions to ``eval``/``exec`` with
full builtins, so any diagram could run arbitrary Python. Here an expression is
parsed first and only an allow-list of syntax passes: names, literals,
comparisons, boolean and arithmetic operators, subscripts, conditional
expressions and calls of registered functions. No attribute access (so no
dunders), no builtins, no scripts.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from typing import Any, Callable

MAX_EXPRESSION_LENGTH = 2000


class ExpressionRefused(ValueError):
    """The expression uses something outside the allow-list."""


_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod,
    ast.FloorDiv, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE,
    ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.Name, ast.Load, ast.Constant, ast.Subscript,
    ast.Slice, ast.List, ast.Tuple, ast.Dict, ast.IfExp, ast.Call,
)

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "str": str,
    "int": int,
    "bool": bool,
}


def expression_function(name: str):
    """Make a plain function callable from diagram expressions."""

    def register(func):
        FUNCTIONS[name] = func
        return func

    return register


@lru_cache(maxsize=1024)
def compile_expression(expression: str):
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ExpressionRefused("expression is too long")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionRefused(f"not a valid expression: {exc.msg}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionRefused(f"{type(node).__name__} is not allowed in expressions")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionRefused(f"name {node.id!r} is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise ExpressionRefused("only registered functions may be called")
            if any(kw.arg is None for kw in node.keywords):
                raise ExpressionRefused("**kwargs is not allowed")
    return compile(tree, "<expression>", "eval")


def evaluate(expression: str, data: dict[str, Any], extra: dict[str, Any] | None = None) -> Any:
    code = compile_expression(expression)
    names = {**FUNCTIONS, **(extra or {}), **data}
    return eval(code, {"__builtins__": {}}, names)  # noqa: S307 - the tree was checked above

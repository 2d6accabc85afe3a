"""Jinja2's sandbox for the templates marketing writes, with nothing evaluated at compile time.

Jinja2 folds constant expressions while it compiles (`{{ 'x' * 10**9 }}` is computed once
then, to save the work at render time), and filters with constant arguments are called then
too. The registry compiles every template it validates, so a thirty-character template made
it compute for seconds and hold gigabytes. Here only literal text is folded: compiling costs
time in the size of the source alone, and every expression runs at render time, where the
renderer's budgets hold (plumbing/templates/renderer.py, decision 0018).

The operators that make large values out of small ones (`*`, `**`, `+`) are checked before
they run, so that the usual ways of blowing a template up fail at once with a reason that
says so, instead of by running out of time or memory in the renderer.
"""

from typing import Any, TextIO

from jinja2 import Environment, meta, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

MAX_VALUE_LENGTH = 1_000_000
"""The longest string or list an operator may make: no message may be longer anyway."""

MAX_INTEGER_BITS = 10_000
"""About 3 000 digits, below Python's limit on printing an integer (4 300 digits)."""


class ValueTooLarge(SecurityError):
    """An operator in a template would make a value beyond the limits above."""


class _LiteralTextOnly(CodeGenerator):
    """Jinja2's compiler without its optimizer (which folds constants, filters included), and
    whose only output computed in advance is the literal text."""

    def __init__(
        self,
        environment: Environment,
        name: str | None,
        filename: str | None,
        stream: TextIO | None = None,
        defer_init: bool = False,
        optimized: bool = False,
    ) -> None:
        super().__init__(environment, name, filename, stream, defer_init, optimized=False)

    def _output_child_to_const(self, node: nodes.Expr, frame: Frame, finalize: Any) -> str:
        if not isinstance(node, nodes.TemplateData):
            raise nodes.Impossible()
        return super()._output_child_to_const(node, frame, finalize)


class _Tracking(meta.TrackingCodeGenerator, _LiteralTextOnly):
    """`jinja2.meta`'s variable finder on the compiler above (`meta`'s own folds constants)."""


def undeclared_variables(tree: nodes.Template) -> set[str]:
    """The names a parsed template reads from its context, like
    `jinja2.meta.find_undeclared_variables`, without evaluating any of its expressions."""
    # The parser hands every template it makes the environment it parsed with.
    assert tree.environment is not None
    generator = _Tracking(tree.environment)
    generator.visit(tree)
    return generator.undeclared_identifiers


class TemplateSandbox(SandboxedEnvironment):
    """The sandbox, compiling with the compiler above, with `*`, `**` and `+` checked
    before they run."""

    code_generator_class = _LiteralTextOnly
    intercepted_binops = frozenset({"*", "**", "+"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            _check_power(left, right)
        elif operator == "*":
            _check_product(left, right)
        else:
            _check_sum(left, right)
        return super().call_binop(context, operator, left, right)


def _check_power(base: Any, exponent: Any) -> None:
    if (
        _integer(base)
        and _integer(exponent)
        and abs(base) > 1
        and exponent * abs(base).bit_length() > MAX_INTEGER_BITS
    ):
        raise ValueTooLarge("the power is too large a number")


def _check_product(left: Any, right: Any) -> None:
    if _integer(left) and _integer(right):
        if abs(left).bit_length() + abs(right).bit_length() > MAX_INTEGER_BITS:
            raise ValueTooLarge("the product is too large a number")
        return
    for sequence, times in ((left, right), (right, left)):
        if _sized(sequence) and _integer(times) and len(sequence) * times > MAX_VALUE_LENGTH:
            raise ValueTooLarge(
                f"repeating a value {times} times makes it longer than {MAX_VALUE_LENGTH:,}"
            )


def _check_sum(left: Any, right: Any) -> None:
    if _sized(left) and _sized(right) and len(left) + len(right) > MAX_VALUE_LENGTH:
        raise ValueTooLarge(f"joining these values makes one longer than {MAX_VALUE_LENGTH:,}")


def _integer(value: Any) -> bool:
    return isinstance(value, int)


def _sized(value: Any) -> bool:
    return isinstance(value, str | list | tuple)

"""Functions typed by the user: a small, strict parser that builds the sympy tree itself.

Turning a parsed expression into an objective is :mod:`gdviz.custom`.

Nothing the user types is ever handed to Python or to sympy's own parser (both run
code). The text is tokenised against a whitelist and parsed by recursive descent::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary | implicit)*      # implicit: 2x, x y, 3(x+1), 2 sin(x)
    unary   := ("+" | "-") unary | power
    power   := primary (("^" | "**") unary)?              # right-associative: 2^3^2 = 2^9
    primary := number | x | y | pi | e | func "(" expr ")" | "(" expr ")"

Decisions: implicit multiplication has the same precedence as ``*`` (so ``1/2x`` is x/2
and ``x^2y`` is x²·y); a number may not follow implicitly (``x 2`` and ``(x)2`` are
refused); names are whole words (``xy`` is refused, write ``x y``). ``−`` ``×`` ``·``
``÷`` ``π`` ``²`` ``³`` are accepted; other non-ASCII letters (Cyrillic ``х``) are refused.
Integers are exact, decimals are floats. Every constant sub-expression is also computed
as a float on the side, so huge numbers are refused before sympy ever builds them.

Example:
    >>> parse_expression("2x^2 + sin(y)")
    2*x**2 + sin(y)
"""

from __future__ import annotations

import builtins
import dataclasses
import keyword
import math
import re
import unicodedata
from collections.abc import Callable, Mapping

import sympy as sp

from .symbols import X, Y

MAX_LENGTH = 200  #: characters of input
MAX_NODES = 100  #: numbers, names, operators and calls
MAX_DEPTH = 20  #: nesting of brackets, calls, signs and exponents
MAX_EXPONENT = 100  #: largest |numeric exponent|
MAX_NUMBER = 1e15  #: largest |constant|, typed or computed
MAX_LAYERS = 6  #: functions applied to functions (and powers with x or y in the exponent)
MAX_GRADIENT_SIZE = 400  #: nodes in the gradient's tree; compile time grows with it
_EXACT_DIGITS = 300  # larger exact constant powers are kept as floats


class ExpressionError(ValueError):
    """The typed function cannot be used; the message says why, in the user's terms.

    ``position`` is the 0-based index of the offending character, when there is one
    (the message counts from 1).
    """

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.message = message
        self.position = position


def _sigmoid(u):
    return 1 / (1 + sp.exp(-u))


class _Sign(sp.Function):
    """sign(u) with derivative 0 (numpy cannot evaluate sympy's DiracDelta)."""

    def fdiff(self, argindex=1):
        return sp.S.Zero

    def _numpycode(self, printer):
        return f"{printer._module_format('numpy.sign')}({printer._print(self.args[0])})"


class _Abs(sp.Function):
    """|u| whose derivative is _Sign(u), so the Hessian compiles to plain numpy."""

    def fdiff(self, argindex=1):
        return _Sign(self.args[0])

    def _numpycode(self, printer):
        return f"{printer._module_format('numpy.abs')}({printer._print(self.args[0])})"


@dataclasses.dataclass(frozen=True)
class FunctionSpec:
    """One function the parser accepts, with all that gdviz needs to know about it.

    - ``build``: the sympy tree of name(u).
    - ``value``: name(v) for a float v; constant arguments are folded (and checked) with it.
    - ``torch``: each sympy function ``build`` leaves in the tree, written over torch with
      ``u`` for its argument. Empty when sympy writes the function with other entries'
      (log10(u) is log(u)/log(10), sigmoid(u) is 1/(1 + exp(-u)), sqrt(u) a power).
    - ``argument``: keeps name(argument) defined on [-5, 5]; the tests type it on every page.
    - ``aliases``: other names for it.
    - ``compiled``: sympy functions swapped, before compiling, for ones whose derivatives
      numpy can evaluate (Abs → _Abs, whose derivative is _Sign); those are in ``torch`` too.
    - ``layers``: the levels of functions inside functions it counts for (:data:`MAX_LAYERS`).

    >>> FUNCTIONS["arcsin"].name, FUNCTIONS["sec"].torch[sp.sec]
    ('asin', '1 / torch.cos(u)')
    """

    name: str
    build: Callable[[sp.Expr], sp.Expr]
    value: Callable[[float], float]
    torch: Mapping[type, str]
    argument: str = "x"
    aliases: tuple[str, ...] = ()
    compiled: Mapping[type, type] = dataclasses.field(default_factory=dict)
    layers: int = 1

    @property
    def names(self) -> tuple[str, ...]:
        """The name and its aliases."""
        return (self.name, *self.aliases)


_F = FunctionSpec
# name, sympy tree, float value, torch text, an argument defined on [-5, 5], ...
_TABLE = (
    _F("sin", sp.sin, math.sin, {sp.sin: "torch.sin(u)"}),
    _F("cos", sp.cos, math.cos, {sp.cos: "torch.cos(u)"}),
    _F("tan", sp.tan, math.tan, {sp.tan: "torch.tan(u)"}, "x/4"),
    _F("sec", sp.sec, lambda v: 1 / math.cos(v), {sp.sec: "1 / torch.cos(u)"}, "x/4"),
    _F("csc", sp.csc, lambda v: 1 / math.sin(v), {sp.csc: "1 / torch.sin(u)"}, "x/4 + 1.5"),
    _F("cot", sp.cot, lambda v: 1 / math.tan(v), {sp.cot: "1 / torch.tan(u)"}, "x/4 + 1.5"),
    _F("asin", sp.asin, math.asin, {sp.asin: "torch.asin(u)"}, "x/6", aliases=("arcsin",)),
    _F("acos", sp.acos, math.acos, {sp.acos: "torch.acos(u)"}, "x/6", aliases=("arccos",)),
    _F("atan", sp.atan, math.atan, {sp.atan: "torch.atan(u)"}, aliases=("arctan",)),
    _F("sinh", sp.sinh, math.sinh, {sp.sinh: "torch.sinh(u)"}, "x/3"),
    _F("cosh", sp.cosh, math.cosh, {sp.cosh: "torch.cosh(u)"}, "x/3"),
    _F("tanh", sp.tanh, math.tanh, {sp.tanh: "torch.tanh(u)"}),
    _F("exp", sp.exp, math.exp, {sp.exp: "torch.exp(u)"}, "x/3"),
    _F("log", sp.log, math.log, {sp.log: "torch.log(u)"}, "x^2 + 1", aliases=("ln",)),
    _F("log10", lambda u: sp.log(u, 10), math.log10, {}, "x^2 + 1"),
    _F("log2", lambda u: sp.log(u, 2), math.log2, {}, "x^2 + 1"),
    _F("sqrt", sp.sqrt, math.sqrt, {}, "x^2 + 1"),
    _F(
        "abs",
        sp.Abs,
        abs,
        {sp.Abs: "torch.abs(u)", _Abs: "torch.abs(u)", _Sign: "torch.sign(u)"},
        "x - 1",
        compiled={sp.Abs: _Abs},
    ),
    _F("sigmoid", _sigmoid, lambda v: 1 / (1 + math.exp(-v)), {}, layers=2),
)

#: Every accepted name (aliases included) -> its :class:`FunctionSpec`: the one registry.
FUNCTIONS = {name: entry for entry in _TABLE for name in entry.names}


def function_names() -> str:
    """The accepted names as the help and the README list them: "sin, …, log/ln, …"."""
    return ", ".join("/".join(entry.names) for entry in _TABLE)


VARIABLES = {"x": X, "y": Y}
CONSTANTS = {"pi": (sp.pi, math.pi), "e": (sp.E, math.e)}
_FORBIDDEN = set(keyword.kwlist) | set(dir(builtins)) | {"os", "sys", "subprocess"}

# characters friendlier than ASCII, mapped to the token they mean
_UNICODE_OPS = {"−": "-", "–": "-", "×": "*", "·": "*", "⋅": "*", "∗": "*", "÷": "/"}
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SYMBOL_HINTS = {
    "=": "`=` is not allowed: type an expression such as x^2 + y^2, not an equation",
    "[": "`[` is not allowed: use ( ) for grouping",
    "]": "`]` is not allowed: use ( ) for grouping",
    "{": "`{` is not allowed: use ( ) for grouping",
    "}": "`}` is not allowed: use ( ) for grouping",
    "'": "quotes are not allowed",
    '"': "quotes are not allowed",
    ".": "`.` is only allowed inside a number such as 2.5",
    ":": "`:` is not allowed",
}


@dataclasses.dataclass(frozen=True)
class _Token:
    kind: str  # num, var, const, func, op, "(", ")", ","
    text: str
    pos: int


def _char_name(c: str) -> str:
    return unicodedata.name(c, f"U+{ord(c):04X}")


def _tokenize(text: str) -> list[_Token]:
    tokens, i = [], 0
    while i < len(text):
        c = text[i]
        category = unicodedata.category(c)
        if category == "Cc" and c not in "\t\n\r":
            raise ExpressionError(
                f"control character U+{ord(c):04X} at position {i + 1} is not allowed", i
            )
        if category in ("Cf", "Cs", "Co", "Cn"):
            raise ExpressionError(
                f"invisible or unknown character U+{ord(c):04X} at position {i + 1} is not allowed",
                i,
            )
        if c.isspace():
            i += 1
            continue
        if text.startswith("**", i):
            tokens.append(_Token("op", "^", i))
            i += 2
            continue
        if c in "+-*/^":
            tokens.append(_Token("op", c, i))
        elif c in _UNICODE_OPS:
            tokens.append(_Token("op", _UNICODE_OPS[c], i))
        elif c in "²³":
            tokens += [_Token("op", "^", i), _Token("num", "2" if c == "²" else "3", i)]
        elif c == "π":
            tokens.append(_Token("const", "pi", i))
        elif c in "(),":
            tokens.append(_Token(c, c, i))
        elif match := _NUMBER.match(text, i):
            tokens.append(_Token("num", match.group(), i))
            i = match.end()
            continue
        elif match := _NAME.match(text, i):
            tokens.append(_name_token(match.group(), i))
            i = match.end()
            continue
        elif c in _SYMBOL_HINTS:
            raise ExpressionError(f"{_SYMBOL_HINTS[c]} (position {i + 1})", i)
        elif c.isalpha() and not c.isascii():
            raise ExpressionError(
                f"`{c}` at position {i + 1} is not a plain letter ({_char_name(c)}): "
                "type x and y on a plain keyboard",
                i,
            )
        else:
            shown = c if c.isascii() else f"{c} ({_char_name(c)})"
            raise ExpressionError(f"unexpected character `{shown}` at position {i + 1}", i)
        i += 1
    return tokens


def _name_token(name: str, pos: int) -> _Token:
    if name in VARIABLES:
        return _Token("var", name, pos)
    if name in CONSTANTS:
        return _Token("const", name, pos)
    if name in FUNCTIONS:
        return _Token("func", name, pos)
    if "_" in name or name in _FORBIDDEN:
        raise ExpressionError(f"`{name}` is not allowed", pos)
    hint = "use x and y"
    if set(name) <= set("xy"):
        hint = "use x and y; write x y or x*y for a product"
    elif any(name.startswith(f) and name[len(f) :] in VARIABLES for f in FUNCTIONS):
        hint = f"did you mean {name[:-1]}({name[-1]})?"
    raise ExpressionError(f"unknown name `{name}`: {hint}", pos)


def _check_brackets(tokens: list[_Token]) -> None:
    """Balance and depth of parentheses, in one linear pass (before any recursion)."""
    stack = []
    for token in tokens:
        if token.kind == "(":
            stack.append(token.pos)
            if len(stack) > MAX_DEPTH:
                raise ExpressionError(
                    f"too deeply nested at position {token.pos + 1}: "
                    f"at most {MAX_DEPTH} levels of brackets",
                    token.pos,
                )
        elif token.kind == ")":
            if not stack:
                raise ExpressionError(
                    f"unbalanced parenthesis at position {token.pos + 1}", token.pos
                )
            stack.pop()
    if stack:
        raise ExpressionError(f"unbalanced parenthesis at position {stack[-1] + 1}", stack[-1])


@dataclasses.dataclass(frozen=True)
class _Node:
    expr: sp.Expr
    value: float | None  # the float value when constant, else None
    layers: int = 0  # composition depth: each costs a factor in the size of the Hessian


class _Parser:
    def __init__(self, tokens: list[_Token], text: str):
        self.tokens, self.text, self.i = tokens, text, 0
        self.depth = self.nodes = 0

    # -- token helpers --
    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at_op(self, *ops) -> bool:
        token = self.peek()
        return token is not None and token.kind == "op" and token.text in ops

    def count(self, pos: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(f"the expression is too long: at most {MAX_NODES} terms", pos)

    def nest(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"too deeply nested at position {pos + 1}: at most {MAX_DEPTH} levels", pos
            )

    def end_error(self, what: str) -> ExpressionError:
        return ExpressionError(f"the expression ends too early: expected {what}", len(self.text))

    # -- grammar --
    def parse(self) -> _Node:
        node = self.expr()
        token = self.peek()
        if token is not None:
            raise self.unexpected(token)
        return node

    def unexpected(self, token: _Token) -> ExpressionError:
        if token.kind == ",":
            return ExpressionError(f"unexpected `,` at position {token.pos + 1}", token.pos)
        return ExpressionError(
            f"unexpected `{token.text}` at position {token.pos + 1}: missing operator?",
            token.pos,
        )

    def expr(self) -> _Node:
        node = self.term()
        while self.at_op("+", "-"):
            op = self.take()
            self.count(op.pos)
            right = self.term()
            node = _combine(op, node, right)
        return node

    def term(self) -> _Node:
        node = self.unary()
        while True:
            token = self.peek()
            if token is not None and token.kind == "op" and token.text in "*/":
                self.take()
                self.count(token.pos)
                node = _combine(token, node, self.unary())
            elif token is not None and token.kind in ("var", "const", "func", "("):
                self.count(token.pos)  # implicit multiplication: 2x, x y, 3(x+1)
                node = _combine(_Token("op", "*", token.pos), node, self.power())
            elif token is not None and token.kind == "num":
                prev = self.tokens[self.i - 1].text
                raise ExpressionError(
                    f"missing operator between `{prev}` and `{token.text}` "
                    f"at position {token.pos + 1}: write * between them",
                    token.pos,
                )
            else:
                return node

    def unary(self) -> _Node:
        if self.at_op("+", "-"):
            op = self.take()
            self.count(op.pos)
            self.nest(op.pos)
            operand = self.unary()
            self.depth -= 1
            if op.text == "+":
                return operand
            value = None if operand.value is None else -operand.value
            return _Node(-operand.expr, value, operand.layers)
        return self.power()

    def power(self) -> _Node:
        base = self.primary()
        if self.at_op("^"):
            op = self.take()
            self.count(op.pos)
            self.nest(op.pos)
            exponent = self.unary()
            self.depth -= 1
            return _power(base, exponent, op.pos)
        return base

    def primary(self) -> _Node:
        token = self.peek()
        if token is None:
            raise self.end_error("a number, x, y or (")
        self.take()
        self.count(token.pos)
        if token.kind == "num":
            return _number(token)
        if token.kind == "var":
            return _Node(VARIABLES[token.text], None)
        if token.kind == "const":
            return _Node(*CONSTANTS[token.text])
        if token.kind == "(":
            self.nest(token.pos)
            node = self.expr()
            self.depth -= 1
            self.take()  # the ")" (balance was checked up front)
            return node
        if token.kind == "func":
            return self.call(token)
        raise self.unexpected(token)

    def call(self, func: _Token) -> _Node:
        name = func.text
        after = self.peek()
        if after is None or after.kind != "(":
            raise ExpressionError(
                f"`{name}` needs its argument in parentheses, e.g. {name}(x)", func.pos
            )
        self.take()
        if self.peek().kind == ")":
            raise ExpressionError(f"`{name}` needs one argument, e.g. {name}(x)", func.pos)
        self.nest(func.pos)
        argument = self.expr()
        self.depth -= 1
        close = self.take()
        if close.kind != ")":
            if close.kind == ",":
                raise ExpressionError(f"`{name}` takes exactly one argument", close.pos)
            raise self.unexpected(close)
        function = FUNCTIONS[name]
        value = None
        if argument.value is not None:
            try:
                value = float(function.value(argument.value))
            except (ValueError, ZeroDivisionError):
                raise ExpressionError(
                    f"`{name}` is undefined at {argument.value:g}", func.pos
                ) from None
            except OverflowError:
                value = math.inf
        layers = _layers(argument.layers + function.layers, func.pos)
        return _checked(_Node(function.build(argument.expr), value, layers), func.pos)


def _number(token: _Token) -> _Node:
    text = token.text
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise ExpressionError(
            f"the number {text} at position {token.pos + 1} is too large "
            f"(at most {MAX_NUMBER:.0e})",
            token.pos,
        )
    if text.isdigit():
        return _Node(sp.Integer(int(text)), value)
    return _Node(sp.Float(value), value)


def _checked(node: _Node, pos: int) -> _Node:
    value = node.value
    if value is not None and (not math.isfinite(value) or abs(value) > MAX_NUMBER):
        raise ExpressionError(
            f"a number in this expression is too large (at most {MAX_NUMBER:.0e}) "
            f"near position {pos + 1}",
            pos,
        )
    return node


def _layers(layers: int, pos: int) -> int:
    if layers > MAX_LAYERS:
        raise ExpressionError(
            f"too many functions inside functions at position {pos + 1}: "
            f"at most {MAX_LAYERS} levels",
            pos,
        )
    return layers


def _combine(op: _Token, left: _Node, right: _Node) -> _Node:
    a, b = left.value, right.value
    constant = a is not None and b is not None
    layers = max(left.layers, right.layers)
    if op.text == "+":
        node = _Node(left.expr + right.expr, a + b if constant else None, layers)
    elif op.text == "-":
        node = _Node(left.expr - right.expr, a - b if constant else None, layers)
    elif op.text == "*":
        node = _Node(left.expr * right.expr, a * b if constant else None, layers)
    elif b == 0:
        raise ExpressionError(f"division by zero at position {op.pos + 1}", op.pos)
    else:
        node = _Node(left.expr / right.expr, a / b if constant else None, layers)
    return _checked(node, op.pos)


def _power(base: _Node, exponent: _Node, pos: int) -> _Node:
    n = exponent.value
    if n is not None and abs(n) > MAX_EXPONENT:
        raise ExpressionError(
            f"exponent too large at position {pos + 1}: at most {MAX_EXPONENT}", pos
        )
    if n is None:  # x or y in the exponent
        if base.value is not None and base.value <= 0:
            raise ExpressionError(
                f"a zero or negative number to a power with x or y in it is not real "
                f"(position {pos + 1}): use a positive base",
                pos,
            )
        layers = _layers(max(base.layers, exponent.layers) + 1, pos)
        return _Node(sp.Pow(base.expr, exponent.expr), None, layers)
    if base.value is None:
        return _Node(sp.Pow(base.expr, exponent.expr), None, base.layers)
    b = base.value
    if b == 0 and n < 0:
        raise ExpressionError(
            f"division by zero (0 to a negative power) at position {pos + 1}", pos
        )
    try:
        value = b**n
    except OverflowError:
        value = math.inf
    if isinstance(value, complex):
        raise ExpressionError(
            f"a negative number to a fractional power is not real (position {pos + 1})", pos
        )
    node = _checked(_Node(sp.Integer(0), value), pos)
    # Exact powers of exact numbers stay exact only while small: sympy would otherwise
    # build numbers with millions of digits.
    digits = abs(n) * abs(math.log10(abs(b))) if b not in (0, 1, -1) else 0
    size = max(len(str(abs(p))) for p in (base.expr.p, base.expr.q)) if base.expr.is_Rational else 0
    if digits > 30 or size * abs(n) > _EXACT_DIGITS:
        return dataclasses.replace(node, expr=sp.Float(value))
    return dataclasses.replace(node, expr=sp.Pow(base.expr, exponent.expr))


def clean_text(text: str) -> str:
    """The typed text with surrounding and repeated whitespace removed."""
    return " ".join(text.split())


def parse_expression(text: str) -> sp.Expr:
    """Parse a typed function of x and y into a sympy expression, refusing anything else.

    Raises :class:`ExpressionError` with a message for the user.

    Example:
        >>> parse_expression("(x+1)(x-1)")
        (x - 1)*(x + 1)
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is too long: at most {MAX_LENGTH} characters")
    tokens = _tokenize(text)
    if not tokens:
        raise ExpressionError("type a function of x (and y), e.g. x^2 + y^2")
    _check_brackets(tokens)
    expr = _Parser(tokens, text).parse().expr
    if expr.has(sp.I, sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise ExpressionError("the expression is not a real number everywhere it is defined")
    return expr

"""Value: a scalar that remembers how it was computed, and reverse-mode autodiff over such scalars.

Each operation returns a new Value holding its parents (``_prev``), the local derivative with respect to each parent
(``_local``, computed in the forward pass) and the name of its backward (``_op``). ``backward`` therefore needs no
per-node closures: it walks the graph once and applies ``parent.grad += grad * local`` along every edge. Nodes only
point at their parents, so a graph holds no reference cycles and is freed by reference counting alone.

Floats follow IEEE 754 like PyTorch: ``log(0)`` is ``-inf``, ``1 / 0`` is ``inf``, ``exp(1000)`` is ``inf``, where
plain Python would raise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

_INF = math.inf
_NAN = math.nan


def _check_number(x: object) -> float:
    """Returns ``x`` as a float, or raises a TypeError naming its type."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"Value wraps an int or float, got {type(x).__name__}: {x!r}")


def _div(a: float, b: float) -> float:
    """a / b with IEEE semantics (Python raises ZeroDivisionError where C and torch give inf or nan)."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or math.isnan(a):
            return _NAN
        return math.copysign(_INF, a) * math.copysign(1.0, b)


def _pow(x: float, p: float) -> float:
    """x ** p as C's pow: nan for a negative base with a fractional exponent, inf on overflow and for 0 ** -p."""
    try:
        return math.pow(x, p)
    except OverflowError:
        return -_INF if x < 0 and p % 2 == 1 else _INF
    except ValueError:
        if x == 0:  # 0 ** negative: the sign survives only for -0.0 and an odd integer exponent
            return math.copysign(_INF, x) if p % 2 == 1 else _INF
        return _NAN


def _pow_number(x: float, p: float) -> float:
    """x ** p for a number exponent: torch then uses sqrt and 1/sqrt for p = +-0.5, which keep the sign of -0.0."""
    if p == 0.5 or p == -0.5:
        if x < 0:
            return _NAN
        r = math.sqrt(x)
        return r if p > 0 else _div(1.0, r)
    return _pow(x, p)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def _log(x: float) -> float:
    if x > 0:
        return math.log(x)
    return -_INF if x == 0 else _NAN  # NaN input also lands here and stays NaN


class Value:
    """A scalar (int or float, stored as float) with a gradient.

    Args:
        data: the number to wrap. Anything other than int or float raises TypeError.

    Attributes:
        data: the float value (``v`` is an alias, as in seed 001).
        grad: d(output)/d(self) after ``output.backward()``; 0.0 before. Leaves accumulate over backward calls.

    Matches torch float64 scalars, including inf/nan results and the gradients at kinks.

    >>> a = Value(2.0); b = a * a + a
    >>> b.backward(); a.grad
    5.0
    """

    __slots__ = ("__weakref__", "_local", "_op", "_prev", "data", "grad")

    def __init__(self, data: float, _prev: Sequence[Value] = (), _local: Sequence[float] = (), _op: str = ""):
        # internal ops pass floats, so the common path costs one type() check
        self.data = data if type(data) is float else _check_number(data)
        self.grad = 0.0
        self._prev = _prev
        self._local = _local
        self._op = _op

    @property
    def v(self) -> float:
        """Alias of ``data`` (seed 001's spelling)."""
        return self.data

    @v.setter
    def v(self, value: float) -> None:
        self.data = _check_number(value)

    @property
    def grad_fn(self) -> str | None:
        """Name of the backward that produced this Value (``'MulBackward'``), or None for a leaf."""
        return self._op or None

    def __repr__(self) -> str:
        fn = f", grad_fn=<{self._op}>" if self._op else ""
        return f"Value(data={self.data}, grad={self.grad}{fn})"

    # ---- arithmetic: an unsupported operand returns NotImplemented, so Python raises TypeError naming its type
    def __add__(self, other: Value | float) -> Value:
        if type(other) is Value:
            return Value(self.data + other.data, (self, other), (1.0, 1.0), "AddBackward")
        if isinstance(other, (int, float)):
            return Value(self.data + other, (self,), (1.0,), "AddBackward")
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other: Value | float) -> Value:
        if type(other) is Value:
            return Value(self.data - other.data, (self, other), (1.0, -1.0), "SubBackward")
        if isinstance(other, (int, float)):
            return Value(self.data - other, (self,), (1.0,), "SubBackward")
        return NotImplemented

    def __rsub__(self, other: float) -> Value:
        if isinstance(other, (int, float)):
            return Value(other - self.data, (self,), (-1.0,), "SubBackward")
        return NotImplemented

    def __mul__(self, other: Value | float) -> Value:
        if type(other) is Value:
            return Value(self.data * other.data, (self, other), (other.data, self.data), "MulBackward")
        if isinstance(other, (int, float)):
            return Value(self.data * other, (self,), (float(other),), "MulBackward")
        return NotImplemented

    __rmul__ = __mul__

    # matches torch: d/db (a / b) is -((a / b) / b), since -a / (b * b) overflows or underflows in b * b.
    # number / Value is reciprocal(b) * number in torch, whose d/db is -number * (1/b)^2, close to -number / (b * b)
    def __truediv__(self, other: Value | float) -> Value:
        a = self.data
        if type(other) is Value:
            b = other.data
            return Value(_div(a, b), (self, other), (_div(1.0, b), -_div(_div(a, b), b)), "DivBackward")
        if isinstance(other, (int, float)):
            return Value(_div(a, other), (self,), (_div(1.0, other),), "DivBackward")
        return NotImplemented

    def __rtruediv__(self, other: float) -> Value:
        if isinstance(other, (int, float)):
            b = self.data
            return Value(_div(other, b), (self,), (_div(-other, b * b),), "DivBackward")
        return NotImplemented

    def __neg__(self) -> Value:
        return Value(-self.data, (self,), (-1.0,), "NegBackward")

    def __pow__(self, other: Value | float) -> Value:
        x = self.data
        if type(other) is Value:
            p = other.data
            out = _pow(x, p)
            # matches torch: d/dx is 0 where p == 0, d/dp is 0 where x == 0 and p >= 0 (torch.where, not x**p*log x)
            dx = 0.0 if p == 0 else p * _pow(x, p - 1)
            dp = 0.0 if x == 0 and p >= 0 else out * _log(x)
            return Value(out, (self, other), (dx, dp), "PowBackward")
        if isinstance(other, (int, float)):
            dx = 0.0 if other == 0 else other * _pow_number(x, other - 1)
            return Value(_pow_number(x, other), (self,), (dx,), "PowBackward")
        return NotImplemented

    def __rpow__(self, other: float) -> Value:
        if isinstance(other, (int, float)):
            out = _pow(other, self.data)
            dp = 0.0 if other == 0 and self.data >= 0 else out * _log(other)
            return Value(out, (self,), (dp,), "PowBackward")
        return NotImplemented

    # ---- unary functions
    def relu(self) -> Value:
        x = self.data
        if x > 0 or math.isnan(x):  # matches torch: relu(nan) is nan and passes the gradient through
            return Value(x, (self,), (1.0,), "ReluBackward")
        # matches torch: relu'(0) = 0, and the backward is a where(), so even an inf/nan upstream grad passes 0.
        # Recording no edge gives exactly that, and backward skips the dead unit's subgraph.
        return Value(0.0, (), (), "ReluBackward")

    def abs(self) -> Value:
        x = self.data
        sign = 1.0 if x > 0 else -1.0 if x < 0 else 0.0  # matches torch: abs' = sgn, 0 at 0 and at nan
        return Value(abs(x), (self,), (sign,), "AbsBackward")

    __abs__ = abs

    def tanh(self) -> Value:
        t = math.tanh(self.data)  # math.tanh saturates at +-1; the exp-based formula overflows at |x| ~ 710
        # (1 - t)(1 + t), not 1 - t*t: the latter loses digits as |t| -> 1, where torch's compiled kernel uses an FMA
        return Value(t, (self,), ((1.0 - t) * (1.0 + t),), "TanhBackward")

    def sigmoid(self) -> Value:
        s = 1.0 / (1.0 + _exp(-self.data))  # torch's formula; exp(-x) -> inf gives exactly 0.0
        return Value(s, (self,), ((1.0 - s) * s,), "SigmoidBackward")

    def exp(self) -> Value:
        e = _exp(self.data)
        return Value(e, (self,), (e,), "ExpBackward")

    def log(self) -> Value:
        x = self.data
        return Value(_log(x), (self,), (_div(1.0, x),), "LogBackward")

    @staticmethod
    def dot(weights: Sequence[Value], inputs: Sequence[Value | float], bias: Value | None = None) -> Value:
        """``bias + w0*x0 + w1*x1 + ...`` as one node (a neuron's pre-activation).

        Same value (same summation order) and gradients as the chain of ``*`` and ``+`` it replaces, with one node
        instead of 2n, which makes scalar layers several times faster. Numbers in ``inputs`` are constants.
        """
        total, prev, local = (0.0, [], []) if bias is None else (bias.data, [bias], [1.0])
        for w, x in zip(weights, inputs):
            if type(x) is Value:
                total += w.data * x.data
                prev += (w, x)
                local += (x.data, w.data)
            else:
                total += w.data * x
                prev.append(w)
                local.append(x)
        return Value(total, prev, local, "DotBackward")

    # ---- autodiff
    def backward(self) -> None:
        """Backpropagates d(self)/d(node) into every node's ``grad``.

        Leaves accumulate, as in torch: a second ``backward`` over the same graph adds the same gradients again (torch
        with ``retain_graph=True``). Every intermediate node's grad is reset first, so it holds this call's gradient.
        The traversal is iterative, so graph depth is limited only by memory.
        """
        if not self._op:
            self.grad += 1.0
            return
        # Kahn's algorithm: count each interior node's consumers, then release a node once all of them have
        # pushed their gradient into it. Leaves (no ``_op``) are never queued, they just receive.
        pending = {self: 0}
        stack = [self]
        while stack:
            for p in stack.pop()._prev:
                if p._op:
                    if p in pending:
                        pending[p] += 1
                    else:
                        pending[p] = 1
                        stack.append(p)
        for v in pending:
            v.grad = 0.0
        self.grad = 1.0
        ready = [self]
        while ready:
            v = ready.pop()
            g = v.grad
            for p, d in zip(v._prev, v._local):
                p.grad += g * d
                if p._op:
                    n = pending[p] - 1
                    pending[p] = n
                    if not n:
                        ready.append(p)


def softmax(values: Iterable[Value | float]) -> list[Value]:
    """Softmax over a list, as ``torch.softmax(x, dim=0)``: shifted by the max, so it holds at |x| = 1000.

    >>> [round(p.data, 4) for p in softmax([Value(0.0), Value(1000.0)])]
    [0.0, 1.0]
    """
    values = [v if type(v) is Value else Value(v) for v in values]
    if not values:
        raise ValueError("softmax: expected at least one value, got an empty list")
    m = max(v.data for v in values)
    exps = [(v - m).exp() for v in values]
    total = sum(exps[1:], exps[0])
    return [e / total for e in exps]

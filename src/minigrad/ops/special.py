"""Elementwise math beyond the core set (trigonometric and hyperbolic functions, log2/exp2, hypot, logaddexp,
xlogy, lerp, addcmul, isclose, special functions, ...), each with its gradient. Matches torch.

Functions are the new primitives (acos, sinh, log2, ...) and the ops whose composition would be inaccurate or
unstable (hypot, logaddexp, erfc, erfinv, the gamma family); the rest are compositions of Tensor ops. Each Function's math is a static `f(xp, ...)` so that a
backward can call another special function through `_call`, also while the backward is recorded (create_graph).
"""
import functools
import math

from .. import dtypes
from ..autograd.function import Function
from ..backend import _CODY, _cody_tables, _horner
from ..tensor import Tensor, _checked, tensor
from . import elementwise as E
from .composite import _floating
from .graph_namespace import GraphNamespace
from .inplace import inplace_twin

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 1.1283791670955126


def _call(xp, cls, *arrays, **attrs):
    """cls's math on arrays; under create_graph (xp a GraphNamespace, which knows only the core ops) cls.apply on
    Tensors, so the result is differentiable again (digamma' = polygamma(1), cosh' = sinh, ...)."""
    if isinstance(xp, GraphNamespace):
        return xp.apply(cls, *arrays, **attrs)
    return cls.f(xp, *arrays, **attrs)


def _wide(xp, x):
    return x if x.dtype == xp.float64 else xp.astype(x, xp.float64)


def _narrow(xp, out, like):
    return out if out.dtype == like.dtype else xp.astype(out, like.dtype)


# ---------------------------------------------------------------------------------------------- unary Functions
class _SaveInput(Function):
    @classmethod
    def forward(cls, ctx, a, **attrs):
        ctx.save_for_backward(a)
        return cls.f(ctx.xp, a, **attrs)


class Arccos(_SaveInput):
    f = staticmethod(lambda xp, a: xp.arccos(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return -grad / ctx.xp.sqrt(1.0 - a * a)


class Arctan(_SaveInput):
    f = staticmethod(lambda xp, a: xp.arctan(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad / (a * a + 1.0)


class Sinh(_SaveInput):
    f = staticmethod(lambda xp, a: xp.sinh(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad * _call(ctx.xp, Cosh, a)


class Cosh(_SaveInput):
    f = staticmethod(lambda xp, a: xp.cosh(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad * _call(ctx.xp, Sinh, a)


class Log2(_SaveInput):
    f = staticmethod(lambda xp, a: xp.log2(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad / (a * _LN2)


class Log10(_SaveInput):
    f = staticmethod(lambda xp, a: xp.log10(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad / (a * _LN10)


class Exp2(Function):
    @staticmethod
    def forward(ctx, a):
        out = ctx.xp.exp2(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * out * _LN2


def _exp_neg_square(xp, y):
    # exp(-y^2) with y^2 split as yr^2 + (y - yr)(y + yr), yr = y rounded down to 1/16 (exact): Cody's device
    yr = xp.trunc(y * 16.0) * 0.0625
    return xp.exp(-(yr * yr)) * xp.exp(-((y - yr) * (y + yr)))


def _erfc(xp, x):
    """1 - erf(x) without the cancellation: Cody's rational approximations (backend.ArrayNamespace.erf) give
    erfc directly for |x| >= 0.5, and erfc(-x) = 2 - erfc(x). Computed in float64, rounded once."""
    T = _CODY or _CODY.update(_cody_tables()) or _CODY
    wide = xp.reshape(_wide(xp, x), (-1,))
    ax = xp.abs(wide)
    out = xp.empty_like(ax)
    below, above = ax < 0.5, ax >= 4.0
    small, large = xp.flatnonzero(below), xp.flatnonzero(above)
    mid = xp.flatnonzero(~(below | above))  # nan lands here and stays nan
    out[small] = 1.0 - xp.erf(wide[small])
    y = ax[mid]
    out[mid] = _exp_neg_square(xp, y) * (_horner(T["mid_num"], y) / _horner(T["mid_den"], y))
    y = xp.minimum(ax[large], 30.0)  # erfc(27) underflows to 0 already; the cap keeps inf - inf out
    z = 1.0 / (y * y)
    r = _horner(T["big_num"], z) / _horner(T["big_den"], z) * z
    out[large] = _exp_neg_square(xp, y) * ((0.5641895835477563 - r) / y)
    out = xp.where((wide < 0) & ~below, 2.0 - out, out)
    return _narrow(xp, xp.reshape(out, x.shape), x)


class Erfc(_SaveInput):
    f = staticmethod(_erfc)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad * ctx.xp.exp(-(a * a)) * -_TWO_OVER_SQRT_PI


# torch's starting point for erfinv (a rational fit on |y| <= 0.7 and one in sqrt(-log((1 - |y|) / 2)) beyond),
# then two Newton steps on erf, as torch's calc_erfinv
_ERFINV = ((-0.140543331, 0.914624893, -1.645349621, 0.886226899),
           (0.012229801, -0.329097515, 1.442710462, -2.118377725, 1.0),
           (1.641345311, 3.429567803, -1.624906493, -1.970840454), (1.637067800, 3.543889200, 1.0))


def _erfinv(xp, y):
    w = _wide(xp, y)
    ay = xp.abs(w)
    inside = ay < 1.0
    w0 = xp.where(inside, w, 0.0)
    a0 = xp.abs(w0)
    z = w0 * w0
    central = w0 * _horner(_ERFINV[0], z) / _horner(_ERFINV[1], z)
    t = xp.sqrt(-xp.log((1.0 - xp.maximum(a0, 0.7)) * 0.5))
    tail = xp.copysign(_horner(_ERFINV[2], t), w0) / _horner(_ERFINV[3], t)
    x = xp.where(a0 <= 0.7, central, tail)
    # the tails solve log erfc(|x|) = log(1 - |y|) (1 - |y| is exact): erf is too close to 1 there to resolve y,
    # and the logarithm makes Newton converge from the rough start where erfc itself falls like exp(-x^2)
    near = a0 <= 0.7
    logq = xp.log(xp.where(near, 0.5, 1.0 - a0))
    for _ in range(3):
        ax = xp.abs(x)
        dens = xp.exp(-(x * x)) * _TWO_OVER_SQRT_PI
        e = _erfc(xp, xp.where(near, 1.0, ax))
        step = xp.where(near, (xp.erf(x) - w0) / dens, xp.copysign((logq - xp.log(e)) * e / dens, w0))
        x = x - step
    x = xp.where(ay == 1.0, xp.copysign(xp.inf, w), xp.where(inside, x, xp.nan))
    return _narrow(xp, x, y)


class Erfinv(Function):
    f = staticmethod(_erfinv)

    @staticmethod
    def forward(ctx, a):
        out = _erfinv(ctx.xp, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * ctx.xp.exp(out * out) * 0.886226925452758  # sqrt(pi) / 2


class Sinc(_SaveInput):
    @staticmethod
    def f(xp, a):
        zero = a == 0
        px = xp.where(zero, 1.0, a) * math.pi  # 1 stands in at 0, so no 0 / 0 is formed
        return xp.where(zero, 1.0, xp.sin(px) / px)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        xp = ctx.xp
        zero = a == 0
        safe = xp.where(zero, 1.0, a)
        px = safe * math.pi
        # matches torch: 0 at 0 (the true derivative there is 0 too)
        return xp.where(zero, 0.0, grad * ((px * xp.cos(px) - xp.sin(px)) / (px * safe)))


# ---------------------------------------------------------------------------------------------- gamma family
def _bernoulli(n):
    """B_0 .. B_n as Fractions (Akiyama-Tanigawa)."""
    from fractions import Fraction  # noqa: PLC0415 - only when the tables are first needed
    a, out = [Fraction(0)] * (n + 1), []
    for m in range(n + 1):
        a[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        out.append(a[0])
    return out


def _zeta_minus_one(k, n=60):
    """zeta(k) - 1 for an integer k >= 2: the sum to n - 1, then the Euler-Maclaurin tail from n."""
    tail = n ** (1.0 - k) / (k - 1) + 0.5 * n ** -k + k * n ** (-k - 1) / 12.0
    tail -= k * (k + 1) * (k + 2) * n ** (-k - 3) / 720.0
    return sum(j ** -float(k) for j in range(n - 1, 1, -1)) + tail


@functools.cache
def _tables():
    """The series coefficients below, computed on first use (Fraction arithmetic at import cost ~2 ms):
    _LGAMMA2: lgamma(2 + t) = (1 - euler_gamma) t + sum_k (-1)^k (zeta(k) - 1) t^k / k, highest power first, |t| <= 1/2;
    _STIRLING: Stirling's correction sum_k B_2k / (2k (2k - 1) x^(2k - 1)) as a polynomial in 1/x^2, highest first;
    _PSI: torch's digamma (Cephes psi) asymptotic tail sum_k B_2k / (2k x^2k), k = 1..7, highest first;
    _ZETA_A: (2k)! / B_2k, the Euler-Maclaurin coefficients of Cephes' Hurwitz zeta."""
    b = _bernoulli(26)
    return {"_LGAMMA2": tuple((-1) ** k * _zeta_minus_one(k) / k for k in range(30, 1, -1)) + (0.42278433509846713, 0.0),
            "_STIRLING": tuple(float(b[2 * k] / (2 * k * (2 * k - 1))) for k in range(8, 0, -1)),
            "_PSI": tuple(float(b[2 * k] / (2 * k)) for k in range(7, 0, -1)),
            "_ZETA_A": tuple(float(math.factorial(2 * k) / b[2 * k]) for k in range(1, 13))}


_EPS = 1.11022302462515654042e-16


def _sinpi(xp, x):
    r = x - xp.round(x * 0.5) * 2.0  # exact, and sin(pi r) is accurate where sin(pi x) is not
    return xp.sin(r * math.pi)


def _lgamma_positive(xp, x):
    """log Gamma(x) for x > 0 (float64): Stirling above 12; below, shifted exactly to 2 + t, |t| <= 1/2, whose
    power series keeps its relative accuracy at the zeros x = 1 and 2."""
    big = x >= 12.0
    xb = xp.where(big, x, 12.0)
    s = 1.0 / xb
    stirling = (xb - 0.5) * xp.log(xb) - xb + 0.9189385332046728 + _horner(_tables()["_STIRLING"], s * s) * s
    xs = xp.where(big, 2.0, x)
    k = xp.floor(xp.maximum(xs - 1.5, 0.0))
    t = xp.where(xs < 1.5, xp.where(xs < 0.5, xs, xs - 1.0), xs - 2.0 - k)
    prod = xp.ones_like(xs)
    for j in range(1, 11):
        prod = prod * xp.where(k >= j, xs - j, 1.0)
    series = _horner(_tables()["_LGAMMA2"], t)
    small = series - xp.where(xs < 0.5, xp.log(xs) + xp.log1p(xs), xp.log(xs))
    out = xp.where(xs < 1.5, small, series + xp.log(prod))
    return xp.where(big, xp.where(x == xp.inf, xp.inf, stirling), out)


def _lgamma(xp, x):
    w = _wide(xp, x)
    neg = w <= 0.0
    pos = _lgamma_positive(xp, xp.where(neg, 1.0 - w, w))
    s = xp.abs(_sinpi(xp, xp.where(neg & xp.isfinite(w), w, 0.5)))
    reflected = xp.log(math.pi / xp.where(s == 0.0, 1.0, s)) - pos
    pole = neg & ((w == xp.floor(w)) | xp.isinf(w))
    out = xp.where(neg, xp.where(pole, xp.inf, reflected), pos)
    return _narrow(xp, out, x)


def _digamma(xp, w):
    """torch's calc_digamma (Cephes psi): reflection below 0, shift up to 10, asymptotic series."""
    neg = w < 0.0
    r = w - xp.trunc(w)
    y = xp.where(neg, 1.0 - w, w)
    y = xp.where(y == 0.0, 1.0, y)
    res = xp.zeros_like(y)
    for _ in range(10):
        low = y < 10.0
        res = res - xp.where(low, 1.0 / y, 0.0)
        y = xp.where(low, y + 1.0, y)
    z = 1.0 / (y * y)
    tail = xp.where(y < 1e17, z * _horner(_tables()["_PSI"], z), 0.0)
    out = res + xp.log(y) - 0.5 / y - tail
    tan = xp.tan(xp.where(neg, r, 0.25) * math.pi)
    out = xp.where(neg, out - math.pi / tan, out)
    out = xp.where(neg & (r == 0.0), xp.nan, out)
    return xp.where(w == 0.0, xp.copysign(xp.inf, -w), out)


def _trigamma(xp, w):
    """torch's calc_trigamma: reflection below 1/2, six recurrence steps, then the asymptotic series."""
    neg = w < 0.5
    s = _sinpi(xp, xp.where(neg, w, 0.5))
    res = xp.where(neg, -(math.pi * math.pi) / (s * s), 0.0)
    y = xp.where(neg, 1.0 - w, w)
    for _ in range(6):
        res = res + 1.0 / (y * y)
        y = y + 1.0
    ixx = 1.0 / (y * y)
    res = res + (1.0 + 1.0 / (2.0 * y) + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / y
    return xp.where(neg, -res, res)


def _hurwitz_zeta(xp, s, q):
    """Cephes zeta(s, q) for an integer s >= 2, as torch's polygamma uses: direct sum until q + i > 9, then
    Euler-Maclaurin; each element stops where Cephes returns (its term below machine epsilon)."""
    total = q ** -s
    a = q
    b = xp.zeros_like(q)
    done = xp.zeros(q.shape, dtype=bool)
    i = 0
    # as Cephes, a negative q sums term by term up to 9: O(|q|) steps (nan and -inf take none)
    lowest = float(xp.min(xp.where(xp.isfinite(q), q, 9.0))) if q.size else 9.0
    while i < 9 or lowest + i <= 9.0:
        i += 1
        live = ~done & ((a <= 9.0) | (i <= 9))
        a = xp.where(live, a + 1.0, a)
        bn = a ** -s
        b = xp.where(live, bn, b)
        total = xp.where(live, total + bn, total)
        done = done | (live & (xp.abs(bn / total) < _EPS))
    w = a
    total = xp.where(done, total, total + b * w / (s - 1.0) - 0.5 * b)
    fac, k = 1.0, 0.0
    for coef in _tables()["_ZETA_A"]:
        fac = fac * (s + k)
        b = b / w
        t = fac * b / coef
        total = xp.where(done, total, total + t)
        done = done | (xp.abs(t / total) < _EPS)
        k += 1.0
        fac = fac * (s + k)
        b = b / w
        k += 1.0
    return xp.where(q == xp.floor(q), xp.where(q <= 0.0, xp.inf, total), total)


def _polygamma(xp, x, n):
    w = _wide(xp, x)
    if n == 0:
        out = _digamma(xp, w)
    elif n == 1:
        out = _trigamma(xp, w)
    else:
        out = _hurwitz_zeta(xp, w * 0.0 + (n + 1.0), w) * ((1.0 if n % 2 else -1.0) * math.factorial(n))
    return _narrow(xp, out, x)


class Lgamma(_SaveInput):
    f = staticmethod(_lgamma)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad * _call(ctx.xp, Polygamma, a, n=0)


class Polygamma(_SaveInput):
    """polygamma(n, x); n = 0 is digamma."""

    f = staticmethod(_polygamma)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad * _call(ctx.xp, Polygamma, a, n=ctx.attrs["n"] + 1)


# ---------------------------------------------------------------------------------------------- binary Functions
class Atan2(Function):
    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return ctx.xp.arctan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved
        g = grad / (x * x + y * y)
        return (g * x if ctx.needs_input_grad[0] else None,
                -g * y if ctx.needs_input_grad[1] else None)


class Hypot(Function):
    """sqrt(a^2 + b^2) without overflow or underflow in the squares."""

    @staticmethod
    def forward(ctx, a, b):
        out = ctx.xp.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved
        g = grad / out
        return (g * a if ctx.needs_input_grad[0] else None,
                g * b if ctx.needs_input_grad[1] else None)


class LogAddExp(Function):
    """log(e^a + e^b) (base 2: log2(2^a + 2^b)), exact for infinities of one sign."""

    @staticmethod
    def forward(ctx, a, b, base2=False):
        ctx.base2 = base2
        out = (ctx.xp.logaddexp2 if base2 else ctx.xp.logaddexp)(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved
        xp, scale = ctx.xp, (_LN2 if ctx.base2 else 1.0)
        return (grad * xp.exp((a - out) * scale) if ctx.needs_input_grad[0] else None,
                grad * xp.exp((b - out) * scale) if ctx.needs_input_grad[1] else None)


class Xlogy(Function):
    """x * log(y), 0 where x == 0 unless y is nan (as torch.xlogy)."""

    @staticmethod
    def forward(ctx, x, y):
        xp = ctx.xp
        zero = (x == 0) & ~xp.isnan(y)
        # matches torch: d/dx is log(y) at x == 0 too, except 0 where y == 0 as well
        both = (x == 0) & (y == 0)
        ctx.save_for_backward(x, y, both)
        return xp.where(zero, 0.0, x * xp.log(y))

    @staticmethod
    def backward(ctx, grad):
        x, y, both = ctx.saved
        xp = ctx.xp
        return (xp.where(both, 0.0, grad * xp.log(xp.where(both, 1.0, y))) if ctx.needs_input_grad[0] else None,
                grad * x / y if ctx.needs_input_grad[1] else None)


class Fmod(Function):
    """C's remainder (sign of the dividend), as torch.fmod."""

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        ctx.save_for_backward(xp.trunc(a / b))  # piecewise constant: saved, not differentiated
        return xp.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad * ctx.saved[0] if ctx.needs_input_grad[1] else None)


class Copysign(Function):
    """|a| with b's sign bit. Gradients as torch: a gets sign(a) sign(out) (0 at a == 0), b gets zeros."""

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        out = xp.copysign(a, b)
        ctx.save_for_backward(xp.where(a == 0, 0.0, xp.where(xp.signbit(a) == xp.signbit(out), 1.0, -1.0)))
        return out

    @staticmethod
    def backward(ctx, grad):
        (factor,) = ctx.saved
        return (grad * factor if ctx.needs_input_grad[0] else None,
                ctx.xp.zeros_like(grad) if ctx.needs_input_grad[1] else None)


class Fmax(Function):
    """max ignoring nan; as torch, a tie sends the whole gradient to a."""

    @staticmethod
    def forward(ctx, a, b, lower=False):
        xp = ctx.xp
        first = ((a <= b) if lower else (a >= b)) | xp.isnan(b)
        ctx.save_for_backward(first)
        return xp.where(first, a, b)  # not xp.fmax: torch keeps a at ties, so fmax(0.0, -0.0) is 0.0

    @staticmethod
    def backward(ctx, grad):
        (first,) = ctx.saved
        xp = ctx.xp
        return (xp.where(first, grad, 0.0) if ctx.needs_input_grad[0] else None,
                xp.where(first, 0.0, grad) if ctx.needs_input_grad[1] else None)


class NanToNum(Function):
    """nan, inf and -inf replaced by numbers; the gradient passes where the input is finite (as torch)."""

    @staticmethod
    def forward(ctx, a, nan, posinf, neginf):
        xp = ctx.xp
        ctx.save_for_backward(xp.isfinite(a))
        return xp.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.where(ctx.saved[0], grad, 0.0)


class Heaviside(Function):
    """0 for x < 0, values at x == 0, 1 for x > 0. Like torch, the output requires grad but backward raises."""

    @staticmethod
    def forward(ctx, x, values):
        xp = ctx.xp
        return xp.where(x == 0, values, xp.astype(x > 0, x.dtype))

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("heaviside: the derivative for 'heaviside' is not implemented, as in torch")


# ---------------------------------------------------------------------------------------------- Tensor methods
def _float_pair(self, other, op, integers=True):
    a, b = _checked(self, other, op)
    if a.dtype.kind == "f":
        return a, b
    if not integers:
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for '{_tname(a)}'")
    return _floating(a), _floating(b)


def _unary(cls, name, **attrs):
    def method(self):
        return cls.apply(_floating(self), **attrs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Matches torch.Tensor.{name} (integers compute in the default float dtype)."
    return method


acos = arccos = _unary(Arccos, "acos")
atan = arctan = _unary(Arctan, "atan")
sinh = _unary(Sinh, "sinh")
cosh = _unary(Cosh, "cosh")
log2 = _unary(Log2, "log2")
log10 = _unary(Log10, "log10")
exp2 = _unary(Exp2, "exp2")
erfc = _unary(Erfc, "erfc")
erfinv = _unary(Erfinv, "erfinv")
lgamma = _unary(Lgamma, "lgamma")
digamma = _unary(Polygamma, "digamma", n=0)


def polygamma(self, n):
    """Matches torch.Tensor.polygamma(n): the n-th derivative of digamma (n = 0 is digamma)."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return Polygamma.apply(_floating(self), n=int(n))


def atan2(self, other):
    """Matches torch.atan2: the angle of (other, self), in (-pi, pi]."""
    return Atan2.apply(*_float_pair(self, other, "atan2"))


def hypot(self, other):
    """Matches torch.hypot."""
    return Hypot.apply(*_float_pair(self, other, "hypot", integers=False))


def logaddexp(self, other):
    """Matches torch.logaddexp: log(exp(self) + exp(other)) without overflow."""
    return LogAddExp.apply(*_float_pair(self, other, "logaddexp", integers=False))


def logaddexp2(self, other):
    """Matches torch.logaddexp2: log2(2**self + 2**other) without overflow."""
    return LogAddExp.apply(*_float_pair(self, other, "logaddexp2", integers=False), base2=True)


def xlogy(self, other):
    """Matches torch.xlogy: self * log(other), 0 where self == 0 (unless other is nan)."""
    if not isinstance(self, Tensor):
        other, self = _checked(other, self, "xlogy")
    return Xlogy.apply(*_float_pair(self, other, "xlogy"))


def fmod(self, other):
    """Matches torch.fmod: the remainder of truncated division (the dividend's sign)."""
    a, b = _checked(self, other, "fmod")
    if a.dtype.kind in "iu" and (b.data == 0).any():
        raise RuntimeError("ZeroDivisionError")
    return Fmod.apply(a, b)


def copysign(self, other):
    """Matches torch.copysign: |self| with the sign of other."""
    return Copysign.apply(*_float_pair(self, other, "copysign"))


def fmax(self, other):
    """Matches torch.fmax: elementwise max where a nan loses to a number."""
    return Fmax.apply(*_checked(self, other, "fmax"))


def fmin(self, other):
    """Matches torch.fmin: elementwise min where a nan loses to a number."""
    return Fmax.apply(*_checked(self, other, "fmin"), lower=True)


def heaviside(self, values):
    """Matches torch.heaviside: 0 below zero, `values` at zero, 1 above."""
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not {type(values).__name__}")
    if values.dtype != self.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return Heaviside.apply(*_checked(self, values, "heaviside"))


def signbit(self):
    """Matches torch.signbit: True where the sign bit is set (-0.0 included)."""
    return E.Logical.apply(self, fn="signbit")


def frac(self):
    """Matches torch.frac: self - trunc(self), with trunc's sign."""
    if self.dtype.kind != "f":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_tname(self)}'")
    return self - self.trunc()


def deg2rad(self):
    """Matches torch.deg2rad."""
    return _floating(self) * (math.pi / 180.0)


def rad2deg(self):
    """Matches torch.rad2deg."""
    return _floating(self) * (180.0 / math.pi)


def sinc(self):
    """Matches torch.sinc: sin(pi x) / (pi x), 1 at 0 (where the gradient is 0, as torch's)."""
    return Sinc.apply(_floating(self))


def logit(self, eps=None):
    """Matches torch.logit: log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given."""
    p = _floating(self)
    if eps is not None:
        p = p.clamp(eps, 1.0 - eps)
    return (p / (1.0 - p)).log()


def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
    """Matches torch.nan_to_num: nan, +inf and -inf replaced (by default 0 and the dtype's largest/lowest)."""
    if self.dtype.kind != "f":
        return self.clone()
    info = dtypes.finfo(self.dtype)
    return NanToNum.apply(self, nan=nan, posinf=info.max if posinf is None else posinf,
                          neginf=info.min if neginf is None else neginf)


def float_power(self, exponent):
    """Matches torch.float_power: pow computed in float64."""
    base = self.to(dtypes.float64) if isinstance(self, Tensor) else tensor(float(self), dtype=dtypes.float64)
    if isinstance(exponent, Tensor):
        exponent = exponent.to(dtypes.float64)
    elif isinstance(exponent, int) and not isinstance(exponent, bool):
        exponent = float(exponent)
    return base ** exponent


def float_power_(self, exponent):
    """Matches torch.Tensor.float_power_: self must already be float64."""
    if self.dtype != dtypes.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_tname(self)} "
                           "but the operation's result requires dtype Double")
    return inplace_twin("float_power")(self, exponent)


def lerp(self, end, weight):
    """Matches torch.lerp: self + weight * (end - self), evaluated from the nearer end as torch does."""
    if isinstance(end, Tensor) and end.dtype != self.dtype:
        raise RuntimeError(f"expected dtype {_tname(self, False)} for `end` but got dtype {_tname(end, False)}")
    if isinstance(weight, Tensor):
        if weight.ndim == 0 and weight.dtype.kind == "f":
            weight = weight.to(self.dtype)  # as torch: a 0-d weight of another float dtype is cast
        if weight.dtype != self.dtype:
            raise RuntimeError(f"expected dtype {_tname(self, False)} for `weight` but got dtype "
                               f"{_tname(weight, False)}")
        return _where(weight < 0.5, self + weight * (end - self), end - (end - self) * (1.0 - weight))
    return self + weight * (end - self) if weight < 0.5 else end - (end - self) * (1.0 - weight)


def _where(cond, a, b):
    # cond goes in as the comparison's own array, so that a lazy graph replays it (as functions.where)
    a, b = _checked(a, b, "where") if isinstance(a, Tensor) else _checked(b, a, "where")[::-1]
    return E.Where.apply(a, b, cond=cond.data)


def _tname(t, title=True):
    name = dtypes.TORCH_NAMES[str(t.dtype)]
    return name.title() if title else name


def addcmul(self, tensor1, tensor2, *, value=1):
    """Matches torch.addcmul: self + value * tensor1 * tensor2."""
    prod = tensor1 * tensor2
    return self + (prod if value == 1 else value * prod)


def addcdiv(self, tensor1, tensor2, *, value=1):
    """Matches torch.addcdiv: self + value * tensor1 / tensor2 (integer tensor1 and tensor2 refused, as torch)."""
    if tensor1.dtype.kind in "iub" and tensor2.dtype.kind in "iub":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
                           "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
                           "for all dtypes.")
    quot = tensor1 / tensor2
    return self + (quot if value == 1 else value * quot)


def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Matches torch.isclose: |self - other| <= atol + rtol * |other|, infinities equal only to themselves."""
    if isinstance(other, Tensor) and other.dtype != self.dtype:
        raise RuntimeError(f"{_tname(self)} did not match {_tname(other)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    a, b = _checked(self.detach(), other.detach() if isinstance(other, Tensor) else other, "isclose")
    close = a == b
    if a.dtype.kind == "b":
        return close
    if equal_nan and a.dtype.kind == "f":
        close = close | (a.isnan() & b.isnan())
    if rtol == 0 and atol == 0:
        return close
    fa, fb = (a, b) if a.dtype.kind == "f" else (a.to(dtypes.float64), b.to(dtypes.float64))
    err = (fa - fb).abs()
    return close | (err.isfinite() & (err <= atol + rtol * fb.abs()))


def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Matches torch.allclose: isclose(...).all() as a Python bool."""
    return bool(isclose(self, other, rtol, atol, equal_nan).all())


def positive(self):
    """Matches torch.positive: self itself (bool refused, as torch)."""
    if self.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return self


def negative(self):
    """Matches torch.negative (neg)."""
    return -self


def _function(name, method):
    def fn(input, *args, **kwargs):
        return method(input if isinstance(input, Tensor) else tensor(input), *args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Matches torch.{name} (the function form of Tensor.{name})."
    return fn


def _polygamma_function(n, input):
    """Matches torch.polygamma(n, input)."""
    return polygamma(input, n)


def _equal(input, other):
    """Matches torch.equal: same shape and the same values."""
    return input.equal(other)


# Tensor methods and top-level functions this module adds (bound in tensor.py, exported in minigrad/__init__.py)
METHODS = {
    "acos": acos, "arccos": arccos, "atan": atan, "arctan": arctan, "sinh": sinh, "cosh": cosh, "log2": log2,
    "log10": log10, "exp2": exp2, "erfc": erfc, "erfinv": erfinv, "lgamma": lgamma, "digamma": digamma,
    "polygamma": polygamma, "atan2": atan2, "arctan2": atan2, "hypot": hypot, "logaddexp": logaddexp,
    "logaddexp2": logaddexp2, "xlogy": xlogy, "fmod": fmod, "copysign": copysign, "fmax": fmax, "fmin": fmin,
    "heaviside": heaviside, "signbit": signbit, "frac": frac, "deg2rad": deg2rad, "rad2deg": rad2deg, "sinc": sinc,
    "logit": logit, "nan_to_num": nan_to_num, "float_power": float_power, "lerp": lerp, "addcmul": addcmul,
    "addcdiv": addcdiv, "isclose": isclose, "allclose": allclose, "positive": positive, "negative": negative,
}
FUNCTIONS = {name: _function(name, fn) for name, fn in METHODS.items()}
FUNCTIONS.update(polygamma=_polygamma_function, equal=_equal, xlogy=xlogy)
# in-place forms torch has (x.sinh_(), ...): the method's result written back through ops/inplace.py
METHODS.update({name + "_": inplace_twin(name) for name in (
    "acos", "arccos", "atan", "arctan", "sinh", "cosh", "log2", "log10", "exp2", "erfc", "erfinv", "lgamma",
    "digamma", "polygamma", "atan2", "arctan2", "hypot", "xlogy", "fmod", "copysign", "heaviside", "frac",
    "deg2rad", "rad2deg", "sinc", "logit", "nan_to_num", "lerp", "addcmul", "addcdiv", "negative")})
METHODS["float_power_"] = float_power_

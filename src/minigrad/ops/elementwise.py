"""Elementwise ops: arithmetic, exp/log family, activations. Broadcasting is undone by the engine, not here."""
import operator

from ..autograd.function import Function


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        return (grad * b if ctx.needs_input_grad[0] else None,
                grad * a if ctx.needs_input_grad[1] else None)


class ScalarArith(Function):
    """a + s, a - s, a * s or a / s (op "add", "sub", "mul", "div") for a Python number s that does not change a's
    dtype. No scalar tensor is built: measured, wrapping the number cost ~2 us per op, and a 100,000-op chain of
    `y * c` paid it in garbage-collector time too. grad_fn names are torch's (MulBackward0, ...)."""

    @staticmethod
    def forward(ctx, a, s, op):
        ctx.s, ctx.op = s, op
        return _scalar_arith(ctx.xp, a, s, op)

    @staticmethod
    def backward(ctx, grad):
        op = ctx.op
        return grad if op == "add" or op == "sub" else _scalar_arith(ctx.xp, grad, ctx.s, op)

    def name(self):
        return self.op.capitalize() + "Backward0"


def _scalar_arith(xp, x, s, op):
    if x.dtype.itemsize == 2:
        # float16 (the only 2-byte float): computed in float32 and rounded once, as torch's kernels do; NumPy would
        # round the number itself to float16 first (0.1 -> 0.0999755859375)
        return xp.astype(_scalar_arith(xp, xp.astype(x, xp.float32), s, op), xp.float16)
    return _ARITH[op](x, s)


_ARITH = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        ga = grad / b if ctx.needs_input_grad[0] else None
        gb = -grad * a / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """a ** b for tensors a and b. Matches torch.pow, including d/db = 0 where a == 0 (torch masks log(0))."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a ** b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        xp = ctx.xp
        ga = gb = None
        if ctx.needs_input_grad[0]:
            # matches torch: the exponent-0 case gives 0, not 0 * a**-1 = nan at a == 0
            ga = xp.where(b == 0, 0, grad * b * a ** (b - 1))
        if ctx.needs_input_grad[1]:
            safe = xp.where(a == 0, 1, a)
            gb = xp.where(a == 0, 0, grad * a ** b * xp.log(safe))
        return ga, gb


class PowScalar(Function):
    """a ** p for a Python number p (the exponent needs no gradient)."""

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return a ** exponent

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        p = ctx.exponent
        if p == 0:
            return ctx.xp.zeros_like(grad)
        if p == 1:
            return grad
        if p == 2:
            return grad * (a * 2.0)
        return grad * (a ** (p - 1) * p)


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        out = ctx.xp.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * out


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad / a


class Tanh(Function):
    @staticmethod
    def forward(ctx, a):
        out = ctx.xp.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * (1.0 - out * out)


class Sigmoid(Function):
    """1 / (1 + exp(-x)), evaluated through exp(-|x|) so that |x| = 1000 cannot overflow."""

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        e = xp.exp(-xp.abs(a))
        out = xp.where(a >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * out * (1.0 - out)


class Relu(Function):
    @staticmethod
    def forward(ctx, a):
        out = ctx.xp.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        # torch's threshold_backward on the result: zero where out <= 0, so relu'(0) = 0 and a NaN input passes
        # its gradient through; out is never negative, so out != 0 is the mask in one comparison
        return ctx.xp.where(out != 0, grad, 0)

    @staticmethod
    def backward_owned(ctx, grad):
        # measured in the MLP step of bench_core: writing into the engine's own gradient saves a 128 KB array per
        # relu and keeps it in cache (~35 -> ~20 us for 128 x 256); a non-finite grad takes where's exact path
        (out,) = ctx.saved
        if not ctx.xp._cpu or not ctx.xp.all_finite(grad):  # a GPU's where is cheap; its check would sync
            return ctx.xp.where(out != 0, grad, 0)
        grad *= out != 0
        return grad


class Cast(Function):
    """Change dtype; the gradient is cast back by the engine."""

    @staticmethod
    def forward(ctx, a, dtype):
        return ctx.xp.astype(a, dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad


class Where(Function):
    """where(cond, a, b); cond is a bool array attribute, not an input."""

    @staticmethod
    def forward(ctx, a, b, cond):
        ctx.cond = cond
        return ctx.xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        xp, cond = ctx.xp, ctx.cond
        return (xp.where(cond, grad, 0) if ctx.needs_input_grad[0] else None,
                xp.where(cond, 0, grad) if ctx.needs_input_grad[1] else None)


# ---------------------------------------------------------------------------------------------- unary math
class Log1p(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.log1p(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad / (a + 1.0)


class Expm1(Function):
    @staticmethod
    def forward(ctx, a):
        out = ctx.xp.expm1(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * (out + 1.0)


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        out = ctx.xp.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad / (out * 2.0)


class Rsqrt(Function):
    @staticmethod
    def forward(ctx, a):
        out = 1.0 / ctx.xp.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * (out * out * out) * -0.5


class Reciprocal(Function):
    @staticmethod
    def forward(ctx, a):
        out = 1.0 / a
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return -grad * (out * out)


class Abs(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        # matches torch: abs'(0) = sign(0) = 0
        return grad * ctx.xp.sign(a)


class Sign(Function):
    """sign(x); its gradient is zero everywhere (torch returns zeros, not None)."""

    @staticmethod
    def forward(ctx, a):
        return ctx.xp.sign(a)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.zeros_like(grad)


class Sin(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.sin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad * ctx.xp.cos(a)


class Cos(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.cos(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return -grad * ctx.xp.sin(a)


class Tan(Function):
    @staticmethod
    def forward(ctx, a):
        out = ctx.xp.tan(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * (out * out + 1.0)


class Arctanh(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.arctanh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad / (1.0 - a * a)


class Arcsin(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.arcsin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad / ctx.xp.sqrt(1.0 - a * a)


class Arcsinh(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.arcsinh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad / ctx.xp.sqrt(a * a + 1.0)


class Erf(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.erf(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad * ctx.xp.exp(-(a * a)) * 1.1283791670955126  # 2 / sqrt(pi)


# ---------------------------------------------------------------------------------------------- binary math
class Maximum(Function):
    """Elementwise max; ties split the gradient in half between the inputs (as torch.maximum)."""

    @staticmethod
    def forward(ctx, a, b):
        # the share of the gradient a gets (1, 1/2 at ties, 0) is a constant: save it, not a and b
        ctx.save_for_backward(ctx.xp.astype(a > b, a.dtype) + ctx.xp.astype(a == b, a.dtype) * 0.5)
        return ctx.xp.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        (share,) = ctx.saved
        return (grad * share if ctx.needs_input_grad[0] else None,
                grad * (1.0 - share) if ctx.needs_input_grad[1] else None)


class Minimum(Maximum):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(ctx.xp.astype(a < b, a.dtype) + ctx.xp.astype(a == b, a.dtype) * 0.5)
        return ctx.xp.minimum(a, b)


class Clamp(Function):
    """min(max(x, lo), hi) with tensor bounds; an absent bound (has_lo/has_hi False) is ignored. Gradients as
    torch: x gets it where lo <= x <= hi, lo where x < lo <= hi, hi where max(x, lo) > hi (so hi wins if lo > hi)."""

    @staticmethod
    def forward(ctx, a, lo, hi, has_lo=True, has_hi=True):
        xp = ctx.xp
        out = xp.maximum(a, lo) if has_lo else a
        to_hi = out > hi if has_hi else xp.zeros(a.shape, dtype=bool)
        to_lo = (a < lo) & ~to_hi if has_lo else xp.zeros(a.shape, dtype=bool)
        ctx.save_for_backward(to_lo, to_hi)
        return xp.minimum(out, hi) if has_hi else out

    @staticmethod
    def backward(ctx, grad):
        to_lo, to_hi = ctx.saved
        xp = ctx.xp
        return (xp.where(to_lo | to_hi, 0, grad) if ctx.needs_input_grad[0] else None,
                xp.where(to_lo, grad, 0) if ctx.needs_input_grad[1] else None,
                xp.where(to_hi, grad, 0) if ctx.needs_input_grad[2] else None)


class Remainder(Function):
    """Python-style remainder (sign of the divisor), as torch.remainder and `%`."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        gb = -grad * ctx.xp.floor(a / b) if ctx.needs_input_grad[1] else None
        return grad, gb


class FloorDivide(Function):
    """`//`: floor division, as torch.floor_divide. Like torch, the output requires grad but backward raises."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        return ctx.xp.floor_divide(a, b)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(f"floor_divide: the derivative is not implemented, as in torch (input shapes "
                           f"{ctx.shapes[0]} and {ctx.shapes[1]}); detach() the operands or use division")


class DivRounding(Function):
    """a / b rounded toward zero (mode "trunc") or down (mode "floor", Python's // for floats and integers), as
    torch.div(rounding_mode=...); integers stay integers. The gradient is zero for both inputs, as in torch."""

    @staticmethod
    def forward(ctx, a, b, mode):
        xp = ctx.xp
        if mode == "floor":
            return xp.floor_divide(a, b)
        if a.dtype.kind == "f":
            return xp.trunc(a / b)
        q = xp.floor_divide(a, b)  # exact for integers, where a / b in float64 would round above 2**53
        return q + ((q * b != a) & ((a < 0) != (b < 0)))

    @staticmethod
    def backward(ctx, grad):
        xp, need = ctx.xp, ctx.needs_input_grad  # two arrays: the engine may write into each input's gradient
        return xp.zeros_like(grad) if need[0] else None, xp.zeros_like(grad) if need[1] else None


# ---------------------------------------------------------------------------------------------- comparisons
class _Compare(Function):
    differentiable = False


class Eq(_Compare):
    @staticmethod
    def forward(ctx, a, b):
        return a == b


class Ne(_Compare):
    @staticmethod
    def forward(ctx, a, b):
        return a != b


class Lt(_Compare):
    @staticmethod
    def forward(ctx, a, b):
        return a < b


class Le(_Compare):
    @staticmethod
    def forward(ctx, a, b):
        return a <= b


class Gt(_Compare):
    @staticmethod
    def forward(ctx, a, b):
        return a > b


class Ge(_Compare):
    @staticmethod
    def forward(ctx, a, b):
        return a >= b


class Floor(Function):
    """floor/ceil/round/trunc have zero gradient in torch."""

    @staticmethod
    def forward(ctx, a):
        return ctx.xp.floor(a)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.zeros_like(grad)


class Ceil(Floor):
    @staticmethod
    def forward(ctx, a):
        return ctx.xp.ceil(a)


class Round(Floor):
    @staticmethod
    def forward(ctx, a):
        return ctx.xp.round(a)


class RoundDecimals(Floor):
    """round(x, decimals) as torch computes it: rint(x * 10^d) / 10^d, or rint(x / 10^-d) * 10^-d for d < 0. A class
    of its own so that ONNX export (whose Round has no decimals) refuses it rather than dropping the decimals."""

    @staticmethod
    def forward(ctx, a, decimals):
        xp = ctx.xp
        if decimals > 0:
            scale = 10.0 ** decimals  # a Python float keeps float32 float32, as torch's float32 kernel
            return xp.round(a * scale) / scale
        scale = 10.0 ** -decimals
        return xp.round(a / scale) * scale


class Trunc(Floor):
    @staticmethod
    def forward(ctx, a):
        return ctx.xp.trunc(a)


class Logical(Function):
    """logical_and/or/xor/not; `fn` names the xp function."""

    differentiable = False

    @staticmethod
    def forward(ctx, *arrays, fn):
        return getattr(ctx.xp, fn)(*arrays)


# ---------------------------------------------------------------------------------------------- activations
class LeakyRelu(Function):
    @staticmethod
    def forward(ctx, a, negative_slope=0.01):
        ctx.save_for_backward(a)
        ctx.slope = negative_slope
        return ctx.xp.where(a > 0, a, a * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        # matches torch: the slope applies at 0
        return ctx.xp.where(a > 0, grad, grad * ctx.slope)


class Elu(Function):
    @staticmethod
    def forward(ctx, a, alpha=1.0):
        xp = ctx.xp
        ctx.save_for_backward(a)
        ctx.alpha = alpha
        return xp.where(a > 0, a, xp.expm1(xp.minimum(a, 0)) * alpha)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        xp = ctx.xp
        # matches torch: alpha * exp(0) at 0
        return xp.where(a > 0, grad, grad * xp.exp(xp.minimum(a, 0)) * ctx.alpha)


class Gelu(Function):
    """x * Phi(x), exact (erf) or with torch's tanh approximation."""

    @staticmethod
    def forward(ctx, a, approximate="none"):
        xp = ctx.xp
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        if approximate == "tanh":
            return a * 0.5 * (xp.tanh((a + a * a * a * 0.044715) * 0.7978845608028654) + 1.0)
        return a * 0.5 * (xp.erf(a * 0.7071067811865476) + 1.0)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        xp = ctx.xp
        if ctx.approximate == "tanh":
            t = xp.tanh((a + a * a * a * 0.044715) * 0.7978845608028654)
            dinner = (a * a * 0.134145 + 1.0) * 0.7978845608028654
            return grad * ((t + 1.0) * 0.5 + a * 0.5 * (1.0 - t * t) * dinner)
        cdf = (xp.erf(a * 0.7071067811865476) + 1.0) * 0.5
        pdf = xp.exp(a * a * -0.5) * 0.3989422804014327
        return grad * (cdf + a * pdf)


def _sigmoid(xp, a):
    # exp(-|a|) as a where, not abs: abs's derivative is 0 at a = 0, which made silu'' and softplus'' wrong there
    e = xp.exp(xp.where(a >= 0, -a, a))
    return xp.where(a >= 0, 1.0 / (e + 1.0), e / (e + 1.0))


class Silu(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * _sigmoid(ctx.xp, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        s = _sigmoid(ctx.xp, a)
        return grad * (s * (a * (1.0 - s) + 1.0))


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold (as torch)."""

    @staticmethod
    def forward(ctx, a, beta=1.0, threshold=20.0):
        xp = ctx.xp
        ctx.save_for_backward(a)
        ctx.beta, ctx.threshold = beta, threshold
        bx = a * beta
        # stable: log1p(exp(-|bx|)) + max(bx, 0) never overflows
        soft = (xp.log1p(xp.exp(-xp.abs(bx))) + xp.maximum(bx, 0)) / beta
        return xp.where(bx > threshold, a, soft)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        bx = a * ctx.beta
        return ctx.xp.where(bx > ctx.threshold, grad, grad * _sigmoid(ctx.xp, bx))

"""Devices and their array namespaces.

Every op computes through `ctx.xp`, the namespace of its inputs' device: NumPy's functions on the CPU, CuPy's on
a GPU. The namespace is NumPy's (or CuPy's) module plus the few helpers that the two spell differently, so an op
body never names either library.
"""
import numpy as np


class ArrayNamespace:
    """A module-like view of an array library (numpy or cupy) plus minigrad's helpers.

    Unknown attributes fall through to the library once and are then cached on the instance, so after warm-up a
    lookup is a plain attribute read.
    """

    def __init__(self, module, name):
        self._module = module
        self.name = name
        self._cpu = module is np

    # measured: np.reshape and np.swapaxes reach the array method through ~1 us of Python dispatch; NumPy's and
    # CuPy's arrays have the methods, and ops call these in every backward
    def reshape(self, x, shape):
        return x.reshape(shape)

    def swapaxes(self, x, axis1, axis2):
        return x.swapaxes(axis1, axis2)

    def __getattr__(self, attr):
        value = getattr(self._module, attr)
        setattr(self, attr, value)
        return value

    def __repr__(self):
        return f"<array namespace {self.name}>"

    def broadcast_to(self, x, shape):
        # measured: np.broadcast_to costs ~4 us in Python-level checks; filling a small fresh array costs ~0.7 us.
        # Large expansions stay views so they take no memory.
        if x.shape == shape:
            return x
        size = 1
        for n in shape:
            size *= n
        if size > 4096:
            return self._module.broadcast_to(x, shape)
        out = self._module.empty(shape, dtype=x.dtype)
        out[...] = x
        return out

    def sum(self, x, axis=None, keepdims=False, dtype=None):
        # measured: np.sum's Python wrapper costs ~0.6 us over the ufunc reduction it calls, on every reduction.
        # axis 0 (a bias gradient) is never the last axis of a 2-d or wider array: no short-rows check (~0.4 us)
        if axis is not None and axis != 0 and self.short_rows(x, axis):
            return self._reduce_rows(self._module.add, x, keepdims, dtype)
        if dtype is None and not keepdims:
            return self._module.add.reduce(x, axis)  # keywords cost the ufunc ~0.3 us of parsing
        return self._module.add.reduce(x, axis=axis, dtype=dtype, keepdims=keepdims)

    def max(self, x, axis=None, keepdims=False):
        if self.short_rows(x, axis):
            return self._reduce_rows(self._module.maximum, x, keepdims)
        return self._module.max(x, axis=axis, keepdims=keepdims)

    def short_rows(self, x, axis):
        """Whether reducing `axis` of x reduces many short contiguous rows, which a transposed copy does faster (CPU
        only: a GPU has no per-row cost). measured (128 x 10 float32): NumPy pays ~0.1 us per row to reduce short
        contiguous rows (max 13 us, sum 5 us); over the first axis of a transposed copy, 3.4 us each."""
        if not self._cpu or axis is None:
            return False
        if type(axis) is tuple:
            if len(axis) != 1:
                return False
            axis = axis[0]
        nd = x.ndim
        if nd < 2 or (axis != -1 and axis != nd - 1):
            return False
        c = x.shape[-1]
        return 2 <= c <= 16 and x.size >= 32 * c and x.flags.c_contiguous

    def class_major(self, x):
        """The rows of x's last axis as the columns of a C-contiguous (last axis, rows) copy, for the short-rows
        case above and for softmax-like ops over few classes."""
        return x.reshape(-1, x.shape[-1]).T.copy()

    def _reduce_rows(self, ufunc, x, keepdims, dtype=None):
        out = ufunc.reduce(self.class_major(x), axis=0, dtype=dtype)
        return out.reshape(x.shape[:-1] + (1,) if keepdims else x.shape[:-1])

    def where(self, cond, a, b):
        # measured: np.where on a random mask runs ~10x slower than a multiply (branch mispredictions), and
        # where(mask, grad, 0) is the backward of relu and friends. A multiply equals np.where's result when grad
        # is finite (0 * inf would be nan, and NumPy would warn), which one cheap pass checks first.
        if (type(b) is int and b == 0 and getattr(a, "dtype", None) is not None and a.dtype.kind == "f"
                and getattr(cond, "dtype", None) is not None and self.all_finite(a)):
            return a * cond
        return self._module.where(cond, a, b)

    def all_finite(self, x):
        """Whether every element of the float array x is finite, as x . x in one BLAS pass (measured 3.2 us against
        5 us for isfinite(x).all() on 128 x 256). A sum of squares that overflows reads as not finite: callers
        then take their exact path, needlessly but correctly."""
        return bool(self._module.isfinite(self._module.vdot(x, x)))

    def scatter_add(self, shape, index, values, dtype):
        """zeros(shape) with `values` added at `index` (repeated indices accumulate): the gradient of indexing."""
        out = self._module.zeros(shape, dtype=dtype)
        if _is_basic(index):  # slices and ints never repeat an element: a plain write, no add.at
            out[index] = values
        else:
            self._module.add.at(out, index, values)
        return out

    def erf(self, x):
        """The error function, elementwise (NumPy has none): within 1 ulp in float64, 2 ulp for 0.5 <= |x| < 1.

        W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969): erf(x) = x R(x^2) for |x| < 0.5,
        and erf = 1 - erfc with erfc(x) = exp(-x^2) R(x) for 0.5 <= |x| < 4 and exp(-x^2) (1/sqrt(pi) - R(1/x^2)) / x
        above. Each range is evaluated on its own elements only. Float32 and float16 compute in float64 and round
        once at the end.
        """
        m = self._module
        T = _CODY or _CODY.update(_cody_tables()) or _CODY
        x = m.asarray(x)
        wide = (x if x.dtype == m.float64 else x.astype(m.float64)).reshape(-1)
        ax = m.abs(wide)
        out = m.empty_like(ax)
        # measured: integer indices from flatnonzero gather and scatter ~8x faster than boolean masks
        below, above = ax < 0.5, ax >= 4.0
        small, large = m.flatnonzero(below), m.flatnonzero(above)
        mid = m.flatnonzero(~(below | above))  # nan is in neither of the others: it lands here and stays nan
        xs = wide[small]
        t = xs * xs
        # x + x (R - 1) rounds once at the end; R(0) - 1 and R - R(0) are small, so their rounding barely counts
        c = _horner(T["small_e"], t) / _horner(T["small_den"], t)
        c *= t
        c += T["small_k1"]
        c *= xs
        c += xs
        out[small] = c
        y = ax[mid]
        out[mid] = _one_minus_erfc(m, y, _horner(T["mid_num"], y) / _horner(T["mid_den"], y))
        # erfc(6) < 2e-17 rounds erf to 1 already; the cap keeps inf out of the exp split below
        y = m.minimum(ax[large], 8.0)
        z = 1.0 / (y * y)
        r = _horner(T["big_num"], z) / _horner(T["big_den"], z)
        r *= z
        out[large] = _one_minus_erfc(m, y, (0.5641895835477563 - r) / y)
        out = m.copysign(out, wide).reshape(x.shape)
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    def sliding_window_view(self, x, window_shape, axis):
        return self._module.lib.stride_tricks.sliding_window_view(x, window_shape, axis=axis)

    def to_host(self, x):
        return x


def _one_minus_erfc(m, y, r):
    """1 - exp(-y^2) r for y >= 0.5. y^2 is split as yr^2 + (y - yr)(y + yr) with yr = y rounded down to 1/16:
    yr^2 is exact, so exp(-y^2) does not inherit the rounding error of y^2 (Cody's device)."""
    yr = m.trunc(y * 16.0)
    yr *= 0.0625
    d = y - yr
    d *= y + yr
    e = m.exp(-(yr * yr))
    e *= m.exp(-d)
    e *= r
    return (0.5 - e) + 0.5


def _horner(coefs, t):
    """coefs[0] t^n + ... + coefs[n], highest power first."""
    acc = t * coefs[0]
    for c in coefs[1:-1]:
        acc += c
        acc *= t
    acc += coefs[-1]
    return acc


def _cody_tables():
    """Cody's published coefficients (highest power first), and the small-|x| rational rewritten as R(t) - 1 =
    (R(0) - 1) + t E(t) / Q(t) in exact arithmetic, so that erf(x) = x + x (R - 1) is formed without cancellation."""
    from fractions import Fraction  # noqa: PLC0415

    def exact(text):
        return [Fraction(v) for v in text.split()]

    num = exact("1.85777706184603153e-1 3.16112374387056560e00 1.13864154151050156e02 3.77485237685302021e02 "
                "3.20937758913846947e03")
    den = exact("1 2.36012909523441209e01 2.44024637934444173e02 1.28261652607737228e03 2.84423683343917062e03")
    k = num[-1] / den[-1]  # R(0), which is 2/sqrt(pi) to the approximation's accuracy
    e = [a - k * b for a, b in zip(num[:-1], den[:-1])]  # (num - k den) / t: its constant term is zero
    tables = {
        "small_e": e, "small_den": den, "small_k1": k - 1,
        "mid_num": exact("2.15311535474403846e-8 5.64188496988670089e-1 8.88314979438837594e00 "
                         "6.61191906371416295e01 2.98635138197400131e02 8.81952221241769090e02 "
                         "1.71204761263407058e03 2.05107837782607147e03 1.23033935479799725e03"),
        "mid_den": exact("1 1.57449261107098347e01 1.17693950891312499e02 5.37181101862009858e02 "
                         "1.62138957456669019e03 3.29079923573345963e03 4.36261909014324716e03 "
                         "3.43936767414372164e03 1.23033935480374942e03"),
        "big_num": exact("1.63153871373020978e-2 3.05326634961232344e-1 3.60344899949804439e-1 "
                         "1.25781726111229246e-1 1.60837851487422766e-2 6.58749161529837803e-4"),
        "big_den": exact("1 2.56852019228982242e00 1.87295284992346725e00 5.27905102951428412e-1 "
                         "6.05183413124413191e-2 2.33520497626869185e-3"),
    }
    return {name: (float(v) if isinstance(v, Fraction) else tuple(float(c) for c in v)) for name, v in tables.items()}


_CODY = {}  # filled on the first erf call: building the tables in exact arithmetic costs ~5 ms at import


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) and not isinstance(p, bool) for p in parts)


class Device:
    """Where a tensor's data lives. `type` is "cpu" or "cuda"; `xp` computes there."""

    __slots__ = ("type", "index", "xp")

    def __init__(self, type, index, xp):
        self.type, self.index, self.xp = type, index, xp

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = get_device(other)
        return isinstance(other, Device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        # by name, as torch.device pickles: xp holds a module, which pickle refuses
        return get_device, (str(self),)


CPU = Device("cpu", None, ArrayNamespace(np, "numpy"))
_devices = {"cpu": CPU}
_default = [CPU]


def get_device(spec=None):
    """Resolve "cpu", "cuda", "cuda:0", a Device or None (the default device) to a Device."""
    if spec is None:
        return _default[0]
    if isinstance(spec, Device):
        return spec
    key = str(spec)
    dev = _devices.get(key)
    if dev is not None:
        return dev
    if key.split(":")[0] == "cuda":
        from .cuda import device  # noqa: PLC0415 - imports CuPy: only when a GPU is asked for

        return device(key)
    raise ValueError(f"unknown device '{key}': expected 'cpu' or 'cuda[:N]'")


def check_same_device(tensors, op=None):
    """Raise torch's error naming two devices when `tensors` are not all on one device (`op` prefixes it)."""
    devs = list(dict.fromkeys(str(t._device) for t in tensors))
    if len(devs) > 1:
        head = f"{op}: expected" if op else "Expected"
        raise RuntimeError(f"{head} all tensors to be on the same device, but found at least two devices, "
                           f"{devs[0]} and {devs[1]}")


def set_device(spec):
    """Make `spec` the device new tensors are created on (seed 000's minigrad.set_device("cpu"))."""
    _default[0] = get_device(spec)


def devices():
    """The usable devices, and why the others are not usable here."""
    from .cuda import report  # noqa: PLC0415

    usable, unavailable = report()
    return {"usable": ["cpu"] + usable, "unavailable": unavailable}

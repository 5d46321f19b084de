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

    def where(self, cond, a, b):
        # measured: np.where on a random mask runs ~10x slower than a multiply (branch mispredictions), and
        # where(mask, grad, 0) is the backward of relu and friends. A multiply equals np.where's result when grad
        # is finite (0 * inf would be nan), which one cheap pass checks.
        if (type(b) is int and b == 0 and getattr(a, "dtype", None) is not None and a.dtype.kind == "f"
                and getattr(cond, "dtype", None) is not None and self._module.isfinite(a).all()):
            return a * cond
        return self._module.where(cond, a, b)

    def scatter_add(self, shape, index, values, dtype):
        """zeros(shape) with `values` added at `index` (repeated indices accumulate): the gradient of indexing."""
        out = self._module.zeros(shape, dtype=dtype)
        if _is_basic(index):  # slices and ints never repeat an element: a plain write, no add.at
            out[index] = values
        else:
            self._module.add.at(out, index, values)
        return out

    def erf(self, x):
        """The error function, elementwise, to about 5 ulp in float64 (NumPy has none): a positive series below
        |x| = 2.5, the erfc continued fraction above, evaluated over all elements at once."""
        m = self._module
        ax = m.abs(x)
        out = m.empty_like(ax)
        small = ax < 2.5
        xs = ax[small]
        x2 = xs * xs
        term, total = xs, xs
        for n in range(60):  # erf(x) = 2/sqrt(pi) exp(-x^2) sum 2^n x^(2n+1) / (2n+1)!!: all terms positive
            term = term * (2.0 * x2) / (2 * n + 3)
            total = total + term
        out[small] = 1.1283791670955126 * m.exp(-x2) * total
        xl = ax[~small]
        frac = xl
        for k in range(60, 0, -1):
            frac = xl + (k / 2) / frac
        out[~small] = 1.0 - m.exp(-xl * xl) * 0.5641895835477563 / frac
        return m.copysign(out, x)

    def sliding_window_view(self, x, window_shape, axis):
        return self._module.lib.stride_tricks.sliding_window_view(x, window_shape, axis=axis)

    def to_host(self, x):
        return x


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
    kind = key.split(":")[0]
    if kind == "cuda":
        raise RuntimeError(f"device '{key}': CUDA support is not available in this build of minigrad; "
                           "see minigrad.devices() for the devices that are usable here")
    raise ValueError(f"unknown device '{key}': expected 'cpu' or 'cuda[:N]'")


def set_device(spec):
    """Make `spec` the device new tensors are created on (seed 000's minigrad.set_device("cpu"))."""
    _default[0] = get_device(spec)


def devices():
    """The usable devices, and why the others are not usable here."""
    usable = [str(d) for d in _devices.values()]
    reasons = {"cuda": "GPU support through CuPy is not part of this build"}
    return {"usable": usable, "unavailable": reasons}


def device_of(array):
    """The Device an array lives on (CPU for NumPy arrays)."""
    return CPU

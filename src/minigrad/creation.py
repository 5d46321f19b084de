"""Factory functions: zeros, ones, randn, arange ... All default to requires_grad=False, as in torch."""
import numpy as np

from . import dtypes
from .backend import get_device
from .random import get_rng
from .tensor import Tensor, _check_requires_grad, tensor


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(s) for s in size)


def _make(array, device, requires_grad, op):
    dev = get_device(device)
    if dev.type != "cpu":
        array = dev.xp.asarray(array)
    _check_requires_grad(requires_grad, array.dtype, op)
    return Tensor._wrap(array, dev, bool(requires_grad))


def _float(dtype):
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _make(np.zeros(_shape(size), dtype=_float(dtype)), device, requires_grad, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _make(np.ones(_shape(size), dtype=_float(dtype)), device, requires_grad, "ones")


def empty(*size, dtype=None, device=None, requires_grad=False):
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = tensor(fill_value).dtype
    return _make(np.full(_shape((size,)), fill_value, dtype=dtypes.as_dtype(dtype)), device, requires_grad, "full")


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    return _make(np.eye(n, m, dtype=_float(dtype)), device, requires_grad, "eye")


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else dtypes.get_default_dtype()
    return _make(np.arange(start, end, step, dtype=dtypes.as_dtype(dtype)), device, requires_grad, "arange")


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    return _make(np.linspace(start, end, steps, dtype=_float(dtype)), device, requires_grad, "linspace")


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None):
    arr = get_rng(generator).standard_normal(_shape(size)).astype(_float(dtype))
    return _make(arr, device, requires_grad, "randn")


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None):
    arr = get_rng(generator).random(_shape(size)).astype(_float(dtype))
    return _make(arr, device, requires_grad, "rand")


def randint(low, high=None, size=(), dtype=None, device=None, generator=None):
    if high is None:
        low, high = 0, low
    arr = get_rng(generator).integers(low, high, size=_shape((size,)), dtype=np.int64)
    return _make(arr.astype(dtypes.as_dtype(dtype or dtypes.int64)), device, False, "randint")


def randperm(n, dtype=None, device=None, generator=None):
    return _make(get_rng(generator).permutation(n).astype(dtypes.as_dtype(dtype or dtypes.int64)), device, False,
                 "randperm")


def _like(fn):
    def like(t, dtype=None, device=None, requires_grad=False, **kw):
        return fn(*t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad, **kw)

    like.__name__ = fn.__name__ + "_like"
    like.__doc__ = f"{fn.__name__} with the shape (and by default dtype and device) of `t`."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
randn_like = _like(randn)
rand_like = _like(rand)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    return full(t.shape, fill_value, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def from_numpy(array):
    """A tensor sharing memory with `array` (no copy), as torch.from_numpy."""
    return Tensor._wrap(np.asarray(array), get_device("cpu"))

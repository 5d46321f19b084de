"""Factory functions: zeros, ones, randn, arange ... All default to requires_grad=False, as in torch."""
import math
import operator

import numpy as np

from . import dtypes
from .backend import get_device
from .random import get_rng
from .tensor import Tensor, _check_requires_grad, tensor


def _shape(size, op="zeros", kw=None):
    """torch's size argument: ints as varargs, one tuple/list, or size= (ints, NumPy ints or integer 0-d tensors)."""
    if kw is not None:
        if size:
            raise TypeError(f"{op}(): size given both positionally {size} and as size={kw}")
        size = (kw,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        shape = tuple(operator.index(s) for s in size)
    except TypeError:
        raise TypeError(f"{op}(): argument 'size' must be a tuple of ints, got {tuple(size)}") from None
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{op}: Dimension size must be non-negative, got size {shape}")
    return shape


def _make(array, device, requires_grad, op):
    dev = get_device(device)
    if dev.type != "cpu":
        array = dev.xp.asarray(array)
    _check_requires_grad(requires_grad, array.dtype, op)
    return Tensor._wrap(array, dev, bool(requires_grad))


def _float(dtype):
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)


def zeros(*args, size=None, dtype=None, device=None, requires_grad=False):
    return _make(np.zeros(_shape(args, "zeros", size), dtype=_float(dtype)), device, requires_grad, "zeros")


def ones(*args, size=None, dtype=None, device=None, requires_grad=False):
    return _make(np.ones(_shape(args, "ones", size), dtype=_float(dtype)), device, requires_grad, "ones")


def empty(*args, size=None, dtype=None, device=None, requires_grad=False):
    return _make(np.zeros(_shape(args, "empty", size), dtype=_float(dtype)), device, requires_grad, "empty")


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = tensor(fill_value).dtype
    return _make(np.full(_shape((size,), "full"), fill_value, dtype=dtypes.as_dtype(dtype)), device, requires_grad, "full")


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    n, m = _shape((n, n if m is None else m), "eye")
    return _make(np.eye(n, m, dtype=_float(dtype)), device, requires_grad, "eye")


def _number(v):
    return v.item() if hasattr(v, "item") and getattr(v, "ndim", None) == 0 else v


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """torch.arange: int64 when start, end and step are all integers, else the default float dtype; the length is
    ceil((end - start) / step). An int64 result truncates start, end and step to integers first, as torch does."""
    if end is None:
        start, end = 0, start
    start, end, step = _number(start), _number(end), _number(step)
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else dtypes.get_default_dtype()
    dtype = dtypes.as_dtype(dtype)
    if dtype == dtypes.int64:
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise RuntimeError(f"arange: step must be nonzero (start={start}, end={end}, step={step})")
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise RuntimeError(f"arange: unsupported range: {start} -> {end} (step {step})")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    if dtype.kind in "iu":
        n = -((start - end) // step) if dtype == dtypes.int64 else math.ceil((end - start) / step)
        arr = (int(start) + np.arange(n, dtype=np.int64) * int(step)).astype(dtype)
    else:
        arr = np.arange(start, end, step, dtype=dtype)
    return _make(arr, device, requires_grad, "arange")


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    steps = _number(steps)
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"linspace(): argument 'steps' must be int, got {type(steps).__name__} {steps!r}")
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    start, end = _number(start), _number(end)
    return _make(np.linspace(start, end, steps, dtype=_float(dtype)), device, requires_grad, "linspace")


def _random_float(dtype, op):
    dtype = _float(dtype)
    if dtype.kind != "f":
        raise NotImplementedError(f"{op}: random floats are not implemented for dtype {dtype}; use a floating dtype")
    return dtype


def randn(*args, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    dtype = _random_float(dtype, "randn")
    arr = get_rng(generator).standard_normal(_shape(args, "randn", size)).astype(dtype)
    return _make(arr, device, requires_grad, "randn")


def rand(*args, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    dtype = _random_float(dtype, "rand")
    arr = get_rng(generator).random(_shape(args, "rand", size)).astype(dtype)
    return _make(arr, device, requires_grad, "rand")


def randint(*args, low=None, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """torch.randint(high, size) or randint(low, high, size), the bounds also as keywords: integers in
    [low, high), int64 unless dtype= says otherwise."""
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if len(args) == 2 and low is None and high is None:
        low, high = args
    elif len(args) == 1 and high is None:
        high = args[0]
    elif len(args) == 1 and low is None:
        low = args[0]
    elif args:
        raise TypeError(f"randint(): expected (high, size) or (low, high, size), got {tuple(args)} and size={size}")
    if high is None or size is None:
        raise TypeError(f"randint(): expected (high, size) or (low, high, size) with size a tuple of ints, got "
                        f"positional {tuple(args)}, low={low}, high={high}, size={size}")
    low = 0 if low is None else _number(low)
    high = _number(high)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be a tuple of ints, got {type(size).__name__} {size!r}")
    if low >= high:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    arr = get_rng(generator).integers(int(low), int(high), size=_shape((size,), "randint"), dtype=np.int64)
    return _make(arr.astype(dtypes.as_dtype(dtype or dtypes.int64)), device, requires_grad, "randint")


def randperm(n, dtype=None, device=None, generator=None, requires_grad=False):
    n = _number(n)
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    return _make(get_rng(generator).permutation(int(n)).astype(dtypes.as_dtype(dtype or dtypes.int64)), device,
                 requires_grad, "randperm")


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
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    return Tensor._wrap(array, get_device("cpu"))

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


def as_tensor(data, dtype=None, device=None):
    """torch.as_tensor: a Tensor of that dtype and device is returned as it is (else converted with .to, on the
    graph); an ndarray of that dtype shares its memory on the CPU (as from_numpy); anything else is copied as by
    minigrad.tensor."""
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device)
    if isinstance(data, np.ndarray) and data.dtype == (data.dtype if dtype is None else dtypes.as_dtype(dtype)) \
            and get_device(device).type == "cpu":
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """torch.logspace: base ** linspace(start, end, steps), computed in float64 and cast to dtype."""
    exponents = linspace(start, end, steps, dtype=dtypes.float64).data
    return _make((_number(base) ** exponents).astype(_float(dtype)), device, requires_grad, "logspace")


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """torch.normal: samples of N(mean, std) with tensor mean and/or std (broadcast together; the result takes mean's
    dtype and device, else std's), or float mean and std with `size`. No gradient flows to mean or std (torch's
    are zeros there)."""
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if bool(tensors) == (size is not None):
        raise TypeError("normal(): expected a tensor mean and/or std (without size), or float mean and std with size")
    m, s = (v.numpy() if isinstance(v, Tensor) else _number(v) for v in (mean, std))
    if tensors:
        dtype, device = tensors[0].dtype, tensors[0].device
        try:
            size = np.broadcast_shapes(np.shape(m), np.shape(s))
        except ValueError:
            raise RuntimeError(f"normal: the shapes of mean {np.shape(m)} and std {np.shape(s)} cannot be "
                               "broadcast") from None
    if np.any(np.asarray(s) < 0):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    noise = get_rng(generator).standard_normal(_shape((size,), "normal"))
    return _make((m + s * noise).astype(_random_float(dtype, "normal")), device, requires_grad, "normal")


def bernoulli(input, p=None, *, generator=None):
    """torch.bernoulli: 1 with probability `input` (or the number p, in input's shape), else 0, in input's dtype."""
    if p is None and input.dtype.kind != "f":
        raise NotImplementedError(f"bernoulli: the probabilities must be floating point, got {input.dtype}")
    prob = np.asarray(input.numpy() if p is None else _number(p))
    if not np.all((prob >= 0) & (prob <= 1)):
        raise RuntimeError("bernoulli: expected all probabilities in [0, 1]" + ("" if p is None else f", got p={p}"))
    draw = get_rng(generator).random(input.shape) < prob
    return _make(draw.astype(input.dtype), input.device, False, "bernoulli")


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """torch.multinomial: num_samples indices per row of a 1-D or 2-D tensor of non-negative weights (int64).
    Without replacement, categories of zero weight come last, once the others are drawn, as in torch."""
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    if not replacement and num_samples > input.shape[-1]:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"(num_samples={num_samples}, {input.shape[-1]} categories)")
    w = input.numpy().astype(np.float64).reshape(-1, input.shape[-1])
    if not np.all(np.isfinite(w) & (w >= 0)):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(w.sum(1) <= 0):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    rng = get_rng(generator)
    if replacement:
        out = np.stack([rng.choice(w.shape[1], num_samples, p=row / row.sum()) for row in w])
    else:  # the exponential race: the first num_samples of w / Exp(1), largest first, draw without replacement
        out = np.argsort(-(w / rng.exponential(size=w.shape)), axis=1, kind="stable")[:, :num_samples]
    return _make(out.reshape(input.shape[:-1] + (num_samples,)).astype(np.int64), input.device, False, "multinomial")

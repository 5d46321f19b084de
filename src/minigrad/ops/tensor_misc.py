"""Tensor and torch-level API beyond the core set: in-place random fills (uniform_, normal_, ...), aliases
(multiply, greater, ...), matrix-product forms (mm, bmm, addmm, ...) and small utilities. Matches torch.

Everything here is composed from existing ops (gradients, second derivatives, lazy graphs and ONNX come from them);
random fills draw on the host from minigrad's seeded generator, so minigrad.manual_seed makes them repeat."""
import builtins
import functools
import itertools
import math
import os

from .. import dtypes
from ..autograd.grad_mode import GradMode, no_grad
from ..backend import CPU, get_device, set_device
from ..random import default_generator, get_rng, manual_seed
from ..tensor import Tensor, tensor
from . import inplace as IP
from .composite import _dims

# host-side work only (random draws, masks, window values), moved to the tensor's device afterwards
np = CPU.xp

_TORCH_DTYPE = {"float32": "float", "float64": "double", "float16": "Half", "int64": "long int", "int32": "int",
                "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _where(cond, a, b):
    from ..functions import where  # noqa: PLC0415 - functions imports tensor.py, which imports this module

    return where(cond, a, b)


# ----------------------------------------------------------------------------------- in-place random fills
def _fill(self, values, op):
    """Write `values` (a host array of self's shape) into self in place. On the graph the result is where(False,
    self, values): torch's zero gradient into what was overwritten, without self * 0 turning an inf into nan."""
    dev = self._device
    vals = tensor(dev.xp.asarray(values.astype(self.dtype, copy=False)), device=dev)
    never = tensor(dev.xp.zeros(self.shape, dtype=bool), device=dev)
    return self._inplace(lambda a, _: _where(never, a, vals), None, op)


def _continuous(self, op, name):
    if self.dtype.kind != "f":
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype must be a floating "
                           f"point but you specified {_TORCH_DTYPE[str(self.dtype)]} (shape {tuple(self.shape)})")


def _float_only(self, kernel):
    if self.dtype.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{dtypes.TORCH_NAMES[str(self.dtype)].title()}\'')


def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    """Fill with U[from, to) draws. Matches torch.Tensor.uniform_ (`from_` stands for torch's `from`)."""
    _float_only(self, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={from_} > to={to}")
    return _fill(self, get_rng(generator).uniform(from_, to, self.shape), "uniform_")


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with N(mean, std^2) draws. Matches torch.Tensor.normal_."""
    _float_only(self, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(self, get_rng(generator).normal(mean, std, self.shape), "normal_")


def random_(self, from_=None, to=None, *, generator=None):
    """Fill with integers uniform on [from, to); random_(to) means [0, to), and random_() covers [0, 2**mantissa]
    for floats (every integer the dtype holds exactly) or the dtype's non-negative range. Matches
    torch.Tensor.random_."""
    if from_ is not None and to is None:
        from_, to = 0, from_
    from_ = 0 if from_ is None else int(from_)
    if to is None:
        kind = self.dtype.kind
        to = 2 if kind == "b" else 2 ** (np.finfo(self.dtype).nmant + 1) + 1 if kind == "f" else \
            int(np.iinfo(self.dtype).max) + 1
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    return _fill(self, get_rng(generator).integers(from_, int(to), self.shape, dtype=np.int64), "random_")


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 with probability p (a number, or a tensor broadcast to self's shape), else 0. Matches
    torch.Tensor.bernoulli_."""
    prob = np.asarray(p.numpy() if isinstance(p, Tensor) else p, dtype=np.float64)
    if not np.all((prob >= 0) & (prob <= 1)):
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill(self, get_rng(generator).random(self.shape) < prob, "bernoulli_")


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with Exponential(rate lambd) draws. Matches torch.Tensor.exponential_."""
    _continuous(self, "exponential_", "Exponential")
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(self, get_rng(generator).exponential(1.0 / lambd, self.shape), "exponential_")


def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...). Matches
    torch.Tensor.geometric_."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill(self, get_rng(generator).geometric(p, self.shape), "geometric_")


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with Cauchy(median, sigma) draws. Matches torch.Tensor.cauchy_."""
    _continuous(self, "cauchy_", "Cauchy")
    if sigma <= 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return _fill(self, median + sigma * get_rng(generator).standard_cauchy(self.shape), "cauchy_")


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp(N(mean, std^2)) draws. Matches torch.Tensor.log_normal_."""
    _continuous(self, "log_normal_", "LogNormal")
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill(self, get_rng(generator).lognormal(mean, std, self.shape), "log_normal_")


def fill_diagonal_(self, fill_value, wrap=False):
    """Set the main diagonal (all dims equal for 3-D and up; a tall matrix restarts it every ncols + 1 rows when
    wrap=True) to fill_value. Matches torch.Tensor.fill_diagonal_."""
    shape = self.shape
    if len(shape) < 2:
        raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1, got shape {tuple(shape)}")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal length, got shape "
                           f"{tuple(shape)}")
    size = math.prod(shape)
    step = sum(math.prod(shape[k + 1:]) for k in range(len(shape)))
    end = size if wrap and len(shape) == 2 else min(shape) * step
    mask = np.zeros(size, dtype=bool)
    mask[0:end:step] = True
    dev = self._device
    cond = tensor(dev.xp.asarray(mask.reshape(shape)), device=dev)
    return self._inplace(lambda a, v: _where(cond, v, a), fill_value, "fill_diagonal_")


# ----------------------------------------------------------------------------------- matrix products
def _same_dtype(a, b, what):
    if a.dtype != b.dtype:
        raise RuntimeError(f"{what}: expected {_names(what)} to have the same dtype, but got: "
                           f"{_TORCH_DTYPE[str(a.dtype)]} != {_TORCH_DTYPE[str(b.dtype)]}")


def _names(what):
    return {"mm": "m1 and m2", "bmm": "batch1 and batch2", "mv": "mat and vec"}.get(what, "m1 and m2")


def _matrix(t, name, nd=2):
    if not isinstance(t, Tensor):
        raise TypeError(f"expected Tensor as argument for {name}, got {type(t).__name__}")
    if t.ndim != nd:
        raise RuntimeError(f"{name} must be a {'matrix' if nd == 2 else '3D tensor'}, got {t.ndim}-D tensor of "
                           f"shape {tuple(t.shape)}")


def mm(input, mat2):
    """Matrix product of two 2-D tensors of one dtype. Matches torch.mm (no broadcasting, no promotion).

    >>> import minigrad
    >>> minigrad.mm(minigrad.ones(2, 3), minigrad.ones(3, 4)).shape
    (2, 4)
    """
    _matrix(input, "self")
    _matrix(mat2, "mat2")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} and "
                           f"{mat2.shape[0]}x{mat2.shape[1]})")
    _same_dtype(input, mat2, "mm")
    return input.matmul(mat2)


def mv(input, vec):
    """Matrix-vector product: input (n, m), vec (m,) -> (n,). Matches torch.mv."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat ({input.shape[0]}x{input.shape[1]}), "
                           f"vec ({vec.shape[0]})")
    _same_dtype(input, vec, "mv")
    return input.matmul(vec)


def bmm(input, mat2):
    """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p), no broadcasting. Matches torch.bmm."""
    _matrix(input, "batch1", 3)
    _matrix(mat2, "batch2", 3)
    b, _, m = input.shape
    if mat2.shape[:2] != (b, m):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but got: "
                           f"[{mat2.shape[0]}, {mat2.shape[1]}].")
    _same_dtype(input, mat2, "bmm")
    return input.matmul(mat2)


def _add_scaled(input, product, beta, alpha, op):
    """beta * input + alpha * product, input broadcast to product's shape. beta=0 ignores input's values (nan and
    inf too) while still giving it torch's zero gradient."""
    if not isinstance(input, Tensor):
        input = tensor(input, dtype=product.dtype, device=product.device)
    try:
        shape = np.broadcast_shapes(input.shape, product.shape)
    except ValueError:
        shape = None
    if shape != product.shape:
        raise RuntimeError(f"{op}: The expanded size of the tensor ({product.shape[-1] if product.ndim else 1}) must "
                           f"match the existing size ({input.shape[-1] if input.ndim else 1}) at non-singleton "
                           f"dimension. Target sizes: {list(product.shape)}.  Tensor sizes: {list(input.shape)}")
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        if not input.requires_grad:
            return product
        never = tensor(input._device.xp.zeros(input.shape, dtype=bool), device=input._device)
        return product + _where(never, input, 0.0)
    return product + (input if beta == 1 else input * beta)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), input broadcast to (n, p). Matches torch.addmm."""
    return _add_scaled(input, mm(mat1, mat2), beta, alpha, "addmm")


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec). Matches torch.addmv."""
    if mat.ndim == 2 and vec.ndim == 1 and mat.shape[1] == vec.shape[0] and isinstance(input, Tensor) \
            and input.ndim == 1 and input.shape[0] not in (1, mat.shape[0]):
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat ({mat.shape[0]}x{mat.shape[1]}), "
                           f"vec ({vec.shape[0]})")
    return _add_scaled(input, mv(mat, vec), beta, alpha, "addmv")


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * sum_b(batch1[b] @ batch2[b]). Matches torch.addbmm."""
    return _add_scaled(input, bmm(batch1, batch2).sum(0), beta, alpha, "addbmm")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * bmm(batch1, batch2), input broadcast to (b, n, p). Matches torch.baddbmm."""
    return _add_scaled(input, bmm(batch1, batch2), beta, alpha, "baddbmm")


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2). Matches torch.addr."""
    from ..functions import outer  # noqa: PLC0415

    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1 and vec2, but got {vec1.ndim}-D and {vec2.ndim}-D")
    return _add_scaled(input, outer(vec1, vec2), beta, alpha, "addr")


def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices, left to right. Matches torch.chain_matmul (deprecated there for
    torch.linalg.multi_dot)."""
    if out is not None:
        raise TypeError("chain_matmul: out= is not supported by minigrad")
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    for i, (a, b) in enumerate(itertools.pairwise(matrices)):
        if a.shape[1] != b.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(a.shape)} and "
                               f"{list(b.shape)} cannot be multiplied")
    return matrices[0].clone() if len(matrices) == 1 else functools.reduce(mm, matrices)


# ----------------------------------------------------------------------------------- norms
def renorm(input, p, dim, maxnorm):
    """Rescale each slice input.select(dim, i) whose p-norm exceeds maxnorm to norm maxnorm. Matches
    torch.renorm (its 1e-7 guard in the divisor included)."""
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    axis = _dims(dim, input.ndim, "renorm")[0]
    others = tuple(k for k in range(input.ndim) if k != axis)
    norm = input.norm(p, dim=others, keepdim=True)
    # torch's where(norm > maxnorm, maxnorm / (norm + 1e-7), 1) as a clamp, which differs only for norms within
    # 1e-7 below maxnorm (by under 1e-7 relative): a where's mask computed in an in-place renorm_ of a lazy graph
    # is replayed as the build-time array
    return input * (maxnorm / (norm + 1e-7)).clamp(max=1.0)


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast), over all elements. Matches torch.dist."""
    return (input - other).norm(p)


# ----------------------------------------------------------------------------------- shape-changing in-place views
def _view_inplace(self, fn, op):
    """self takes the shape of fn(self) in place, as a view of the same memory. On the graph (a non-leaf in grad
    mode) self is rebased onto the new node, with a snapshot for the nodes recorded before, as ops/inplace does."""
    if GradMode.enabled and self._ctx is not None:
        snapshot = IP._snapshot(self)
        IP.rebase(self, snapshot, fn(snapshot))
        return self
    IP._refuse_lazy(self, op)
    with no_grad():
        self.data = fn(self.detach()).data
    IP.bump_version(self)
    return self


def squeeze_(self, dim=None):
    """In-place squeeze. Matches torch.Tensor.squeeze_."""
    return _view_inplace(self, lambda t: t.squeeze(dim), "squeeze_")


def unsqueeze_(self, dim):
    """In-place unsqueeze. Matches torch.Tensor.unsqueeze_."""
    return _view_inplace(self, lambda t: t.unsqueeze(dim), "unsqueeze_")


def transpose_(self, dim0, dim1):
    """In-place transpose. Matches torch.Tensor.transpose_ (also swapaxes_ and swapdims_)."""
    return _view_inplace(self, lambda t: t.transpose(dim0, dim1), "transpose_")


def t_(self):
    """In-place t(). Matches torch.Tensor.t_."""
    if self.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return _view_inplace(self, lambda t: t.t(), "t_")


# ----------------------------------------------------------------------------------- predicates and attributes
def type_as(self, other):
    """self cast to other's dtype. Matches torch.Tensor.type_as."""
    return self.to(other.dtype)


def is_contiguous(self, memory_format=None):
    """Always True: minigrad presents every array as contiguous (see Tensor.stride). Matches the question
    torch.Tensor.is_contiguous answers for a contiguous tensor."""
    return True


def get_device_index(self):
    """-1 on the CPU, else the GPU's index. Matches torch.Tensor.get_device."""
    return -1 if self._device.type == "cpu" else (self._device.index or 0)


def is_signed(self):
    """Whether the dtype holds negative values. Matches torch.Tensor.is_signed."""
    return self.dtype.kind in "if"


def is_nonzero(input):
    """The truth of a one-element tensor. Matches torch.is_nonzero."""
    n = input.numel()
    if n != 1:
        raise RuntimeError(f"Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'} is "
                           f"ambiguous (shape {tuple(input.shape)})")
    return builtins.bool(input.data.reshape(()) != 0)


def is_same_size(input, other):
    """Whether both shapes are equal. Matches torch.is_same_size."""
    return tuple(input.shape) == tuple(other.shape)


def storage_offset(self):
    """Element offset of this view into the array it shares memory with (0 for an array that owns its memory).
    Matches torch.Tensor.storage_offset for basic-indexing views."""
    base = getattr(self.data, "base", None)
    if base is None or not hasattr(base, "__array_interface__") or self._device.type != "cpu":
        return 0
    return (data_ptr(self) - base.__array_interface__["data"][0]) // self.data.itemsize


def data_ptr(self):
    """Address of the first element. Matches torch.Tensor.data_ptr."""
    if self._device.type != "cpu":
        return self.data.data.ptr
    return self.data.__array_interface__["data"][0]


# ----------------------------------------------------------------------------------- torch-level utilities
_threads = {"num": None, "interop": None}
_deterministic = {"mode": False, "warn_only": False}


def set_num_threads(int):
    """Limit the threads of the BLAS/OpenMP pools NumPy computes with (through threadpoolctl, when installed).
    Matches torch.set_num_threads."""
    if not isinstance(int, builtins.int) or int <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads["num"] = int
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415 - optional
    except ImportError:
        return
    threadpool_limits(int)


def get_num_threads():
    """The thread count set by set_num_threads, else the CPU count. Matches torch.get_num_threads."""
    return _threads["num"] or os.cpu_count() or 1


def set_num_interop_threads(int):
    """Recorded only: minigrad runs no inter-op thread pool. Matches torch.set_num_interop_threads."""
    if not isinstance(int, builtins.int) or int <= 0:
        raise RuntimeError("Expected positive number of threads")
    _threads["interop"] = int


def get_num_interop_threads():
    """Matches torch.get_num_interop_threads."""
    return _threads["interop"] or os.cpu_count() or 1


def get_rng_state():
    """The default generator's state as a uint8 tensor (PCG64's 128-bit state and increment, then its cached
    32-bit half). Matches torch.get_rng_state's role; the bytes differ from torch's Mersenne Twister state."""
    s = default_generator.get_state()
    raw = (s["state"]["state"].to_bytes(16, "little") + s["state"]["inc"].to_bytes(16, "little")
           + builtins.bytes([s["has_uint32"]]) + s["uinteger"].to_bytes(4, "little"))
    return tensor(np.frombuffer(raw, dtype=np.uint8).copy())


def set_rng_state(new_state):
    """Restore a state from get_rng_state. Matches torch.set_rng_state."""
    if not isinstance(new_state, Tensor) or new_state.dtype != np.uint8 or new_state.shape != (37,):
        raise RuntimeError("set_rng_state: expected a uint8 tensor of 37 bytes from minigrad.get_rng_state()")
    raw = new_state.numpy().tobytes()
    default_generator.set_state({"bit_generator": "PCG64", "has_uint32": raw[32],
                                 "uinteger": builtins.int.from_bytes(raw[33:], "little"),
                                 "state": {"state": builtins.int.from_bytes(raw[:16], "little"),
                                           "inc": builtins.int.from_bytes(raw[16:32], "little")}})


def seed():
    """Seed the default generator from the OS's entropy and return the seed. Matches torch.seed."""
    s = builtins.int(np.random.SeedSequence().entropy % (2**63))
    manual_seed(s)
    return s


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Recorded only: every minigrad op is deterministic on the CPU (and CuPy's scatter-adds are the only
    nondeterminism on a GPU). Matches torch.use_deterministic_algorithms."""
    _deterministic["mode"], _deterministic["warn_only"] = builtins.bool(mode), builtins.bool(warn_only)


def are_deterministic_algorithms_enabled():
    """Matches torch.are_deterministic_algorithms_enabled."""
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    """Matches torch.is_deterministic_algorithms_warn_only_enabled."""
    return _deterministic["warn_only"]


def set_default_device(device):
    """The device factories use when none is given (None: the CPU). Matches torch.set_default_device."""
    set_device("cpu" if device is None else device)


def get_default_device():
    """Matches torch.get_default_device."""
    return get_device()


def typename(obj):
    """A type's name: Tensor.type() for tensors ('torch.FloatTensor'), else module.qualname (bare for builtins).
    Matches torch.typename."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if qualname is None:
        module, qualname = type(obj).__module__ or "", type(obj).__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def broadcast_shapes(*shapes):
    """The shape all `shapes` broadcast to (an int stands for a 1-D shape). Matches torch.broadcast_shapes."""
    shapes = [(s,) if isinstance(s, (builtins.int, np.integer)) else tuple(s) for s in shapes]
    out = [1] * builtins.max((len(s) for s in shapes), default=0)
    for i, s in enumerate(shapes):
        for k in range(1, len(s) + 1):
            if s[-k] < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {s[-k]}: {list(s)}")
            if s[-k] == out[-k] or s[-k] == 1:
                continue
            if out[-k] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {s[-k]} at {-k}! Mismatching "
                                   f"argument at index {i} had {s}; but expected shape should be broadcastable to "
                                   f"{out}")
            out[-k] = s[-k]
    return tuple(out)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor of the default float dtype unless dtype= says otherwise. Matches torch.scalar_tensor."""
    dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    return tensor(s, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, generator=None):
    """Integers on [low, high) in input's shape, dtype and device (randint_like(input, high) or (input, low,
    high)). Matches torch.randint_like."""
    from ..creation import randint  # noqa: PLC0415

    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                   requires_grad=requires_grad, generator=generator)


def vander(x, N=None, increasing=False):
    """Columns x**(N-1), ..., x**0 (increasing=True: the reverse), built by cumprod so that x = 0 differentiates
    as torch does. Integer and bool inputs give int64. Matches torch.vander."""
    from ..functions import cat  # noqa: PLC0415

    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if x.dtype.kind in "biu":
        x = x.to(dtypes.int64)
    # built from x even for N <= 1, so that the result is on x's graph as torch's is
    ones = x.new_ones((x.shape[0], builtins.min(n, 1)))
    out = cat([ones, x.unsqueeze(1).expand(x.shape[0], builtins.max(n - 1, 0))], 1).cumprod(1)
    return out if increasing else out.flip(1)


def _window(name, length, periodic, dtype, device, requires_grad, fn):
    dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    if dtype.kind != "f":
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype}")
    if length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={length}")
    if length <= 1:
        values = np.ones(length)
    else:
        n = length + 1 if periodic else length
        values = fn(np.arange(n, dtype=np.float64), n)[:length]
    return tensor(values.astype(dtype), device=device, requires_grad=requires_grad)


def _cosine(alpha, beta):
    return lambda k, n: alpha - beta * np.cos(2 * np.pi * k / (n - 1))


def hann_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False, layout=None):
    """0.5 - 0.5 cos(2 pi k / (N - 1)). Matches torch.hann_window."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, _cosine(0.5, 0.5))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, device=None,
                   requires_grad=False, layout=None):
    """alpha - beta cos(2 pi k / (N - 1)). Matches torch.hamming_window."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad, _cosine(alpha, beta))


def blackman_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False, layout=None):
    """0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1)). Matches torch.blackman_window."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, n: 0.42 - 0.5 * np.cos(2 * np.pi * k / (n - 1)) + 0.08 * np.cos(4 * np.pi * k / (n - 1)))


def bartlett_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False, layout=None):
    """1 - |2k / (N - 1) - 1|. Matches torch.bartlett_window."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, n: 1 - np.abs(2 * k / (n - 1) - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, device=None, requires_grad=False,
                  layout=None):
    """I0(beta sqrt(1 - (2k / (N - 1) - 1)^2)) / I0(beta). Matches torch.kaiser_window."""
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, n: np.i0(beta * np.sqrt(np.clip(1 - (2 * k / (n - 1) - 1) ** 2, 0, None))) / np.i0(beta))


def is_complex(input):
    """Always False: minigrad has no complex dtypes. Matches torch.is_complex."""
    return False


def rsub(input, other, *, alpha=1):
    """other - alpha * input. Matches torch.rsub."""
    return other - (input if alpha == 1 else input * alpha)


def true_divide(input, other):
    """input / other with true division. Matches torch.true_divide."""
    return input / other if isinstance(input, Tensor) else tensor(input) / other


def _method(name):
    return lambda input, *args, **kwargs: getattr(input, name)(*args, **kwargs)


# Tensor methods this module adds (bound in tensor.py) and top-level functions (exported in minigrad/__init__.py)
METHODS = {
    "uniform_": uniform_, "normal_": normal_, "random_": random_, "bernoulli_": bernoulli_,
    "exponential_": exponential_, "geometric_": geometric_, "cauchy_": cauchy_, "log_normal_": log_normal_,
    "fill_diagonal_": fill_diagonal_,
    "mm": mm, "mv": mv, "bmm": bmm, "addmm": addmm, "addmv": addmv, "addbmm": addbmm, "baddbmm": baddbmm,
    "addr": addr, "ger": lambda self, vec2: self.outer(vec2), "vdot": lambda self, other: self.dot(other),
    "renorm": renorm, "dist": dist,
    "multiply": lambda self, other: self * other, "divide": lambda self, other, *, rounding_mode=None: self.div(
        other, rounding_mode=rounding_mode), "true_divide": lambda self, other: self / other,
    "subtract": lambda self, other, *, alpha=1: self.sub(other, alpha=alpha), "negative": lambda self: -self,
    "absolute": lambda self: self.abs(),
    "squeeze_": squeeze_, "unsqueeze_": unsqueeze_, "transpose_": transpose_, "swapaxes_": transpose_,
    "swapdims_": transpose_, "t_": t_,
    "type_as": type_as, "is_contiguous": is_contiguous, "get_device": get_device_index, "is_signed": is_signed,
    "is_nonzero": is_nonzero, "is_same_size": is_same_size, "storage_offset": storage_offset, "data_ptr": data_ptr,
    "is_cpu": property(lambda self: self._device.type == "cpu"),
    "is_cuda": property(lambda self: self._device.type == "cuda"),
    "retains_grad": property(lambda self: builtins.bool(self._retains_grad)),
}
# in-place forms through inplace_twin (versions, graphs and views as x += y); bound after the methods they call
for _name in ("addmm", "addmv", "addbmm", "baddbmm", "addr", "renorm", "multiply", "divide", "true_divide",
              "subtract", "negative", "absolute", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal",
              "less", "less_equal", "not_equal"):
    METHODS[_name + "_"] = IP.inplace_twin(_name)

FUNCTIONS = {
    "mm": mm, "mv": mv, "bmm": bmm, "addmm": addmm, "addmv": addmv, "addbmm": addbmm, "baddbmm": baddbmm,
    "addr": addr, "ger": _method("outer"), "vdot": _method("dot"), "chain_matmul": chain_matmul,
    "renorm": renorm, "dist": dist, "true_divide": true_divide, "rsub": rsub, "t": _method("t"),
    "greater": _method("greater"), "greater_equal": _method("greater_equal"), "less": _method("less"),
    "less_equal": _method("less_equal"), "not_equal": _method("not_equal"), "absolute": _method("abs"),
    "is_nonzero": is_nonzero, "is_same_size": is_same_size, "is_complex": is_complex,
    "set_num_threads": set_num_threads, "get_num_threads": get_num_threads,
    "set_num_interop_threads": set_num_interop_threads, "get_num_interop_threads": get_num_interop_threads,
    "get_rng_state": get_rng_state, "set_rng_state": set_rng_state, "seed": seed,
    "use_deterministic_algorithms": use_deterministic_algorithms,
    "are_deterministic_algorithms_enabled": are_deterministic_algorithms_enabled,
    "is_deterministic_algorithms_warn_only_enabled": is_deterministic_algorithms_warn_only_enabled,
    "set_default_device": set_default_device, "get_default_device": get_default_device, "typename": typename,
    "broadcast_shapes": broadcast_shapes, "scalar_tensor": scalar_tensor, "randint_like": randint_like,
    "vander": vander, "hann_window": hann_window, "hamming_window": hamming_window,
    "blackman_window": blackman_window, "bartlett_window": bartlett_window, "kaiser_window": kaiser_window,
}

"""One OpSpec per public op: how to call it in minigrad and in torch, and how to draw its inputs.

`sample(draw, dtype)` returns the input arrays; `mg(*tensors)` and `th(*tensors)` run the op (one lambda serves both
when the APIs agree). Defaults: float32 and float64, gradients checked, float64 finite differences run.
"""
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as TF
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


@dataclass
class OpSpec:
    name: str
    mg: Callable
    th: Callable = None
    sample: Callable = None
    grad: bool = True
    gradcheck: bool = True  # False where the function is piecewise constant or kinks sit inside the domain
    dtypes: tuple = (F32, F64)
    note: str = field(default="")

    def __post_init__(self):
        self.th = self.th or self.mg


# ---------------------------------------------------------------------------------------------- drawing arrays
def _values(draw, shape, dtype, lo=-3.0, hi=3.0, signed=False):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a = rng.uniform(lo, hi, size=shape)
    if signed:
        a = a * rng.choice([-1.0, 1.0], size=shape)
    return _layout(draw, a.astype(dtype))


def _layout(draw, a):
    """Sometimes hand the op a non-contiguous view with the same values."""
    if a.ndim >= 2 and min(a.shape) > 1 and draw(st.booleans()):
        return np.asfortranarray(a)
    if a.ndim == 1 and a.size > 1 and draw(st.booleans()):
        return np.repeat(a, 2)[::2]
    return a


def shapes(min_dims=0, max_dims=4, min_side=0, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def unary(lo=-3.0, hi=3.0, signed=False, min_dims=0, min_side=0):
    def sample(draw, dtype):
        return [_values(draw, draw(shapes(min_dims=min_dims, min_side=min_side)), dtype, lo, hi, signed)]

    return sample


def binary(lo=-3.0, hi=3.0, lo2=None, hi2=None, signed2=False, n=2):
    def sample(draw, dtype):
        pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=0, max_dims=4, min_side=0, max_side=4))
        out = [_values(draw, pair.input_shapes[0], dtype, lo, hi)]
        for s in pair.input_shapes[1:]:
            out.append(_values(draw, s, dtype, lo if lo2 is None else lo2, hi if hi2 is None else hi2, signed2))
        return out

    return sample


def _dim(draw, ndim):
    return draw(st.integers(-ndim, ndim - 1)) if ndim else draw(st.sampled_from([0, -1]))


def reduction(fn_mg, fn_th=None, nonempty=False, lo=-3.0, hi=3.0, multi=True, single=False):
    """An OpSpec body for a reduction: draws dim (None, an int, or a tuple) and keepdim with the shape."""
    def sample(draw, dtype):
        shape = draw(shapes(min_side=1 if nonempty else 0))
        x = _values(draw, shape, dtype, lo, hi)
        nd = len(shape)
        if single or not nd:
            dim = _dim(draw, nd)
        else:
            kind = draw(st.sampled_from(["none", "int", "tuple"] if multi else ["int"]))
            dim = None if kind == "none" else _dim(draw, nd) if kind == "int" else tuple(
                draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True)))
        keepdim = draw(st.booleans())
        return [x, ("dim", dim, keepdim)]

    return sample


def R(name, th_name=None, **kw):
    """A reduction called as x.name(dim, keepdim=...) in both libraries (dim=None means all)."""
    th_name = th_name or name

    def mg(x, dim, keepdim):
        return getattr(x, name)(dim=dim, keepdim=keepdim) if dim is not None else getattr(x, name)()

    def th(x, dim, keepdim):
        return getattr(x, th_name)(dim=dim, keepdim=keepdim) if dim is not None else getattr(x, th_name)()

    return mg, th


def matmul_pairs(draw, dtype):
    k = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["1x1", "1xn", "nx1", "2x2", "batch"]))
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    if kind == "1x1":
        sa, sb = (k,), (k,)
    elif kind == "1xn":
        sa, sb = (k,), draw(st.sampled_from([(k, n), (2, k, n)]))
    elif kind == "nx1":
        sa, sb = draw(st.sampled_from([(m, k), (3, m, k)])), (k,)
    elif kind == "2x2":
        sa, sb = (m, k), (k, n)
    else:
        ba = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, min_side=1, max_side=3))
        sa, sb = ba.input_shapes[0] + (m, k), ba.input_shapes[1] + (k, n)
    return [_values(draw, sa, dtype), _values(draw, sb, dtype)]


EINSUM_CASES = [("ij,jk->ik", [(3, 4), (4, 2)]), ("ij,jk", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
                ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("ij->", [(2, 3)]), ("i,j->ij", [(3,), (2,)]),
                ("ij,ij->ij", [(2, 3), (2, 3)]), ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
                ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("ji,jk->ik", [(2, 5), (2, 3)]),
                ("ijk,kl->ijl", [(2, 3, 2), (2, 4)]), ("ij,k->ijk", [(2, 3), (2,)]), ("iij,j->i", [(2, 2, 3), (3,)]),
                ("i,i->", [(4,), (4,)]), ("ij->ji", [(2, 3)]), ("bi,bi->b", [(3, 4), (3, 4)]), ("...i->...", [(2, 3, 4)]),
                # only some operands with '...', and size-1 dims broadcasting, as torch allows
                ("...ij,jk->...ik", [(2, 3, 4), (4, 2)]), ("...i,i->...", [(2, 3), (3,)]), ("ij...->j", [(2, 3, 2)]),
                ("ij,ij->ij", [(1, 3), (2, 3)]), ("bij,bjk->bik", [(2, 3, 4), (1, 4, 2)])]


def einsum_sample(draw, dtype):
    eq, shapes_ = draw(st.sampled_from(EINSUM_CASES))
    return [_values(draw, s, dtype) for s in shapes_] + [("eq", eq)]


def _eq_mg(*args):
    return minigrad.einsum(args[-1][1], *args[:-1])


def _eq_th(*args):
    return torch.einsum(args[-1][1], *args[:-1])


def cat_sample(draw, dtype):
    shape = draw(shapes(min_dims=1, max_dims=3))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    out = []
    for _ in range(draw(st.integers(1, 3))):
        s = list(shape)
        s[dim] = draw(st.integers(0, 3))
        out.append(_values(draw, tuple(s), dtype))
    return out + [("dim", dim, False)]


def stack_sample(draw, dtype):
    shape = draw(shapes(max_dims=3))
    dim = draw(st.integers(-len(shape) - 1, len(shape)))
    return [_values(draw, shape, dtype) for _ in range(draw(st.integers(1, 3)))] + [("dim", dim, False)]


def gather_sample(draw, dtype):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1))
    dim = draw(st.integers(0, len(shape) - 1))
    ishape = tuple(draw(st.integers(1, n)) if k != dim else draw(st.integers(1, 4)) for k, n in enumerate(shape))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    return [_values(draw, shape, dtype), rng.integers(0, shape[dim], size=ishape), ("dim", dim, False)]


def index_select_sample(draw, dtype):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1))
    dim = draw(st.integers(0, len(shape) - 1))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    return [_values(draw, shape, dtype), rng.integers(0, shape[dim], size=draw(st.integers(0, 5))),
            ("dim", dim, False)]


def topk_sample(draw, dtype):
    shape = draw(shapes(max_dims=3))
    dim = _dim(draw, len(shape))
    k = draw(st.integers(0, shape[dim] if shape else 1))
    return [_values(draw, shape, dtype), ("dim", (dim, k), draw(st.booleans()))]


NORM_PS = ["fro", 1, 2, 3, 0.5, -1, 0, float("inf"), -float("inf")]


def norm_sample(draw, dtype):
    p = draw(st.sampled_from(NORM_PS))
    shape = draw(shapes(max_dims=3, min_side=1 if p in (float("inf"), -float("inf")) else 0))
    nd = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"] if nd else ["none"]))
    dim = None if kind == "none" else _dim(draw, nd) if kind == "int" else tuple(
        draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=min(nd, 2), unique=True)))
    return [_values(draw, shape, dtype), ("dim", (p, dim), draw(st.booleans()))]


def _norm(x, pd, keepdim):
    return x.norm(pd[0], pd[1], keepdim)


def scatter_sample(draw, dtype, unique=True):
    """self, index, src and dim for scatter/scatter_add: index at most self's shape off `dim` and src's shape
    (src is index's shape: torch's backward refuses a larger src). unique: no index repeats along dim, since
    which repeated write wins is unspecified in torch."""
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1))
    dim = draw(st.integers(0, len(shape) - 1))
    ishape = tuple(draw(st.integers(0, n if k != dim or unique else 4)) for k, n in enumerate(shape))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    if unique:  # a random permutation of range(n) down each line along dim, cut to the index's length
        full = tuple(n if k == dim else i for k, (i, n) in enumerate(zip(ishape, shape)))
        index = np.argsort(rng.random(full), axis=dim).take(range(ishape[dim]), axis=dim)
    else:
        index = rng.integers(0, shape[dim], size=ishape)
    return [_values(draw, shape, dtype), index, _values(draw, ishape, dtype), ("dim", dim, False)]


def _inplace_unary(x):
    """In-place twins on non-leaf copies (the graph is rebased), each against torch's."""
    return ((x * 1).clamp_(-0.5, 0.7), (x * 1).clip_(max=0.3), (x * 1).exp_(), (x * 1).neg_(), (x * 1).abs_(),
            (x * x + 0.5).sqrt_(), (x * 1).pow_(3), (x * 1).tanh_(), (x * 1).sigmoid_(), (x * 1).round_(decimals=1),
            (x * 1).div_(0.7, rounding_mode="floor"), (x * 1).sin_().mul_(2))


def _inplace_args(lib):
    """In-place twins whose argument is a tensor that requires grad, also on a leaf that does not. The mask and the
    index are constants: a lazy graph replays a rebased tensor's op without attrs drawn from placeholders."""
    def fn(x, y):
        shape = tuple(x.shape)
        mask = lib.tensor(np.arange(x.numel()).reshape(shape) % 2 == 0, device=x.device)
        index = lib.tensor(np.ascontiguousarray(np.broadcast_to(
            np.arange(shape[0])[::-1].reshape((-1,) + (1,) * (len(shape) - 1)), shape)), device=x.device)
        no_grad_leaf = lib.ones(shape, dtype=x.dtype, device=x.device) * 1.5
        return ((x * 1).pow_(y), no_grad_leaf.clamp_(min=y), (x * 1).masked_fill_(mask, -1.0), (x * 1).cumprod_(-1),
                (x * 1).scatter_(0, index, y), (x * 1).scatter_add_(0, index, y))

    return fn


def inplace_args_sample(draw, dtype):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1))
    return [_values(draw, shape, dtype, 0.5, 2.5), _values(draw, shape, dtype, 0.5, 2.5)]


def where_sample(draw, dtype):
    shp = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, min_side=0, max_side=3))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    return [rng.random(shp.input_shapes[0]) < 0.5] + [_values(draw, s, dtype) for s in shp.input_shapes[1:]]


def masked_fill_sample(draw, dtype):
    shape = draw(shapes(max_dims=3))
    mshape = tuple(draw(st.sampled_from([1, n])) for n in shape[draw(st.integers(0, len(shape))):])
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    return [_values(draw, shape, dtype), rng.random(mshape) < 0.5]


def clamp_tensor_sample(draw, dtype):
    # torch's clamp backward needs the bounds to broadcast to x's shape, not beyond it
    x = draw(shapes(max_dims=3, max_side=3))
    lo, hi = (x[draw(st.integers(0, len(x))):] for _ in range(2))
    return [_values(draw, x, dtype), _values(draw, lo, dtype, -2, 0.5), _values(draw, hi, dtype, -0.5, 2)]


def unfold_sample(draw, dtype):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=6))
    dim = draw(st.integers(0, len(shape) - 1))
    size = draw(st.integers(0, shape[dim]))
    step = draw(st.integers(1, 3))
    return [_values(draw, shape, dtype), ("dim", (dim, size, step), False)]


def pad_sample(draw, dtype):
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    if mode == "constant":
        shape = draw(shapes(min_dims=1, max_dims=4, min_side=2, max_side=4))
        k = draw(st.integers(1, len(shape)))
    else:  # torch pads the last 1-3 dims of an (N, C, ...) or (C, ...) input in these modes
        shape = draw(shapes(min_dims=2, max_dims=4, min_side=2, max_side=4))
        k = draw(st.sampled_from([d for d in (len(shape) - 1, len(shape) - 2) if 1 <= d <= 3]))
    lo = -1 if mode == "constant" else 0
    pads = tuple(draw(st.integers(lo, 1 if mode == "reflect" else 2)) for _ in range(2 * k))
    return [_values(draw, shape, dtype), ("dim", (pads, mode), False)]


def _pad_th(x, spec, keep):
    pads, mode = spec
    return TF.pad(x, pads, mode=mode, value=1.5) if mode == "constant" else TF.pad(x, pads, mode=mode)


def _pad_mg(x, spec, keep):
    pads, mode = spec
    return minigrad.pad(x, pads, mode=mode, value=1.5) if mode == "constant" else minigrad.pad(x, pads, mode=mode)


GETITEM_CASES = [(slice(1, None), (4, 3)), ((Ellipsis, 1), (2, 3, 4)), ((0, slice(None, None, 2)), (3, 5)),
                 ((None, slice(None), 0), (3, 2)), ("intarr", (5, 2)), ("intarr2", (4, 3)), ("boolmask", (3, 4)),
                 (-1, (3, 2)), ((slice(None), [0, 2]), (2, 3))]


def getitem_sample(draw, dtype):
    idx, shape = draw(st.sampled_from(GETITEM_CASES))
    x = _values(draw, shape, dtype)
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    if idx == "intarr":
        idx = rng.integers(-shape[0], shape[0], size=(3,))  # repeats: the gradient accumulates
    elif idx == "intarr2":
        idx = (rng.integers(0, shape[0], size=(2, 2)), slice(None), )
    elif idx == "boolmask":
        idx = rng.random(shape) < 0.5
    return [x, ("dim", idx, False)]


def _gi(idx):
    if isinstance(idx, np.ndarray):
        return idx
    if isinstance(idx, tuple):
        return tuple(_gi(i) for i in idx)
    return idx


def _gi_th(idx):
    if isinstance(idx, (np.ndarray, list)):
        return torch.as_tensor(idx)
    if isinstance(idx, tuple):
        return tuple(_gi_th(i) for i in idx)
    return idx


def setitem_sample(draw, dtype):
    shape = draw(st.sampled_from([(4, 3), (5,), (2, 3, 2)]))
    x = _values(draw, shape, dtype)
    kind = draw(st.sampled_from(["slice", "int", "bcast"]))
    if kind == "slice":
        v = _values(draw, (2,) + shape[1:], dtype)
        idx = slice(0, 2)
    elif kind == "int":
        v = _values(draw, shape[1:], dtype)
        idx = 0
    else:
        v = _values(draw, (1,) * (len(shape) - 1), dtype)
        idx = slice(None, 2)
    return [x, v, ("dim", idx, False)]


def _setitem(lib):
    def fn(x, v, idx, keep):
        y = x * 1.0
        y[idx] = v
        return y * 2.0

    return fn


def _axes_sample(make):
    """A sampler for ops with a drawn axis argument: make(draw, shape) -> the extra argument."""
    def sample(draw, dtype):
        shape = draw(shapes(max_dims=4))
        return [_values(draw, shape, dtype), ("dim", make(draw, shape), False)]

    return sample


def _perm(draw, shape):
    return tuple(draw(st.permutations(range(len(shape)))))


def _sq(draw, shape):
    return draw(st.sampled_from([None] + list(range(-len(shape), len(shape))))) if shape else None


def _reshape_target(draw, shape):
    n = int(np.prod(shape))
    divs = [d for d in range(1, n + 1) if n % d == 0] if n else [1]
    d = draw(st.sampled_from(divs))
    return draw(st.sampled_from([(n,), (d, -1), (-1, d, 1), ()])) if n == 1 else (
        draw(st.sampled_from([(n,), (d, -1), (-1, d, 1)])) if n else draw(st.sampled_from([(0,), (2, 0)])))


def _repeats(draw, shape):
    return tuple(draw(st.integers(0, 2)) for _ in range(len(shape) + draw(st.integers(0, 1))))


def _expand(draw, shape):
    lead = tuple(draw(st.integers(1, 2)) for _ in range(draw(st.integers(0, 1))))
    return lead + tuple(draw(st.sampled_from([1, 3, -1])) if n == 1 else draw(st.sampled_from([n, -1])) for n in shape)


def _split(draw, shape):
    if not shape:
        return None
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    if draw(st.booleans()) or n == 0:
        return dim, draw(st.integers(1, 3))
    cut = draw(st.integers(0, n))
    return dim, [cut, n - cut]


def _flatten(draw, shape):
    if not shape:
        return (0, -1)
    s = draw(st.integers(0, len(shape) - 1))
    return s, draw(st.integers(s, len(shape) - 1))


def _tensordot(draw, dtype):
    a = draw(shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    k = draw(st.integers(0, len(a)))
    b = a[len(a) - k:] + draw(shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    return [_values(draw, a, dtype), _values(draw, b, dtype), ("dim", k, False)]


def _vec2(draw, dtype, same=True):
    n = draw(st.integers(0, 5))
    m = n if same else draw(st.integers(0, 5))
    return [_values(draw, (n,), dtype), _values(draw, (m,), dtype)]


def _bools(draw, dtype):
    pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    return [rng.random(s) < 0.5 for s in pair.input_shapes]


def _ints(draw, dtype):
    pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    a = rng.integers(-9, 10, size=pair.input_shapes[0])
    b = rng.integers(1, 5, size=pair.input_shapes[1]) * rng.choice([-1, 1], size=pair.input_shapes[1])
    return [a, b]


def U(name, lo=-3.0, hi=3.0, th=None, signed=False, **kw):
    """A unary op called as the same-named method in both libraries (or `th` in torch)."""
    return OpSpec(name, lambda x: getattr(x, name)(), th or (lambda x: getattr(x, name)()),
                  sample=unary(lo, hi, signed), **kw)


def A(name, mg, th=None, sample=None, **kw):
    """An op whose sampler passes a trailing ("dim", arg, keepdim) marker as two extra arguments."""
    return OpSpec(name, mg, th or mg, sample=sample, **kw)


OPS = [
    # arithmetic (Add, Sub, Mul, Div, Neg, Pow, PowScalar, Remainder, FloorDivide) and reflected forms
    OpSpec("add", lambda a, b: a + b, sample=binary()),
    OpSpec("sub", lambda a, b: a - b, sample=binary()),
    OpSpec("mul", lambda a, b: a * b, sample=binary()),
    OpSpec("div", lambda a, b: a / b, sample=binary(lo2=0.5, hi2=3.0, signed2=True)),
    OpSpec("pow", lambda a, b: a ** b, sample=binary(lo=0.5, hi=2.0)),
    OpSpec("neg", lambda a: -a, sample=unary()),
    OpSpec("pow_scalar", lambda a: a ** 3, sample=unary()),
    OpSpec("pow_fraction", lambda a: a ** 0.5 + a ** -1.5, sample=unary(0.3, 3.0)),
    OpSpec("rsub_rdiv_rpow", lambda a: (2.0 - a) * (3.0 / a) + 1.5 ** a, sample=unary(0.5, 2.0)),
    OpSpec("remainder", lambda a, b: a % b, sample=binary(lo2=0.7, hi2=2.0, signed2=True), gradcheck=False,
           note="remainder jumps where a/b is an integer"),
    OpSpec("floor_divide", lambda a, b: a // b, sample=binary(lo2=0.7, hi2=2.0, signed2=True), grad=False),
    OpSpec("int_floordiv_mod", lambda a, b: (a // b, a % b), sample=_ints, grad=False, dtypes=(F64,)),
    OpSpec("div_rounding", lambda a, b: (a.div(b, rounding_mode="trunc"), a.div(b, rounding_mode="floor")),
           sample=binary(lo2=0.5, hi2=3.0, signed2=True), gradcheck=False, note="piecewise constant: zero gradient"),
    OpSpec("int_div_rounding", lambda a, b: (a.div(b, rounding_mode="trunc"), a.div(b, rounding_mode="floor")),
           sample=_ints, grad=False, dtypes=(F64,)),
    OpSpec("inplace_unary", _inplace_unary, sample=unary(), gradcheck=False, note="clamp and round have kinks"),
    OpSpec("inplace_args", _inplace_args(minigrad), _inplace_args(torch), inplace_args_sample),
    # comparisons and logic: no gradient
    OpSpec("eq", lambda a, b: a == b, sample=binary(), grad=False),
    OpSpec("ne", lambda a, b: a != b, sample=binary(), grad=False),
    OpSpec("lt", lambda a, b: a < b, sample=binary(), grad=False),
    OpSpec("le", lambda a, b: a <= b, sample=binary(), grad=False),
    OpSpec("gt", lambda a, b: a > b, sample=binary(), grad=False),
    OpSpec("ge", lambda a, b: a >= b, sample=binary(), grad=False),
    OpSpec("logical", lambda a, b: (a & b, a | b, a ^ b, ~a), sample=_bools, grad=False, dtypes=(F64,)),
    OpSpec("bitwise", lambda a, b: (a & b, a | b, a ^ b, ~a, a & 6, 5 | b), sample=_ints, grad=False, dtypes=(F64,)),
    OpSpec("logical_of_ints", lambda a, b: (a.logical_and(b), a.logical_or(b), a.logical_xor(b)), sample=_ints,
           grad=False, dtypes=(F64,)),
    # unary math
    U("exp", -5, 5), U("log", 0.1, 10), U("log1p", -0.9, 5), U("expm1"), U("sqrt", 0.1, 10), U("rsqrt", 0.1, 10),
    U("reciprocal", 0.3, 3, signed=True), U("abs", 0.1, 3, signed=True), U("sin"), U("cos"), U("tan", -1.2, 1.2),
    U("tanh"), U("sigmoid", -8, 8), U("arctanh", -0.9, 0.9), U("arcsin", -0.9, 0.9), U("arcsinh"), U("erf"),
    U("square"), U("relu", 0.05, 3, signed=True),
    U("sign", 0.1, 3, signed=True, gradcheck=False), U("floor", gradcheck=False), U("ceil", gradcheck=False),
    U("round", gradcheck=False), U("trunc", gradcheck=False),
    OpSpec("round_decimals", lambda x: (x.round(decimals=1), x.round(decimals=2), x.round(decimals=-1)),
           sample=unary(-300, 300), gradcheck=False),
    # activations
    OpSpec("leaky_relu", lambda x: x.leaky_relu(0.2), lambda x: TF.leaky_relu(x, 0.2), unary(0.05, 3, True)),
    OpSpec("elu", lambda x: x.elu(1.3), lambda x: TF.elu(x, 1.3), unary(0.05, 3, True)),
    OpSpec("gelu", lambda x: x.gelu(), lambda x: TF.gelu(x), unary(-4, 4)),
    OpSpec("gelu_tanh", lambda x: x.gelu("tanh"), lambda x: TF.gelu(x, approximate="tanh"), unary(-4, 4)),
    OpSpec("silu", lambda x: x.silu(), lambda x: TF.silu(x), unary(-6, 6)),
    OpSpec("softplus", lambda x: x.softplus(2.0, 3.0), lambda x: TF.softplus(x, 2.0, 3.0), unary(-3, 1.4)),
    OpSpec("clamp", lambda x: x.clamp(-0.5, 0.7), sample=unary(), gradcheck=False, note="kinks at the bounds"),
    OpSpec("clamp_min", lambda x: x.clamp(min=0.2), sample=unary(), gradcheck=False),
    OpSpec("clamp_tensor", lambda x, lo, hi: x.clamp(lo, hi), sample=clamp_tensor_sample, gradcheck=False),
    # b's range is shifted so that equal draws do not tie (ties are tested in test_ops_edge.py)
    OpSpec("maximum", lambda a, b: a.maximum(b), sample=binary(lo2=-2.63, hi2=3.37)),
    OpSpec("minimum", lambda a, b: a.minimum(b), sample=binary(lo2=-2.63, hi2=3.37)),
    OpSpec("where", lambda c, a, b: minigrad.where(c, a, b), lambda c, a, b: torch.where(c, a, b), where_sample),
    OpSpec("masked_fill", lambda x, m: x.masked_fill(m, -2.0), sample=masked_fill_sample),
    OpSpec("cast", lambda x: x.double() * x.float(), sample=unary(), gradcheck=False,
           note="the float32 cast rounds away the finite difference"),
    # reductions
    A("sum", *R("sum"), sample=reduction(None)),
    A("mean", *R("mean"), sample=reduction(None)),
    A("prod", lambda x, d, k: x.prod(d, keepdim=k) if d is not None else x.prod(),
      lambda x, d, k: x.prod(d, keepdim=k) if d is not None else x.prod(), sample=reduction(None, single=True)),
    A("prod_zeros", lambda x, d, k: (x * (x > 0.5)).prod(d, keepdim=k),
      lambda x, d, k: (x * (x > 0.5)).prod(d, keepdim=k), sample=reduction(None, single=True, lo=0, hi=1),
      gradcheck=False, note="zeros are made by a mask; a finite difference across the mask edge is meaningless"),
    A("var", lambda x, d, k: x.var(d, keepdim=k, correction=0), lambda x, d, k: x.var(d, keepdim=k, correction=0),
      sample=reduction(None, nonempty=True)),
    A("std", lambda x, d, k: x.std(d, keepdim=k), lambda x, d, k: x.std(d, keepdim=k),
      sample=reduction(None, nonempty=True), note="correction=1; sizes >= 1 so N - 1 may be 0 (nan, as torch)"),
    A("amax", *R("amax"), sample=reduction(None, nonempty=True)),
    A("amin", *R("amin"), sample=reduction(None, nonempty=True)),
    A("max", lambda x, d, k: x.max(), lambda x, d, k: x.max(), sample=reduction(None, nonempty=True)),
    A("max_dim", lambda x, d, k: x.max(d, keepdim=k), lambda x, d, k: tuple(x.max(d, keepdim=k)),
      sample=reduction(None, nonempty=True, single=True)),
    A("min_dim", lambda x, d, k: x.min(d, keepdim=k), lambda x, d, k: tuple(x.min(d, keepdim=k)),
      sample=reduction(None, nonempty=True, single=True)),
    A("argmax", lambda x, d, k: x.argmax(d, keepdim=k), sample=reduction(None, nonempty=True, single=True),
      grad=False),
    A("argmin", lambda x, d, k: x.argmin(d, keepdim=k), sample=reduction(None, nonempty=True, single=True),
      grad=False),
    A("any_all", lambda x, d, k: ((x > 0).any(d, keepdim=k), (x > 0).all(d, keepdim=k)),
      sample=reduction(None, single=True), grad=False),
    A("logsumexp", lambda x, d, k: x.logsumexp(d, keepdim=k), sample=reduction(None, single=True)),
    A("softmax", lambda x, d, k: x.softmax(d), sample=reduction(None, single=True)),
    A("log_softmax", lambda x, d, k: x.log_softmax(d), sample=reduction(None, single=True)),
    A("cumsum", lambda x, d, k: x.cumsum(d), sample=reduction(None, single=True)),
    A("cumprod", lambda x, d, k: x.cumprod(d), sample=reduction(None, single=True)),
    A("cumprod_zeros", lambda x, d, k: (x * (x > 0.5)).cumprod(d), sample=reduction(None, single=True, lo=0, hi=1),
      gradcheck=False, note="zeros are made by a mask (none, one or several per line: torch's exact gradient)"),
    A("norm", _norm, sample=norm_sample, note="p in NORM_PS over None, one or two dims"),
    # sorting: drawn values are distinct, so indices are compared too (ties: tests/test_ops_api_torch.py)
    A("sort", lambda x, d, k: tuple(x.sort(d, descending=k)), sample=reduction(None, single=True)),
    A("sort_stable", lambda x, d, k: tuple(x.sort(dim=d, descending=k, stable=True)),
      sample=reduction(None, single=True)),
    A("argsort", lambda x, d, k: x.argsort(d, descending=k), sample=reduction(None, single=True), grad=False),
    A("topk", lambda x, a, k: tuple(x.topk(a[1], a[0], largest=k)), sample=topk_sample),
    # shape ops
    A("reshape", lambda x, s, k: x.reshape(s), sample=_axes_sample(_reshape_target)),
    A("view", lambda x, s, k: x.view(s), sample=_axes_sample(_reshape_target)),
    A("permute", lambda x, p, k: x.permute(p), sample=_axes_sample(_perm)),
    OpSpec("transpose_mT", lambda x: (x.transpose(0, -1), x.mT), sample=unary(min_dims=2)),
    OpSpec("T", lambda x: x.T, sample=lambda draw, dt: [_values(draw, draw(shapes(0, 2)), dt)]),
    A("squeeze", lambda x, d, k: x.squeeze(d) if d is not None else x.squeeze(), sample=_axes_sample(_sq)),
    A("unsqueeze", lambda x, d, k: x.unsqueeze(d),
      sample=_axes_sample(lambda draw, s: draw(st.integers(-len(s) - 1, len(s))))),
    A("flatten", lambda x, d, k: x.flatten(*d), sample=_axes_sample(_flatten)),
    A("expand", lambda x, s, k: x.expand(s), sample=_axes_sample(_expand)),
    A("broadcast_to", lambda x, s, k: x.broadcast_to((2,) + tuple(x.shape)), sample=_axes_sample(lambda d, s: None)),
    A("repeat", lambda x, r, k: x.repeat(r), sample=_axes_sample(_repeats)),
    A("flip", lambda x, d, k: x.flip(d), sample=_axes_sample(lambda draw, s: tuple(
        draw(st.lists(st.integers(0, len(s) - 1), unique=True, max_size=len(s)))) if s else ())),
    A("split", lambda x, a, k: x.split(a[1], a[0]) if a else (x * 1,),
      lambda x, a, k: x.split(a[1], a[0]) if a else (x * 1,), sample=_axes_sample(_split)),
    A("chunk", lambda x, a, k: x.chunk(a[1], a[0]) if a and isinstance(a[1], int) else (x * 1,),
      lambda x, a, k: x.chunk(a[1], a[0]) if a and isinstance(a[1], int) else (x * 1,),
      sample=_axes_sample(_split)),
    OpSpec("cat", lambda *a: minigrad.cat(a[:-2], a[-2]), lambda *a: torch.cat(a[:-2], a[-2]), cat_sample),
    OpSpec("stack", lambda *a: minigrad.stack(a[:-2], a[-2]), lambda *a: torch.stack(a[:-2], a[-2]), stack_sample),
    A("pad", _pad_mg, _pad_th, sample=pad_sample),
    OpSpec("pad_constant", lambda x: minigrad.pad(x, (1, 2)), lambda x: TF.pad(x, (1, 2)), unary(min_dims=1)),
    A("gather", lambda x, i, d, k: x.gather(d, i), sample=gather_sample),
    A("index_select", lambda x, i, d, k: x.index_select(d, i), sample=index_select_sample),
    A("scatter", lambda x, i, s, d, k: x.scatter(d, i, s), sample=scatter_sample),
    A("scatter_value", lambda x, i, s, d, k: x.scatter(d, i, 1.5) * s.sum(), sample=scatter_sample),
    A("scatter_add", lambda x, i, s, d, k: x.scatter_add(d, i, s),
      sample=lambda draw, dt: scatter_sample(draw, dt, unique=False)),
    A("unfold", lambda x, a, k: x.unfold(*a), sample=unfold_sample),
    A("as_strided", lambda x, a, k: x.as_strided((max(x.numel() - 2, 0) // 2, 3), (2, 1)) if x.numel() >= 3
      else x * 1, sample=_axes_sample(lambda draw, s: None)),
    A("getitem", lambda x, i, k: x[_gi(i)], lambda x, i, k: x[_gi_th(i)], sample=getitem_sample),
    OpSpec("setitem", _setitem("mg"), _setitem("th"), sample=setitem_sample),
    OpSpec("clone", lambda x: x.clone(), sample=unary()),
    # products
    OpSpec("matmul", lambda a, b: a @ b, sample=matmul_pairs),
    OpSpec("einsum", _eq_mg, _eq_th, sample=einsum_sample),
    A("tensordot", lambda a, b, k, _: minigrad.tensordot(a, b, k), lambda a, b, k, _: torch.tensordot(a, b, k),
      sample=_tensordot),
    OpSpec("dot", lambda a, b: minigrad.dot(a, b), lambda a, b: torch.dot(a, b), sample=_vec2),
    OpSpec("outer", lambda a, b: minigrad.outer(a, b), lambda a, b: torch.outer(a, b),
           sample=lambda draw, dt: _vec2(draw, dt, same=False)),
]

# the op tables of the torch API beyond the core set, one file per theme (src/minigrad/ops/<theme>.py)
from opdb_linalg import OPS as _LINALG  # noqa: E402
from opdb_shaping import OPS as _SHAPING  # noqa: E402
from opdb_special import OPS as _SPECIAL  # noqa: E402
from opdb_statistics import OPS as _STATISTICS  # noqa: E402
from opdb_tensor_misc import OPS as _MISC  # noqa: E402

OPS += _SPECIAL + _STATISTICS + _SHAPING + _MISC + _LINALG
BY_NAME = {s.name: s for s in OPS}
assert len(BY_NAME) == len(OPS), "duplicate OpSpec names"


def call_args(arrays):
    """Turn a sample into (tensor arrays, trailing plain arguments)."""
    arrays = list(arrays)
    extra = []
    if arrays and isinstance(arrays[-1], tuple) and arrays[-1] and arrays[-1][0] in ("dim", "eq"):
        marker = arrays.pop()
        extra = list(marker[1:]) if marker[0] == "dim" else [marker]
    return arrays, extra

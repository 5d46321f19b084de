"""Export a traced minigrad graph to ONNX: one table maps each op (Function class name) to ONNX nodes.

Tracing runs the model once on placeholders that already hold the example input (lazy.py), so every op that
depends on the input is recorded, even those that no grad needs; ops on parameters alone are recorded by the
engine. Leaves become initializers (named after the module's parameters and buffers) or constants; index and
condition arrays computed from the input (an Embedding's indices, a `where` on a comparison) become node inputs.
Shapes are those of the example input (no dynamic axes).
"""
import math

import numpy as np

from .. import lazy
from ..autograd.grad_mode import enable_grad
from ..ops.linalg import parse_einsum
from ..tensor import Tensor

DEFAULT_OPSET = 17
MIN_OPSET, MAX_OPSET = 13, 21


class UnsupportedOperatorError(RuntimeError):
    """Raised with every op of the model that has no ONNX mapping (torch.onnx.errors.UnsupportedOperatorError)."""


class _Unsupported(Exception):
    """A handler refuses this particular use of a supported op (reason in the message)."""


class _Builder:
    def __init__(self, helper, numpy_helper, opset):
        self.helper, self.numpy_helper, self.opset = helper, numpy_helper, opset
        self.nodes, self.inits, self.count = [], [], 0

    def fresh(self, prefix="t"):
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, value, dtype=None, name=None):
        arr = np.asarray(value, dtype=dtype)
        name = name or self.fresh("const")
        # np.ascontiguousarray makes a 0-d array 1-d: a scalar constant would broadcast a 0-d result to shape (1,)
        self.inits.append(self.numpy_helper.from_array(np.ascontiguousarray(arr).reshape(arr.shape), name))
        return name

    def ints(self, values):
        return self.const(np.asarray(list(values), dtype=np.int64))

    def op(self, op_type, inputs, out=None, **attrs):
        out = out or self.fresh()
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [out], name=f"{op_type}_{len(self.nodes)}",
                                                **attrs))
        return out

    def reduce(self, op_type, x, axes, keepdims, out=None):
        """Reduce ops moved `axes` from an attribute to an input in opset 18 (ReduceSum in 13)."""
        if not axes:
            return self.op("Identity", [x], out)
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, [x, self.ints(axes)], out, keepdims=int(bool(keepdims)))
        return self.op(op_type, [x], out, axes=list(axes), keepdims=int(bool(keepdims)))


def _host(arr):
    """A NumPy copy of an attr array (CuPy arrays have .get())."""
    return arr.get() if hasattr(arr, "get") and not isinstance(arr, np.ndarray) else np.asarray(arr)


def _np_dtype(t):
    return np.dtype(t.dtype)


def _scalar(b, value, like):
    return b.const(value, dtype=_np_dtype(like))


# ------------------------------------------------------------------------------------------------- handlers
# Each handler: (builder, input names, input tensors, attrs, output tensor, dynamic attr names, out name) -> name.
def _same(op_type):
    return lambda b, n, ins, a, t, dyn, out: b.op(op_type, n, out)


def _unary(op_type):
    return lambda b, n, ins, a, t, dyn, out: b.op(op_type, n[:1], out)


def _pow_scalar(b, n, ins, a, t, dyn, out):
    return b.op("Pow", [n[0], _scalar(b, a["exponent"], ins[0])], out)


def _cast(b, n, ins, a, t, dyn, out):
    from onnx import helper

    return b.op("Cast", n, out, to=helper.np_dtype_to_tensor_dtype(np.dtype(a["dtype"])))


def _where(b, n, ins, a, t, dyn, out):
    cond = dyn.get(("cond", None)) or b.const(_host(a["cond"]).astype(bool))
    return b.op("Where", [cond, n[0], n[1]], out)


def _clamp(b, n, ins, a, t, dyn, out):
    x = n[0]
    if a.get("has_lo", True):
        x = b.op("Max", [x, n[1]], None if a.get("has_hi", True) else out)
    if a.get("has_hi", True):
        x = b.op("Min", [x, n[2]], out)
    return x if (a.get("has_lo", True) or a.get("has_hi", True)) else b.op("Identity", [x], out)


def _remainder(b, n, ins, a, t, dyn, out):
    if _np_dtype(t).kind in "iu":
        return b.op("Mod", n, out, fmod=0)  # fmod=0: the sign of the divisor, as Python and torch
    return b.op("Sub", [n[0], b.op("Mul", [b.op("Floor", [b.op("Div", n)]), n[1]])], out)


def _rounded_div(b, n, t, out, rnd):
    """x / y rounded by rnd(quotient, out) in floating point; integers go through float64 and back (exact for
    int32/int64 magnitudes below 2**53)."""
    if _np_dtype(t).kind not in "iu":
        return rnd(b.op("Div", n), out)
    from onnx import helper

    x, y = (b.op("Cast", [v], to=11) for v in n)
    return b.op("Cast", [rnd(b.op("Div", [x, y]), None)], out, to=helper.np_dtype_to_tensor_dtype(_np_dtype(t)))


def _floor_divide(b, n, ins, a, t, dyn, out):
    return _rounded_div(b, n, t, out, lambda q, o: b.op("Floor", [q], o))


def _logical(b, n, ins, a, t, dyn, out):
    fn = a["fn"]
    if fn.startswith("logical_"):  # ONNX's And/Or/Xor/Not take bools; torch's take any dtype (non-zero is True)
        n = [v if _np_dtype(i) == np.bool_ else b.op("Cast", [v], to=9) for v, i in zip(n, ins)]
    elif fn in ("isinf", "isnan", "isfinite") and _np_dtype(ins[0]).kind not in "fc":
        return b.const(t.numpy())  # an integer is never inf or nan; ONNX's IsInf/IsNaN take floats only
    simple = {"logical_and": "And", "logical_or": "Or", "logical_xor": "Xor", "logical_not": "Not", "isinf": "IsInf",
              "isnan": "IsNaN"}
    if fn in simple:
        return b.op(simple[fn], n, out)
    if fn == "isfinite":
        return b.op("Not", [b.op("Or", [b.op("IsInf", n), b.op("IsNaN", n)])], out)
    bitwise = {"invert": "BitwiseNot", "bitwise_and": "BitwiseAnd", "bitwise_or": "BitwiseOr",
               "bitwise_xor": "BitwiseXor"}
    if fn in bitwise and b.opset >= 18:
        return b.op(bitwise[fn], n, out)
    raise _Unsupported(f"Logical(fn={fn!r})" + (" needs opset 18 or later" if fn in bitwise else ""))


def _gelu(b, n, ins, a, t, dyn, out):
    x = n[0]
    half, one = _scalar(b, 0.5, ins[0]), _scalar(b, 1.0, ins[0])
    if a.get("approximate", "none") == "tanh":
        cube = b.op("Mul", [x, b.op("Mul", [x, x])])
        inner = b.op("Add", [x, b.op("Mul", [cube, _scalar(b, 0.044715, ins[0])])])
        core = b.op("Tanh", [b.op("Mul", [inner, _scalar(b, math.sqrt(2 / math.pi), ins[0])])])
    else:
        core = b.op("Erf", [b.op("Mul", [x, _scalar(b, 1 / math.sqrt(2), ins[0])])])
    return b.op("Mul", [b.op("Mul", [x, half]), b.op("Add", [core, one])], out)


def _softplus(b, n, ins, a, t, dyn, out):
    beta, threshold = a.get("beta", 1.0), a.get("threshold", 20.0)
    bx = b.op("Mul", [n[0], _scalar(b, beta, ins[0])])
    soft = b.op("Div", [b.op("Softplus", [bx]), _scalar(b, beta, ins[0])], None if math.isfinite(threshold) else out)
    if not math.isfinite(threshold):
        return soft
    return b.op("Where", [b.op("Greater", [bx, _scalar(b, threshold, ins[0])]), n[0], soft], out)


def _linear(b, n, ins, a, t, dyn, out):
    if ins[0].ndim == 2:
        return b.op("Gemm", n, out, transB=1)
    y = b.op("MatMul", [n[0], b.op("Transpose", [n[1]], perm=[1, 0])], None if len(n) > 2 else out)
    return b.op("Add", [y, n[2]], out) if len(n) > 2 else y


def _einsum(b, n, ins, a, t, dyn, out):
    # spelled out: onnxruntime refuses an ellipsis that covers different ranks or is summed away ('ij...->j')
    subs, res = parse_einsum(a["equation"], [i.ndim for i in ins])
    return b.op("Einsum", n, out, equation=",".join(subs) + "->" + res)


def _reshape(b, n, ins, a, t, dyn, out):
    return b.op("Reshape", [n[0], b.ints(t.shape)], out)


def _permute(b, n, ins, a, t, dyn, out):
    if not a["axes"]:  # a 0-d tensor; onnx's helper cannot type an empty perm
        return b.op("Identity", n, out)
    return b.op("Transpose", n, out, perm=list(a["axes"]))


def _expand(b, n, ins, a, t, dyn, out):
    return b.op("Expand", [n[0], b.ints(t.shape)], out)


def _pad(b, n, ins, a, t, dyn, out):
    widths = a["pad_width"]
    pads = [lo for lo, _ in widths] + [hi for _, hi in widths]
    return b.op("Pad", [n[0], b.ints(pads), _scalar(b, a.get("value", 0.0), ins[0])], out, mode="constant")


def _flip(b, n, ins, a, t, dyn, out):
    axes = a["axis"]
    axes = list(range(ins[0].ndim)) if axes is None else ([axes] if isinstance(axes, int) else list(axes))
    big = np.iinfo(np.int64).max
    return b.op("Slice", [n[0], b.ints([-1] * len(axes)), b.ints([-big] * len(axes)), b.ints(axes),
                          b.ints([-1] * len(axes))], out)


def _getitem(b, n, ins, a, t, dyn, out):
    index = a["index"]
    if not dyn:
        # any constant index (slices, ints, None, arrays, masks): gather from the flattened input by the flat
        # positions that NumPy's own indexing picks
        host = tuple(_host(i) if hasattr(i, "shape") else i for i in index) if type(index) is tuple else (
            _host(index) if hasattr(index, "shape") else index)
        src = np.arange(ins[0].data.size, dtype=np.int64).reshape(ins[0].shape)[host]
        flat = b.op("Reshape", [n[0], b.ints([-1])])
        return b.op("Gather", [flat, b.const(src)], out, axis=0)
    parts = index if type(index) is tuple else (index,)
    paths = [k for k in dyn if k[0] == "index"]
    if len(paths) == 1:
        pos = paths[0][1] or 0
        if all(_full_slice(p) for p in parts[:pos]) and all(_full_slice(p) for p in parts[pos + 1:]):
            return b.op("Gather", [n[0], dyn[paths[0]]], out, axis=pos)
        if _is_along(parts, pos, ins[0].ndim):  # torch.gather's pattern (sort, topk): GatherElements
            return b.op("GatherElements", [n[0], dyn[paths[0]]], out, axis=pos)
    raise _Unsupported("GetItem with an index computed from the input mixed with other indices")


def _full_slice(p):
    return isinstance(p, slice) and p == slice(None)


def _is_along(parts, axis, ndim):
    """Whether index `parts` is ops.composite.along(idx, axis): idx at `axis`, aranges broadcast along the others."""
    if len(parts) != ndim:
        return False
    for k, p in enumerate(parts):
        if k == axis:
            continue
        if not hasattr(p, "shape") or p.ndim != ndim:
            return False
        h = _host(p)
        if h.shape[k] != h.size or not np.array_equal(h.reshape(-1), np.arange(h.size)):
            return False
    return True


def _flat_positions(shape, index):
    """The flat positions in an array of `shape` that a constant NumPy index picks (its result's shape)."""
    host = tuple(_host(i) if hasattr(i, "shape") else i for i in index) if type(index) is tuple else (
        _host(index) if hasattr(index, "shape") else index)
    return np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[host]


def _scatter(b, data, vals, shape, index, dyn, out, **reduction):
    """ScatterElements of vals into data (of `shape`) at `index`. A constant index goes through the flattened array
    at NumPy's own flat positions (repeated positions: the last write wins, as in NumPy); an index computed from
    the input must be torch.scatter's pattern (ops.composite.along), scattered along its axis."""
    if dyn:
        parts = index if type(index) is tuple else (index,)
        paths = [k for k in dyn if k[0] == "index"]
        axis = (paths[0][1] or 0) if len(paths) == 1 else None
        if axis is None or not _is_along(parts, axis, len(shape)):
            raise _Unsupported("an index computed from the input, other than torch.scatter's")
        vals = b.op("Expand", [vals, b.ints(parts[axis].shape)])
        return b.op("ScatterElements", [data, dyn[paths[0]], vals], out, axis=axis, **reduction)
    pos = np.asarray(_flat_positions(shape, index))
    vals = b.op("Reshape", [b.op("Expand", [vals, b.ints(pos.shape)]), b.ints([-1])])
    flat = b.op("Reshape", [data, b.ints([-1])])
    scattered = b.op("ScatterElements", [flat, b.const(pos.reshape(-1)), vals], axis=0, **reduction)
    return b.op("Reshape", [scattered, b.ints(shape)], out)


def _set_item(b, n, ins, a, t, dyn, out):
    """out = a copy of x with x[index] = values (scatter, x[i] = v)."""
    vals = n[1]
    if _np_dtype(ins[1]) != _np_dtype(t):
        from onnx import helper

        vals = b.op("Cast", [vals], to=helper.np_dtype_to_tensor_dtype(_np_dtype(t)))
    return _scatter(b, n[0], vals, t.shape, a["index"], dyn, out)


def _scatter_add(b, n, ins, a, t, dyn, out):
    """zeros(shape) with values added at index: ScatterElements(reduction="add"), opset 16 and later."""
    if b.opset < 16:
        raise _Unsupported("ScatterAdd needs opset 16 or later (ScatterElements reduction='add')")
    zeros = b.const(np.zeros(a["shape"], dtype=_np_dtype(t)))
    return _scatter(b, zeros, n[0], a["shape"], a["index"], dyn, out, reduction="add")


def _argsort(b, n, ins, a, t, dyn, out):
    """Argsort (sort, argsort, topk): the indices output of TopK, k = the sorted axis's length or topk's k. Ties:
    onnxruntime's TopK, like minigrad, lists tied values in index order."""
    axis = int(a["axis"])
    k = a.get("k")
    k = ins[0].shape[axis] if k is None else int(k)
    values = b.fresh()
    out = out or b.fresh()
    b.nodes.append(b.helper.make_node("TopK", [n[0], b.ints([k])], [values, out], name=f"TopK_{len(b.nodes)}",
                                      axis=axis, largest=int(bool(a.get("descending", False))), sorted=1))
    return out


def _div_rounding(b, n, ins, a, t, dyn, out):
    """torch.div(rounding_mode="floor" | "trunc"): floor as FloorDivide, trunc as sign(q) * floor(|q|)."""
    if a["mode"] == "floor":
        return _floor_divide(b, n, ins, a, t, dyn, out)

    def trunc(q, o):
        return b.op("Mul", [b.op("Sign", [q]), b.op("Floor", [b.op("Abs", [q])])], o)

    return _rounded_div(b, n, t, out, trunc)


def _round_decimals(b, n, ins, a, t, dyn, out):
    """round(x, decimals) computed as minigrad (and torch) do: Round (half to even) of x * 10^d, divided by 10^d in
    x's dtype (for d < 0: of x / 10^-d, times 10^-d), so float32 results are the same bits."""
    d = int(a["decimals"])
    scale = _scalar(b, 10.0 ** abs(d), ins[0])
    if d > 0:
        return b.op("Div", [b.op("Round", [b.op("Mul", [n[0], scale])]), scale], out)
    return b.op("Mul", [b.op("Round", [b.op("Div", [n[0], scale])]), scale], out)


def _lstm_cell(b, n, ins, a, t, dyn, out):
    """ops/rnn.py's fused LSTM step: hc' = [h' | c'] from gi, hc = [h | c], w_hh (and b_hh), gates i, f, g, o."""
    hsz = ins[2].shape[1]

    def cols(x, lo, hi):
        return b.op("Slice", [x, b.ints([lo]), b.ints([hi]), b.ints([1])])

    h, c = cols(n[1], 0, hsz), cols(n[1], hsz, 2 * hsz)
    gates = b.op("Add", [n[0], b.op("MatMul", [h, b.op("Transpose", [n[2]], perm=[1, 0])])])
    if len(n) > 3:
        gates = b.op("Add", [gates, n[3]])
    i, f, o = (b.op("Sigmoid", [cols(gates, k * hsz, (k + 1) * hsz)]) for k in (0, 1, 3))
    g = b.op("Tanh", [cols(gates, 2 * hsz, 3 * hsz)])
    c_next = b.op("Add", [b.op("Mul", [f, c]), b.op("Mul", [i, g])])
    return b.op("Concat", [b.op("Mul", [o, b.op("Tanh", [c_next])]), c_next], out, axis=1)


def _reduce(op_type):
    def h(b, n, ins, a, t, dyn, out):
        return b.reduce(op_type, n[0], a["axis"], a.get("keepdims", False), out)

    return h


def _softmax(op_type):
    def h(b, n, ins, a, t, dyn, out):
        if a["axis"] is None:  # a 0-d input; ONNX's Softmax needs an axis, so it goes through shape (1,)
            y = b.op(op_type, [b.op("Reshape", [n[0], b.ints([1])])], axis=0)
            return b.op("Reshape", [y, b.ints([])], out)
        return b.op(op_type, n, out, axis=_one_axis(a["axis"]))

    return h


def _safe_softmax(b, n, ins, a, t, dyn, out):
    """Attention's softmax (torch's _safe_softmax): a row of all -inf, a query whose keys are all masked, gives
    zeros where ONNX's Softmax gives NaN; a NaN score still gives NaN (its row's max is NaN, not -inf)."""
    axis = _one_axis(a["axis"])
    dead = b.op("Equal", [b.reduce("ReduceMax", n[0], [axis], True), _scalar(b, -np.inf, ins[0])])
    return b.op("Where", [dead, _scalar(b, 0, ins[0]), b.op("Softmax", n, axis=axis)], out)


def _one_axis(axis):
    if isinstance(axis, tuple):
        if len(axis) != 1:
            raise _Unsupported(f"softmax over several axes {axis}")
        axis = axis[0]
    return int(axis)


def _cumsum(b, n, ins, a, t, dyn, out):
    return b.op("CumSum", [n[0], b.const(np.int64(_one_axis(a["axis"])))], out)


def _arg(op_type):
    def h(b, n, ins, a, t, dyn, out):
        axis, keep = a.get("axis"), a.get("keepdims", False)
        x = n[0]
        if axis is None:
            x, axis = b.op("Reshape", [x, b.ints([-1])]), 0
            if keep:
                return b.op("Reshape", [b.op(op_type, [x], axis=0, keepdims=1), b.ints(t.shape)], out)
        return b.op(op_type, [x], out, axis=_one_axis(axis), keepdims=int(bool(keep)))

    return h


def _all_any(op_type):
    def h(b, n, ins, a, t, dyn, out):
        as_int = b.op("Cast", n, to=6)  # int32
        red = b.reduce(op_type, as_int, a["axis"], a.get("keepdims", False))
        return b.op("Cast", [red], out, to=9)  # bool

    return h


def _conv_pads(a):
    lo, hi = list(a["pad_lo"]), list(a["pad_hi"])
    if any(p < 0 for p in lo + hi):
        raise _Unsupported("negative (cropping) padding")
    return lo + hi


def _conv(b, n, ins, a, t, dyn, out):
    return b.op("Conv", n, out, strides=list(a["stride"]), pads=_conv_pads(a), dilations=list(a["dilation"]),
                group=int(a["groups"]))


def _conv_transpose(b, n, ins, a, t, dyn, out):
    x, w = ins
    k = w.shape[2:]
    extra = [o - (s * (i - 1) + d * (kk - 1) + 1 - lo - hi) for o, s, i, d, kk, lo, hi in
             zip(a["out_spatial"], a["stride"], x.shape[2:], a["dilation"], k, a["pad_lo"], a["pad_hi"])]
    return b.op("ConvTranspose", n, out, strides=list(a["stride"]), pads=_conv_pads(a),
                dilations=list(a["dilation"]), group=int(a["groups"]), output_padding=extra)


def _maxpool(b, n, ins, a, t, dyn, out):
    return b.op("MaxPool", n, out, kernel_shape=list(a["kernel"]), strides=list(a["stride"]), pads=_conv_pads(a),
                dilations=list(a["dilation"]))


def _composite(fn):
    return lambda b, n, ins, a, t, dyn, out: fn(b, n, ins, out)


_UNARY_NAMES = {"Neg": "Neg", "Exp": "Exp", "Log": "Log", "Tanh": "Tanh", "Sigmoid": "Sigmoid", "Relu": "Relu",
                "Sqrt": "Sqrt", "Reciprocal": "Reciprocal", "Abs": "Abs", "Sign": "Sign", "Sin": "Sin", "Cos": "Cos",
                "Tan": "Tan", "Erf": "Erf", "Floor": "Floor", "Ceil": "Ceil", "Round": "Round", "Arctanh": "Atanh",
                "Arcsin": "Asin", "Arcsinh": "Asinh", "Clone": "Identity", "Detach": "Identity"}
_BINARY_NAMES = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow", "Maximum": "Max",
                 "Minimum": "Min", "MatMul": "MatMul", "Eq": "Equal", "Lt": "Less", "Le": "LessOrEqual",
                 "Gt": "Greater", "Ge": "GreaterOrEqual"}

#: Function class name -> handler. The one table of what exports (docs/lazy_viz_onnx.md lists it).
ONNX_OPS = {
    **{k: _unary(v) for k, v in _UNARY_NAMES.items()},
    **{k: _same(v) for k, v in _BINARY_NAMES.items()},
    "Ne": _composite(lambda b, n, ins, out: b.op("Not", [b.op("Equal", n)], out)),
    "Log1p": _composite(lambda b, n, ins, out: b.op("Log", [b.op("Add", [n[0], _scalar(b, 1, ins[0])])], out)),
    "Expm1": _composite(lambda b, n, ins, out: b.op("Sub", [b.op("Exp", n), _scalar(b, 1, ins[0])], out)),
    "Rsqrt": _composite(lambda b, n, ins, out: b.op("Reciprocal", [b.op("Sqrt", n)], out)),
    "Trunc": _composite(lambda b, n, ins, out: b.op("Mul", [b.op("Sign", n), b.op("Floor", [b.op("Abs", n)])], out)),
    "Silu": _composite(lambda b, n, ins, out: b.op("Mul", [n[0], b.op("Sigmoid", n)], out)),
    "ScalarArith": lambda b, n, ins, a, t, dyn, out: b.op(a["op"].capitalize(), [n[0], _scalar(b, a["s"], ins[0])],
                                                         out),
    "PowScalar": _pow_scalar, "Cast": _cast, "Where": _where, "Clamp": _clamp, "Remainder": _remainder,
    "FloorDivide": _floor_divide, "Logical": _logical, "Gelu": _gelu, "Softplus": _softplus,
    "LeakyRelu": lambda b, n, ins, a, t, dyn, out: b.op("LeakyRelu", n, out, alpha=float(a.get("negative_slope", .01))),
    "Elu": lambda b, n, ins, a, t, dyn, out: b.op("Elu", n, out, alpha=float(a.get("alpha", 1.0))),
    "Einsum": _einsum,
    "Linear": _linear, "Reshape": _reshape, "Expand": _expand, "Pad": _pad, "Flip": _flip, "GetItem": _getitem,
    "Permute": _permute,
    "Cat": lambda b, n, ins, a, t, dyn, out: b.op("Concat", n, out, axis=int(a["axis"])),
    "Sum": _reduce("ReduceSum"), "Mean": _reduce("ReduceMean"), "Amax": _reduce("ReduceMax"), "Amin": _reduce("ReduceMin"),
    "Prod": _reduce("ReduceProd"), "LogSumExp": _reduce("ReduceLogSumExp"),
    "Softmax": _softmax("Softmax"), "LogSoftmax": _softmax("LogSoftmax"), "Cumsum": _cumsum,
    "_SafeSoftmax": _safe_softmax,
    "Argmax": _arg("ArgMax"), "Argmin": _arg("ArgMin"), "All": _all_any("ReduceMin"), "Any": _all_any("ReduceMax"),
    "Conv": _conv, "ConvTranspose": _conv_transpose, "MaxPool": _maxpool,
    "Argsort": _argsort, "SetItem": _set_item, "ScatterAdd": _scatter_add, "DivRounding": _div_rounding,
    "RoundDecimals": _round_decimals, "LSTMCell": _lstm_cell,
}


# ------------------------------------------------------------------------------------------------- tracing
def _view(b, name, view):
    """The ONNX value of a lazy view (lazy.dynamic_attrs) of tensor `name`."""
    if view is None:
        return name
    return b.op("Reshape" if view[0] == "reshape" else "Expand", [name, b.ints(view[1])])


def _toposort(roots):
    order, seen, stack = [], set(), [(r, False) for r in roots]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        stack.extend((p, False) for p in lazy.graph_parents(t) if id(p) not in seen)
    return order


def _named_leaves(model):
    names = {}
    for attr in ("named_parameters", "named_buffers"):
        fn = getattr(model, attr, None)
        if fn is not None:
            for k, v in fn():
                names.setdefault(id(v), k)
    return names


def _names(given, count, stem):
    """The given names, then the defaults for the rest (torch's rule): `stem` for a single value, else stem0, ..."""
    given = list(given or ())
    return given + ([stem] if count == 1 else [f"{stem}{i}" for i in range(count)])[len(given):]


def export(model, example_input, path, opset_version=DEFAULT_OPSET, input_names=None, output_names=None,
           check=True):
    """Trace `model(example_input)` and write it to `path` as an ONNX model.

    Args:
        model: a minigrad.nn.Module (or any callable on Tensors); put into eval mode while tracing.
        example_input: a Tensor, array, or tuple of them; fixes the input shapes and dtypes.
        path: the .onnx file to write.
        opset_version: the default ONNX opset to target, 13 to 21 (default 17).
        input_names, output_names: graph names (default input0..., output0...; "input"/"output" for one).
        check: run onnx.checker.check_model on the result.

    Returns:
        The onnx.ModelProto written.

    Raises:
        UnsupportedOperatorError: lists every op of the model without an ONNX mapping, with counts.
        ImportError: the optional `onnx` package is missing (pip install onnx onnxruntime).

    Matches torch.onnx.export(model, args, f, opset_version=...) for traced, static-shape models.
    """
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError("minigrad.onnx.export needs the onnx package: pip install onnx onnxruntime") from None
    if not MIN_OPSET <= opset_version <= MAX_OPSET:
        raise ValueError(f"onnx.export: opset_version {opset_version} is not supported; use {MIN_OPSET} to "
                         f"{MAX_OPSET} (default {DEFAULT_OPSET})")
    examples = example_input if isinstance(example_input, (tuple, list)) else (example_input,)
    input_names = _names(input_names, len(examples), "input")
    first = next(iter(model.parameters()), None) if hasattr(model, "parameters") else None
    device = None if first is None else first.device  # trace on the model's device
    phs = [lazy.fed_placeholder(x.numpy() if isinstance(x, Tensor) else np.asarray(x), name, device)
           for x, name in zip(examples, input_names)]
    training = getattr(model, "training", None)
    if training:
        model.eval()
    try:
        with enable_grad():
            result = model(*phs)
    finally:
        if training:
            model.train()
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    output_names = _names(output_names, len(outs), "output")

    b = _Builder(helper, numpy_helper, opset_version)
    leaf_names = _named_leaves(model)
    names = {id(p): nm for p, nm in zip(phs, input_names)}
    out_name = {}
    for t, nm in zip(outs, output_names):
        out_name.setdefault(id(t), nm)
    unsupported = {}
    for t in _toposort(outs):
        if id(t) in names:
            continue
        node = lazy.graph_node(t)
        if node is None:
            names[id(t)] = b.const(t.numpy(), name=leaf_names.get(id(t)))
            continue
        if t.data.size == 0 or all(p.data.size == 0 for p in lazy.graph_parents(t)):
            names[id(t)] = b.const(t.numpy())  # computed from no values (empty arrays): fixed by the static shapes
            continue
        cls, parents, attrs = node
        dyn = {path: _view(b, names[id(src)], view) for path, src, view in lazy.dynamic_attrs(t)}
        op_name = getattr(attrs.get("function"), "__name__", cls.__name__)  # a custom Function: its own name
        handler = ONNX_OPS.get(cls.__name__)
        try:
            if handler is None:
                raise _Unsupported(op_name)
            names[id(t)] = handler(b, [names[id(p)] for p in parents], list(parents), attrs, t, dyn,
                                   out_name.get(id(t)))
        except _Unsupported as e:
            key = op_name if str(e) == op_name else f"{op_name} ({e})"
            unsupported.setdefault(key, []).append(tuple(t.shape))
            names[id(t)] = b.fresh("unsupported")
    if unsupported:
        listed = "; ".join(f"{k}: {len(v)} node(s), e.g. output shape {v[0]}" for k, v in sorted(unsupported.items()))
        raise UnsupportedOperatorError(f"onnx.export: {len(unsupported)} unsupported op(s) in this model at opset "
                                       f"{opset_version}: {listed}. Supported ops: {', '.join(sorted(ONNX_OPS))}")
    for t, nm in zip(outs, output_names):
        if names[id(t)] != nm:  # an output that is an input, a constant, or a second name for another output
            b.op("Identity", [names[id(t)]], nm)

    def info(nm, t):
        return helper.make_tensor_value_info(nm, helper.np_dtype_to_tensor_dtype(np.dtype(t.dtype)), list(t.shape))

    used = {i for n in b.nodes for i in n.input}
    graph = helper.make_graph(b.nodes, type(model).__name__, [info(nm, p) for p, nm in zip(phs, input_names)],
                              [info(nm, t) for t, nm in zip(outs, output_names)],
                              initializer=[i for i in b.inits if i.name in used])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset_version)],
                              producer_name="minigrad")
    proto.ir_version = min(proto.ir_version, 8 if opset_version <= 17 else 9)
    if check:
        onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return proto

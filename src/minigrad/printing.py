"""torch-like repr of tensors."""
import numpy as np

from . import dtypes

_THRESHOLD, _EDGE = 1000, 3


def _format_array(arr):
    if arr.dtype.kind == "f" and arr.size:
        finite = arr[np.isfinite(arr)]
        integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        big = finite.size and (np.abs(finite).max() >= 1e8 or (np.abs(finite[finite != 0]).min(initial=1) < 1e-4))
        if big:
            kw = {"formatter": {"float_kind": lambda v: f"{v:.4e}"}}
        elif integral:
            kw = {"formatter": {"float_kind": lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)}}
        else:
            kw = {"precision": 4, "floatmode": "fixed"}
    elif arr.dtype.kind == "b" and arr.size:
        # matches torch: bools are padded to the widest value shown, so [True] has no leading space (NumPy pads
        # every bool to the width of "False")
        width = 4 if _shown(arr).all() else 5
        kw = {"formatter": {"bool": lambda v: f"{v!s:>{width}}"}}
    else:
        kw = {}
    return np.array2string(arr, separator=", ", prefix="tensor(", threshold=_THRESHOLD, edgeitems=_EDGE, **kw)


def _shown(arr):
    """The elements a summarised print shows: the first and last _EDGE along each long axis."""
    if arr.size <= _THRESHOLD:
        return arr
    for axis, n in enumerate(arr.shape):
        if n > 2 * _EDGE:
            arr = np.take(arr, np.r_[0:_EDGE, n - _EDGE:n], axis=axis)
    return arr


def tensor_repr(t):
    from .lazy import is_unevaluated  # noqa: PLC0415

    extras = []
    if t._device.type != "cpu":
        extras.append(f"device='{t._device}'")
    default_dtypes = (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_)
    if t.dtype not in default_dtypes or (t.data.size == 0 and t.dtype != dtypes.get_default_dtype()):
        extras.append(f"dtype=minigrad.{t.dtype}")
    if t._ctx is not None:
        extras.append(f"grad_fn=<{t._ctx.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    if is_unevaluated(t):
        body = f"<unevaluated placeholder graph, shape={tuple(t.shape)}; call .forward(**feeds)>"
    else:
        body = _format_array(np.asarray(t.numpy()))
    return "tensor(" + ", ".join([body] + extras) + ")"
